"""Time zones the engine knows: a zone Python's ``zoneinfo`` reads (``right/UTC``,
``localtime``) but DuckDB's ICU does not would pass validation and stop the audit."""

from __future__ import annotations

import functools
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb
from pydantic_core import PydanticCustomError


@functools.cache
def engine_zones() -> frozenset[str]:
    """The names DuckDB accepts in ``timezone(...)`` (its ICU list)."""
    with duckdb.connect(":memory:") as con:
        rows = con.execute("SELECT name FROM pg_timezone_names()").fetchall()
    return frozenset(str(r[0]) for r in rows)


def valid_zone(value: str) -> str:
    """``value`` when it is an IANA zone both Python and the engine know; else the located
    validation error every ``time_zone:`` key reports."""
    try:
        ZoneInfo(value)
        if value not in engine_zones():  # DuckDB's ICU list, checked before any audit
            raise ValueError(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise PydanticCustomError(
            "time_zone",
            "'{value}' is not a time zone",
            {"value": value, "hint": "use an IANA name such as Europe/Warsaw or UTC"},
        ) from None
    return value
