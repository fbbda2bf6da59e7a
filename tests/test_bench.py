"""The benchmark harness (``bench/``) on a small log, so it keeps working as svcaudit changes.

svcaudit, the hand-written DuckDB query (alone and with the repeated-id count), the Polars
script and the pandas script compute the same figures independently (per branch and standard:
in scope, passed, unmeasured; rows per branch; the repeated-id count), and the harness stops
when any of them differs. 10 standards are counted by ``sum(CASE ...)``,
200 by the histogram strategy. Times are not checked here: they belong to the harness's own
runs (``bench/README.md``).
"""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import REPO


def test_every_contender_agrees_on_a_small_log() -> None:
    run = subprocess.run(
        [sys.executable, "bench/run.py", "--rows", "10000", "--standards", "10", "200"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert run.returncode == 0, run.stderr + run.stdout
    rows = [line.split() for line in run.stdout.splitlines() if line.split()[:1] == ["10000"]]
    assert [(r[1], r[2]) for r in rows] == [
        ("parquet", "10"),
        ("parquet", "200"),
        ("csv", "10"),
        ("csv", "200"),
    ]
    # svcaudit, polars, checks, duckdb and pandas all ran
    assert all(all(t != "-" for t in r[4:9]) for r in rows), rows


def test_period_cost_mode_runs_and_keeps_the_counts() -> None:
    """``--period month``: svcaudit with and without the period key, in pairs; the harness
    stops if the counts differ. 180 days from 1 April 2025: April to September, 6 months."""
    run = subprocess.run(
        [
            sys.executable,
            "bench/run.py",
            "--rows",
            "10000",
            "--standards",
            "10",
            "--formats",
            "parquet",
            "--period",
            "month",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert run.returncode == 0, run.stderr + run.stdout
    line = next(x for x in run.stdout.splitlines() if x.split()[:1] == ["10000"])
    assert "--period month" in line and "(6 periods," in line and "ratio" in line
