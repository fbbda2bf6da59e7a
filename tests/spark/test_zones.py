"""A column's own ``time_zone:`` on Spark: the figures DuckDB gives, worked out by hand in
tests/sources/test_column_zones.py (DST switches in Warsaw and New York, offsets kept, the
repeated hour read as the later instant), whatever the session's zone."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from svcaudit.audit import AuditRequest
from tests.helpers import write
from tests.invoke import invoke
from tests.sources.test_column_zones import ZONES, dst_night_parquet
from tests.spark.test_parity import report
from tests.test_column_layers import NEW_YORK, rules


def _counts(rep: dict[str, Any]) -> dict[str, tuple[int, int, int]]:
    return {s["id"]: (s["in_scope"], s["passed"], s["failed"]) for s in rep["standards"]}


def test_columns_zones_on_both_engines(spark: Any) -> None:
    for log, std in (("zones.csv", "zones.yaml"), ("us.csv", "us.yaml")):
        request = AuditRequest(logs=[str(ZONES / log)], standards=[str(ZONES / std)])
        on_duckdb = report(request)
        n = on_duckdb["rows"]["read"]
        assert _counts(on_duckdb) == {"answer-as-worked": (n, n, 0), "span-as-worked": (n, n, 0)}
        assert report(replace(request, engine="spark")) == on_duckdb


def test_a_naive_parquet_timestamp_in_its_zone_on_both_engines(spark: Any, tmp_path: Path) -> None:
    log = dst_night_parquet(tmp_path)
    std = write(
        tmp_path / "s.yaml",
        """\
        svcaudit: 1
        name: P
        time_zone: Asia/Tokyo
        columns:
          arrived_at: {source: came, time_zone: Europe/Warsaw}
          resolved_at: {source: went, time_zone: Europe/Warsaw}
        standards:
          - id: one-hour
            title: 00:30 UTC (CET) to 01:30 UTC (CEST)
            check: resolved_at - arrived_at == 1h
        """,
    )
    request = AuditRequest(logs=[str(log)], standards=[str(std)])
    on_duckdb = report(request)
    assert _counts(on_duckdb) == {"one-hour": (1, 1, 0)}
    assert report(replace(request, engine="spark")) == on_duckdb


def test_config_and_map_declarations_on_both_engines(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the standards file renames; the config file and --map give the zones (as in
    # tests/test_column_layers.py): every row as worked by hand, on both engines
    monkeypatch.chdir(tmp_path)
    shutil.copy(ZONES / "zones.csv", tmp_path / "zones.csv")
    rules(tmp_path)
    write(
        tmp_path / "svcaudit.yaml",
        "columns:\n  arrived_at: {time_zone: Europe/Warsaw}\n"
        "  resolved_at: {time_zone: Europe/Warsaw}\n",
    )
    reports = []
    for engine in ("duckdb", "spark"):
        run = invoke("audit", "zones.csv", "-s", "s.yaml", NEW_YORK, "--engine", engine,
                     "--format", "json")  # fmt: skip
        assert run.code == 0, run.stderr
        reports.append(json.loads(run.stdout))
    assert _counts(reports[0]) == {"answer-as-worked": (9, 9, 0), "span-as-worked": (9, 9, 0)}
    assert _counts(reports[1]) == _counts(reports[0])
    assert reports[1]["rows"] == reports[0]["rows"]
