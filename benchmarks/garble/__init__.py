"""Garble benchmark: corrupted twins of clean FLORES/TICO sentences, fitted combiner, seed report."""
