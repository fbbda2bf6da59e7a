"""The fast naive-timestamp conversion gives exactly DuckDB's own cast, DST days included."""

from __future__ import annotations

import duckdb
import pytest
from sqlglot import exp

from svcaudit.sources.base import local_to_instant


@pytest.mark.parametrize(
    "zone", ["Europe/Warsaw", "America/Santiago", "Australia/Lord_Howe", "UTC"]
)
def test_same_instants_as_the_cast(zone: str) -> None:
    con = duckdb.connect()
    con.sql(f"SET TimeZone = '{zone}'")
    fast = local_to_instant(exp.column("t")).sql("duckdb")
    rows = con.sql(
        f"""
        SELECT count(*), count(*) FILTER (WHERE {fast} IS NOT DISTINCT FROM CAST(t AS TIMESTAMPTZ))
        FROM (
            SELECT t FROM range(TIMESTAMP '2025-03-28', TIMESTAMP '2025-04-08',
                                INTERVAL 7 MINUTE) r(t)
            UNION ALL SELECT t FROM range(TIMESTAMP '2025-09-25', TIMESTAMP '2025-11-05',
                                          INTERVAL 7 MINUTE) r(t)
            UNION ALL SELECT t FROM range(TIMESTAMP '1985-01-01', TIMESTAMP '2070-01-01',
                                          INTERVAL 9973 MINUTE) r(t)
            UNION ALL SELECT NULL::TIMESTAMP
        )
        """
    ).fetchall()
    total, same = rows[0]
    assert total > 10_000 and same == total
