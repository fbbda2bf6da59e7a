"""Time zones the engine knows: a zone Python's ``zoneinfo`` reads (``right/UTC``,
``localtime``) but DuckDB's ICU does not would pass validation and stop the audit."""

from __future__ import annotations

import functools

import duckdb


@functools.cache
def engine_zones() -> frozenset[str]:
    """The names DuckDB accepts in ``timezone(...)`` (its ICU list)."""
    with duckdb.connect(":memory:") as con:
        rows = con.execute("SELECT name FROM pg_timezone_names()").fetchall()
    return frozenset(str(r[0]) for r in rows)
