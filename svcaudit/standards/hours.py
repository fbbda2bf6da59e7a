"""Opening hours in a standards file's calendars: ``{mon-fri: "08:00-17:00"}`` read into
(day, opening minute, closing minute) ranges, overlaps within a day merged, a day written
twice refused."""

from __future__ import annotations

import re

_DAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}
HOURS_HINT = 'write opening hours like {mon-fri: "08:00-17:00", sat: "09:00-13:00"}'


def _minute(text: str) -> int:
    m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", text)
    if (
        not m
        or int(m.group(1)) > 24
        or int(m.group(2)) > 59
        or (int(m.group(1)) == 24 and int(m.group(2)) != 0)
    ):
        raise ValueError(f"'{text}' is not a time of day")
    return int(m.group(1)) * 60 + int(m.group(2))


def _days(text: str) -> list[int]:
    out: list[int] = []
    for part in text.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if first not in _DAYS or (last and last not in _DAYS):
            raise ValueError(f"'{text}' is not a day or range of days (mon..sun)")
        a, b = _DAYS[first], _DAYS[last or first]
        out += list(range(a, b + 1)) if a <= b else [*range(a, 8), *range(1, b + 1)]
    return out


class HoursError(ValueError):
    """Opening hours that cannot be read; ``key`` is the entry (``mon-fri``) at fault."""

    def __init__(self, message: str, key: str) -> None:
        super().__init__(message)
        self.key = key


_DAY_NAMES = {v: k for k, v in _DAYS.items()}


def parse_hours(hours: dict[str, str]) -> tuple[tuple[int, int, int], ...]:
    """{"mon-fri": "08:00-17:00, 18:00-20:00"} -> ((1, 480, 1020), (1, 1080, 1200), ...).

    Within one entry, overlapping or touching ranges are merged ("08:00-12:00, 10:00-14:00"
    is 08:00-14:00: 6 hours, not 4 + 4). A day written in two entries (``mon-fri`` and
    ``mon``) is refused: whether ``mon`` replaces Monday's hours or adds to them cannot be
    told, and counting both would count the overlap twice.
    """
    out: list[tuple[int, int, int]] = []
    seen: dict[int, str] = {}  # day -> the entry that gave its hours
    for days, spans in hours.items():
        key = str(days)
        ranges: list[tuple[int, int]] = []
        for span in str(spans).split(","):
            start, sep, end = span.partition("-")
            if not sep:
                raise HoursError(f"'{span.strip()}' is not a range of hours like 08:00-17:00", key)
            try:
                o, c = _minute(start), _minute(end)
            except ValueError as e:
                raise HoursError(str(e), key) from None
            if c <= o:
                raise HoursError(
                    f"'{span.strip()}' ends before it starts; split hours past midnight "
                    "into two days (e.g. fri: 22:00-24:00 and sat: 00:00-06:00)",
                    key,
                )
            ranges.append((o, c))
        try:
            listed = _days(key)
        except ValueError as e:
            raise HoursError(str(e), key) from None
        for d in listed:
            if d in seen:
                where = "twice in" if seen[d] == key else f"in '{seen[d]}' and in"
                raise HoursError(
                    f"{_DAY_NAMES[d]} is listed {where} '{key}'; write each day's hours once "
                    f"(several ranges in one entry: \"08:00-12:00, 13:00-17:00\")",
                    key,
                )
            seen[d] = key
        out += [(d, o, c) for d in listed for o, c in _merged(ranges)]
    return tuple(sorted(out))


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Ranges of minutes with the overlapping and touching ones joined."""
    joined: list[tuple[int, int]] = []
    for o, c in sorted(ranges):
        if joined and o <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], c))
        else:
            joined.append((o, c))
    return joined
