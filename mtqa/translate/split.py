"""Split over-long sources at clause boundaries so that nothing is ever truncated.

A source longer than the model's budget is cut at the strongest boundary nearest its middle
(sentence end, then Arabic/Latin comma, semicolon, colon, then whitespace, then — for a single
unbroken run of characters — anywhere), recursively, until every piece fits. The pieces
concatenate back to the exact input: no character is dropped.
"""

from __future__ import annotations

from collections.abc import Callable

from mtqa.script import SENTENCE_MARKS, URDU_FULL_STOP

# Boundary characters, strongest first. A cut goes right after the character.
BOUNDARY_LEVELS: tuple[str, ...] = (SENTENCE_MARKS + URDU_FULL_STOP, "،؛;", ",:")


def _cut_points(text: str, chars: str) -> list[int]:
    return [i + 1 for i, c in enumerate(text[:-1]) if c in chars]


def _whitespace_points(text: str) -> list[int]:
    return [i for i, c in enumerate(text) if c.isspace() and 0 < i < len(text)]


def _best_cut(text: str) -> int:
    """The cut index (0 < i < len) at the strongest boundary closest to the middle."""
    mid = len(text) / 2
    for chars in BOUNDARY_LEVELS:
        points = [p for p in _cut_points(text, chars) if text[:p].strip() and text[p:].strip()]
        if points:
            return min(points, key=lambda p: abs(p - mid))
    points = [p for p in _whitespace_points(text) if text[:p].strip() and text[p:].strip()]
    if points:
        return min(points, key=lambda p: abs(p - mid))
    return max(1, len(text) // 2)


def split_long(text: str, max_len: int, length: Callable[[str], int]) -> list[str]:
    """Pieces of ``text`` each with ``length(piece) <= max_len`` (where possible), in order.

    ``"".join(split_long(t, ...)) == t`` always. A text that already fits is returned whole.
    """
    if max_len <= 0 or len(text) <= 1 or length(text) <= max_len:
        return [text]
    cut = _best_cut(text)
    return split_long(text[:cut], max_len, length) + split_long(text[cut:], max_len, length)
