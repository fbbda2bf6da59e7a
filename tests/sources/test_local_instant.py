"""Naive timestamps placed in the time zone by offset spans give exactly DuckDB's own cast."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from sqlglot import exp

from svcaudit.sources.casting import local_to_instant, offset_spans
from svcaudit.sources.files import LogFile, LogFormat
from svcaudit.sources.parquet_reader import ParquetReader

SAMPLES = """
    SELECT t FROM range(TIMESTAMP '2025-03-28', TIMESTAMP '2025-04-08', INTERVAL 7 MINUTE) r(t)
    UNION ALL SELECT t FROM range(TIMESTAMP '2025-09-25', TIMESTAMP '2025-11-05',
                                  INTERVAL 7 MINUTE) r(t)
    UNION ALL SELECT t FROM range(TIMESTAMP '2025-01-01', TIMESTAMP '2026-01-01',
                                  INTERVAL 997 MINUTE) r(t)
    UNION ALL SELECT NULL::TIMESTAMP
"""


@pytest.mark.parametrize(
    "zone", ["Europe/Warsaw", "America/Santiago", "Australia/Lord_Howe", "UTC"]
)
def test_same_instants_as_the_cast(zone: str) -> None:
    con = duckdb.connect()
    con.sql(f"SET TimeZone = '{zone}'")
    spans = offset_spans(con, datetime(2025, 1, 1), datetime(2026, 1, 1))
    assert spans
    fast = local_to_instant(exp.column("t"), spans).sql("duckdb")
    total, same = con.sql(
        f"SELECT count(*), count(*) FILTER (WHERE {fast} IS NOT DISTINCT FROM t::TIMESTAMPTZ) "
        f"FROM ({SAMPLES})"
    ).fetchall()[0]
    assert total > 10_000 and same == total


def test_parquet_reader_finds_spans_from_the_statistics(tmp_path: Path) -> None:
    con = duckdb.connect()
    con.sql("SET TimeZone = 'Europe/Warsaw'")
    path = tmp_path / "log.parquet"
    con.sql(f"COPY ({SAMPLES}) TO '{path}' (FORMAT parquet)")
    reader = ParquetReader([LogFile(str(path), str(path), LogFormat.PARQUET, False)])
    reader.schema(con)
    assert reader._spans is not None and len(reader._spans) == 3  # winter, summer, winter
    relation = reader.relation({"t": "TIMESTAMPTZ"}).sql("duckdb")
    total, same = con.sql(
        f"SELECT count(*), count(*) FILTER (WHERE r.t IS NOT DISTINCT FROM s.t::TIMESTAMPTZ) "
        f"FROM ({relation}) r POSITIONAL JOIN read_parquet('{path}') s"
    ).fetchall()[0]
    assert same == total
