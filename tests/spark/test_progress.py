"""The progress bar follows Spark's own progress: finished tasks over the tasks known."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import pytest

from svcaudit.audit import AuditRequest, run_audit
from svcaudit.spark.progress import Tasks
from tests.helpers import write


def test_finished_tasks_over_the_tasks_known_never_going_back() -> None:
    shown: list[float] = []
    tasks = Tasks(shown.append)
    tasks.update([(1, 10, 5)])  # a scan of 10 tasks, half done
    tasks.update([(1, 10, 10), (2, 4, 0)])  # then an aggregation stage of 4: 10 of 14
    tasks.update([(2, 4, 2)], ended=[1])  # stage 1 ended (no longer reported): 12 of 14
    # a big new stage: 14 of 114, shown as before (stage 9, never seen, is not counted)
    tasks.update([(3, 100, 0)], ended=[2, 9])
    tasks.update([(3, 100, 100)])
    assert shown == pytest.approx([0.5, 10 / 14, 12 / 14, 12 / 14, 1.0])
    tasks.update([])  # every stage ended: said again, unchanged
    assert shown[5:] == [1.0]
    fresh: list[float] = []
    Tasks(fresh.append).update([])  # no stage known yet: nothing to say
    assert fresh == []


def test_a_spark_audit_reports_its_progress(spark: Any, tmp_path: Path) -> None:
    """Two million rows in 16 Parquet files (a task each, read two at a time): the
    bar sees the scan's tasks finish one by one, so fractions strictly between 0 and 1."""
    logs = tmp_path / "logs"
    logs.mkdir()
    duckdb.sql(
        f"""COPY (SELECT i // 125000 AS part, 'B' || (i % 50) AS branch,
                  TIMESTAMP '2025-03-01' + INTERVAL (i % 86400) SECOND AS arrived_at,
                  TIMESTAMP '2025-03-01' + INTERVAL (i % 86400 + i % 97) SECOND AS greeted_at
                  FROM range(2000000) t(i))
            TO '{logs}' (FORMAT parquet, PARTITION_BY (part))"""
    )
    rules = write(
        tmp_path / "rules.yaml",
        """\
        svcaudit: 1
        name: Greeting
        standards:
          - id: greet-60s
            title: Greeted within a minute
            measure: greeted_at - arrived_at
            at_most: 60s
        """,
    )
    seen: list[tuple[str, float | None]] = []
    request = AuditRequest(logs=[str(logs / "*" / "*.parquet")], standards=[str(rules)])
    card = run_audit(replace(request, engine="spark"), lambda s, f: seen.append((s, f)))
    assert card.rows.evaluated == 2_000_000
    fractions = [f for s, f in seen if s == "auditing" and f is not None]
    assert fractions == sorted(fractions)
    assert any(0.0 < f < 1.0 for f in fractions), fractions
