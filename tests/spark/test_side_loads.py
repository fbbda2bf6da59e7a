"""Side-loads on Spark: the same ``SideLoads`` step, rendered for Spark, gives the hand-worked
rows and figures of tests/sources/test_side_loads.py and DuckDB's whole report."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlglot import exp

from svcaudit.audit import AuditRequest, run_audit
from svcaudit.report.json import scorecard_dict
from svcaudit.sources.prepare import KIND
from svcaudit.spark.dialect import spark_sql
from tests.sources.test_side_loads import (
    COLUMNS,
    EXPECTED,
    ROWS,
    TABLE,
    check_document,
    files,
    step_query,
)


def test_the_step_gives_the_same_rows_on_spark(spark: Any) -> None:
    values = exp.values(ROWS, alias="v", columns=[KIND, *COLUMNS])
    spark.sql(spark_sql(exp.select("*").from_(values))).createOrReplaceTempView(TABLE)
    rows = spark.sql(spark_sql(step_query())).collect()
    assert sorted(tuple(r) for r in rows) == EXPECTED


def test_a_document_s_side_loads_on_both_engines(spark: Any, tmp_path: Path) -> None:
    log, standards = files(tmp_path)
    request = AuditRequest(logs=[str(log)], standards=[str(standards)])
    check_document(run_audit(replace(request, engine="spark")))
    assert scorecard_dict(run_audit(replace(request, engine="spark"))) == scorecard_dict(
        run_audit(request)
    )
