"""--since/--until: interactions outside the audited period are counted, not evaluated."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from svcaudit.cli import app

runner = CliRunner()


def test_period_filters_by_arrival(tmp_path: Path) -> None:
    # Europe/Warsaw is UTC+1 in early March. Rows: 28 Feb 23:30 local (before), 1 Mar 00:30,
    # 2 Mar 23:59, 3 Mar 00:00 (after --until 2025-03-02, which includes all of 2 March),
    # and one without an arrival time (outside: it cannot be placed in the period).
    log = tmp_path / "log.csv"
    log.write_text(
        "id,branch,arrived_at,hold_seconds\n"
        "1,A,2025-02-28 23:30:00,10\n"
        "2,A,2025-03-01 00:30:00,10\n"
        "3,A,2025-03-02 23:59:00,90\n"
        "4,A,2025-03-03 00:00:00,10\n"
        "5,A,,10\n",
        encoding="utf-8",
    )
    std = tmp_path / "std.yaml"
    std.write_text(
        "svcaudit: 1\nname: P\ntime_zone: Europe/Warsaw\nstandards:\n"
        "  - id: hold-60s\n    title: t\n    measure: hold\n    at_most: 60s\n",
        encoding="utf-8",
    )
    args = ["audit", str(log), "-s", str(std), "-f", "json", "--since", "2025-03-01"]
    result = runner.invoke(app, [*args, "--until", "2025-03-02"])
    report = json.loads(result.stdout)
    assert report["rows"] == {"read": 5, "evaluated": 2, "rejected": 0, "merged": 0, "outside": 3}
    s = report["standards"][0]
    assert (s["passed"], s["in_scope"]) == (1, 2)  # rows 2 (10 s) and 3 (90 s)
    bad = runner.invoke(app, [*args, "--until", "next week"])
    assert bad.exit_code == 2 and "--until" in bad.stderr
