"""Benchmarks: scripts that print a table and save JSON + Markdown under benchmarks/results/."""
