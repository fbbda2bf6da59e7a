"""Durations (``500ms``, ``30s``, ``1h30m``, ``PT30S``) and percentages (``95%``).

Durations are held as whole milliseconds everywhere in svcaudit: thresholds, measures in the
compiled SQL and figures in reports, so comparisons are exact integer comparisons.
"""

from __future__ import annotations

import re
from enum import StrEnum

MS_PER_UNIT: dict[str, int] = {
    "ms": 1,
    "s": 1000,
    "m": 60_000,
    "h": 3_600_000,
    "d": 86_400_000,
    "w": 604_800_000,
}

DURATION_HINT = "write durations like 500ms, 30s, 2m, 1h30m, 2d or ISO 8601 PT30S"
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_COMPACT = re.compile(r"(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+")
_ISO = re.compile(
    r"P(?:(?P<w>\d+(?:\.\d+)?)W)?(?:(?P<d>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?"
)


class Unit(StrEnum):
    """The unit of a plain-number measure (``unit:`` in a standard)."""

    MS = "ms"
    S = "s"
    M = "m"
    H = "h"
    D = "d"

    @property
    def ms(self) -> int:
        """Milliseconds in one of this unit."""
        return MS_PER_UNIT[self.value]


MAX_DURATION_MS = 100 * 366 * MS_PER_UNIT["d"]  # a century: anything longer is a typo


def parse_duration(text: str) -> int:
    """Parse a duration into whole milliseconds; raise ValueError with a hint when invalid.

    Durations are at most a century (``MAX_DURATION_MS``), so they stay exact integers in SQL.
    """
    s = text.strip()
    total: float | None = None
    if _COMPACT.fullmatch(s):
        total = sum(float(n) * MS_PER_UNIT[u] for n, u in _PART.findall(s))
    else:
        iso = _ISO.fullmatch(s.upper())
        if iso and s.upper() not in ("P", "PT") and not s.upper().endswith("T"):
            total = sum(float(v) * MS_PER_UNIT[k.lower()] for k, v in iso.groupdict().items() if v)
    if total is None:
        raise ValueError(f"'{_short(text)}' is not a duration")
    if not total <= MAX_DURATION_MS:  # also catches inf and nan
        raise ValueError(f"'{_short(text)}' is longer than 100 years")
    return round(total)


def _short(text: str, width: int = 40) -> str:
    """Text cut for messages: a 5,000-digit number must not fill the terminal."""
    return text if len(text) <= width else text[: width - 3] + "..."


def format_duration(ms: float) -> str:
    """Render milliseconds compactly: 45s, 1m30s, 2h, 1d2h, 750ms."""
    if ms < 0:
        return "-" + format_duration(-ms)
    if ms < 1000:
        return f"{ms:g}ms"
    parts: list[str] = []
    rest = round(ms)
    for unit in ("d", "h", "m", "s"):
        size = MS_PER_UNIT[unit]
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count}{unit}")
    if rest:
        parts.append(f"{rest}ms")
    return "".join(parts)


PERCENT_HINT = "write a share as a percentage like 95% or a fraction between 0 and 1 like 0.95"


def parse_percent(value: object) -> float:
    """Parse ``95%``, ``99.8%`` or a fraction in [0, 1] into a fraction; ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a percentage")
    if isinstance(value, int | float):
        if 0 <= value <= 1:
            return float(value)
        raise ValueError(f"{_short(str(value))} is not a fraction between 0 and 1")
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*%\s*", value)
        if m:
            pct = float(m.group(1))
            if pct > 100:
                raise ValueError(f"'{_short(value)}' is over 100%")
            return pct / 100
    raise ValueError(f"{_short(repr(value))} is not a percentage")


#: The most decimals a percentage gets to show it is not 0 % or 100 % (``format_percent``).
PERCENT_MAX_DECIMALS = 4


def format_percent(fraction: float | None, digits: int = 1) -> str:
    """Render a fraction as a percentage: 0.953 -> '95.3%'; None -> '—'.

    Never rounded to 0 % or 100 % unless exactly that: a rate that would round there gets
    the decimals it needs, up to ``PERCENT_MAX_DECIMALS`` (2,066 of 2,067 -> '99.95%',
    0.9999996 -> '>99.9999%', 0.0000004 -> '<0.0001%'). Every report format uses this.
    """
    if fraction is None:
        return "—"
    if digits >= 1 and 0.001 <= fraction <= 0.999:  # 0.1 % to 99.9 %: never shown as 0 or 100
        return f"{fraction * 100:.{digits}f}".rstrip("0").rstrip(".") + "%"  # (big reports)
    fraction += 0.0  # -0.0 is 0 %
    edge = fraction not in (0.0, 1.0)
    places = digits
    while True:
        text = f"{fraction * 100:.{places}f}"
        at_edge = float(text) in (0.0, 100.0)
        if not (edge and at_edge) or places >= max(digits, PERCENT_MAX_DECIMALS):
            break
        places += 1
    if edge and at_edge:  # still 0 or 100 at the most decimals shown
        step = 10.0**-places
        return f">{100 - step:.{places}f}%" if fraction > 0.5 else f"<{step:.{places}f}%"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text + "%"


POINTS_HINT = "write percentage points like 5pp (a drop from 95% to 89.5% is 5.5pp)"


def parse_points(text: str) -> float:
    """Parse percentage points (``5pp``, ``2.5 pp``, ``5%``) into a fraction: 5pp -> 0.05."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(?:pp|%)?\s*", text)
    if not m or float(m.group(1)) > 100:
        raise ValueError(f"'{text}' is not a number of percentage points")
    return float(m.group(1)) / 100
