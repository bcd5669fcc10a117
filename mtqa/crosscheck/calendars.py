"""Solar Hijri (Iranian/Afghan) ↔ Gregorian conversion, exact arithmetic.

The Solar Hijri year starts at the March equinox. Leap years follow the astronomical rule; for
years -61 … 3177 AP it is reproduced exactly by the "breaks" table of Borkowski's algorithm (as
used by jalaali-js and the Iranian calendar centre's tables): leap years cycle in 33-year groups
whose phase changes at the listed years. Month lengths: 6 × 31, 5 × 30, then 29 (30 in leap years).
Afghan month names (حمل … حوت) and Iranian names (فروردین … اسفند) index the same months.
"""

from __future__ import annotations

import datetime as _dt

_BREAKS = (-61, 9, 38, 199, 426, 686, 756, 818, 1111, 1181, 1210, 1635, 2060, 2097, 2192, 2262,
           2324, 2394, 2456, 3178)


def _div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _mod(a: int, b: int) -> int:
    return a - _div(a, b) * b


def _jal_cal(jy: int) -> tuple[int, int, int]:
    """(leap offset in the 4-year cycle, Gregorian year, March day of Farvardin 1) of ``jy``."""
    if jy < _BREAKS[0] or jy >= _BREAKS[-1]:
        raise ValueError(f"Solar Hijri year {jy} is outside {_BREAKS[0]}..{_BREAKS[-1] - 1}")
    gy = jy + 621
    leap_j = -14
    jp = _BREAKS[0]
    jump = 0
    for jm in _BREAKS[1:]:
        jump = jm - jp
        if jy < jm:
            break
        leap_j += _div(jump, 33) * 8 + _div(_mod(jump, 33), 4)
        jp = jm
    n = jy - jp
    leap_j += _div(n, 33) * 8 + _div(_mod(n, 33) + 3, 4)
    if _mod(jump, 33) == 4 and jump - n == 4:
        leap_j += 1
    leap_g = _div(gy, 4) - _div((_div(gy, 100) + 1) * 3, 4) - 150
    march = 20 + leap_j - leap_g
    if jump - n < 6:
        n = n - jump + _div(jump + 4, 33) * 33
    leap = _mod(_mod(n + 1, 33) - 1, 4)
    if leap == -1:
        leap = 4
    return leap, gy, march


def is_leap(jy: int) -> bool:
    """Whether Solar Hijri year ``jy`` has 366 days (Esfand/Hut has 30 days)."""
    return _jal_cal(jy)[0] == 0


def month_length(jy: int, jm: int) -> int:
    if not 1 <= jm <= 12:
        raise ValueError(f"Solar Hijri month {jm} is not 1..12")
    if jm <= 6:
        return 31
    if jm <= 11:
        return 30
    return 30 if is_leap(jy) else 29


def to_gregorian(jy: int, jm: int, jd: int) -> _dt.date:
    """The Gregorian date of Solar Hijri ``jy/jm/jd`` (e.g. 1403/1/1 → 2024-03-20)."""
    if not 1 <= jd <= month_length(jy, jm):
        raise ValueError(f"day {jd} is not in Solar Hijri month {jy}/{jm}")
    _, gy, march = _jal_cal(jy)
    first = _dt.date(gy, 3, march).toordinal()
    return _dt.date.fromordinal(first + (jm - 1) * 31 - _div(jm, 7) * (jm - 7) + jd - 1)


def from_gregorian(day: _dt.date) -> tuple[int, int, int]:
    """The Solar Hijri (year, month, day) of a Gregorian date (2024-01-27 → (1402, 11, 7))."""
    jdn = day.toordinal()
    jy = day.year - 621
    leap, gy, march = _jal_cal(jy)
    k = jdn - _dt.date(gy, 3, march).toordinal()
    if k >= 0:
        if k <= 185:
            return jy, 1 + _div(k, 31), _mod(k, 31) + 1
        k -= 186
    else:
        jy -= 1
        k += 179
        if leap == 1:  # the leap phase of the year that starts after this date decides
            k += 1
    return jy, 7 + _div(k, 30), _mod(k, 30) + 1


def solar_year_for(jm: int, jd: int, gregorian_year: int) -> tuple[int, _dt.date]:
    """The Solar Hijri year in which month/day ``jm/jd`` falls in ``gregorian_year``, and its date.

    For a Solar date written without a year ("هفتم دلو") in an article about a known Gregorian year.
    """
    jy = gregorian_year - 621 if (jm, jd) < (10, 11) else gregorian_year - 622
    for cand in (jy, jy + 1, jy - 1):
        try:
            d = to_gregorian(cand, jm, min(jd, month_length(cand, jm)))
        except ValueError:
            continue
        if d.year == gregorian_year:
            return cand, d
    d = to_gregorian(jy, jm, min(jd, month_length(jy, jm)))
    return jy, d
