"""The Spark engine over Spark Connect (``SPARK_REMOTE`` / ``--spark-master sc://...``).

``SPARK_REMOTE=local`` makes PySpark start a Spark Connect server on this machine and talk
to it over gRPC, exactly as it would to a cluster's server: no SparkContext, no RDDs, only
the Connect protocol. It runs in a process of its own (this one already holds a classic
session); every bundled example must give DuckDB's report there too, details included.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from svcaudit.audit import AuditRequest, run_audit
from svcaudit.report.json import scorecard_dict
from svcaudit.score import Scorecard
from tests.helpers import REPO
from tests.spark.test_parity import EXAMPLES

ON_CONNECT = """
import json, sys
from dataclasses import replace
from svcaudit.audit import AuditRequest, run_audit
from svcaudit.report.json import scorecard_dict
from svcaudit.spark.session import spark_session
from tests.spark.test_connect import details

out = {"session": type(spark_session()).__module__, "reports": [], "progress": []}
for log, pack in json.loads(sys.argv[1]):
    request = AuditRequest(logs=[log], standards=[pack], engine="spark", details=3)
    card = run_audit(request, lambda step, f: out["progress"].append([step, f]))
    out["reports"].append([scorecard_dict(card), *details(card)])
json.dump(out, sys.stdout, default=str)
"""


def details(card: Scorecard) -> tuple[list[Any], list[Any]]:
    """The worst breaches (branch, id, value; files) and the distributions, as lists."""
    worst = [[w.standard_id, [list(r[:3]) for r in w.rows], list(w.files)] for w in card.worst]
    return worst, [[d.standard_id, list(d.counts)] for d in card.distributions]


def test_every_example_over_spark_connect(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {**os.environ, "SPARK_REMOTE": "local", "PYTHONPATH": str(REPO)}
    run = subprocess.run(
        [sys.executable, "-c", ON_CONNECT, json.dumps(EXAMPLES)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout)
    assert found["session"] == "pyspark.sql.connect.session"  # Connect, not a local JVM here
    # quiet as the local engine: no Spark log lines, progress bars or config warnings
    assert not [line for line in run.stderr.splitlines() if " WARN " in line or "Stage " in line]
    assert "Failed to set" not in run.stderr
    # the server's progress reaches the bar (the tasks of each query's stages)
    audited = [f for step, f in found["progress"] if step == "auditing" and f is not None]
    assert audited and max(audited) == 1.0 and all(0.0 <= f <= 1.0 for f in audited)
    monkeypatch.chdir(REPO)
    for (log, pack), (report, worst, distributions) in zip(EXAMPLES, found["reports"], strict=True):
        card = run_audit(AuditRequest(logs=[log], standards=[pack], details=3))
        assert report == json.loads(json.dumps(scorecard_dict(card))), log
        assert [worst, distributions] == json.loads(json.dumps(details(card), default=str)), log
