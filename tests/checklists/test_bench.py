"""The checklist benchmark (``bench/checklist.py``) on a small sheet: svcaudit and the
hand-written DuckDB query find the same figures from the CSV and the .xlsx (times are the
harness's own business, ``bench/README.md``)."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import REPO


def test_checklist_bench_agrees_with_the_hand_written_query() -> None:
    run = subprocess.run(
        [
            sys.executable,
            "bench/checklist.py",
            "--visits",
            "300",
            "--items",
            "60",
            "--branches",
            "8",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr + run.stdout
    agreed = [line for line in run.stdout.splitlines() if line.endswith("(same figures)")]
    assert [line.split()[1] for line in agreed] == ["csv", "xlsx"]
