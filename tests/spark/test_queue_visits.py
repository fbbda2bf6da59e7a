"""Queue visits on Spark: the same ``QueueVisits`` step over Spark's lines gives the
hand-worked figures of tests/sources/test_queue_visits.py and DuckDB's whole report."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from svcaudit.audit import AuditRequest, run_audit
from svcaudit.report.json import scorecard_dict
from tests.sources.test_queue_visits import _files, check_visits


def test_queue_visits_on_both_engines(spark: Any, tmp_path: Path) -> None:
    log, standards = _files(tmp_path)
    request = AuditRequest(logs=[str(log)], standards=[str(standards)])
    check_visits(run_audit(replace(request, engine="spark")))
    assert scorecard_dict(run_audit(replace(request, engine="spark"))) == scorecard_dict(
        run_audit(request)
    )
