"""`svcaudit explain` and `audit --violations`: the interactions behind every failure."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from svcaudit.cli import app

runner = CliRunner()

# Greet waits (s): 1: 30, 2: 200, 3: none (missing), 4: 90, 5: 45 (phone: out of scope), 6: 75
LOG = """\
id,branch,channel,arrived_at,greeted_at
1,A,in-person,2025-03-01 10:00:00,2025-03-01 10:00:30
2,A,in-person,2025-03-01 11:00:00,2025-03-01 11:03:20
3,A,in-person,2025-03-01 12:00:00,
4,=HYPERLINK("x"),in-person,2025-03-01 13:00:00,2025-03-01 13:01:30
5,B,phone,2025-03-01 14:00:00,2025-03-01 14:00:45
6,B,in-person,2025-03-01 15:00:00,2025-03-01 15:01:15
"""
RULES = """\
svcaudit: 1
name: Greeting
fields:
  greet_wait: greeted_at - arrived_at
standards:
  - id: greet-60s
    title: Greeted within a minute
    when: channel == "in-person"
    measure: greet_wait
    at_most: 60s
"""


def files(tmp: Path) -> tuple[str, str]:
    (tmp / "log.csv").write_text(LOG, encoding="utf-8")
    (tmp / "std.yaml").write_text(RULES, encoding="utf-8")
    return str(tmp / "log.csv"), str(tmp / "std.yaml")


def test_explain_lists_breaches_worst_first_with_their_values(tmp_path: Path) -> None:
    log, std = files(tmp_path)
    result = runner.invoke(app, ["explain", "greet-60s", log, "-s", std], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.stderr
    lines = [line.split() for line in result.stdout.splitlines()[2:] if line.strip()]
    # failing: 3 (no value, first), 2 (3m20s), 4 (1m30s), 6 (1m15s); 1 passes, 5 is out of scope
    assert [row[1] for row in lines] == ["3", "2", "4", "6"]
    assert lines[1][2] == "3m20s" and lines[2][2] == "1m30s" and lines[3][2] == "1m15s"
    assert lines[0][2:4] == ["no", "value"]
    # the values behind the measure are shown: the field resolves to its two timestamps
    header = result.stdout.splitlines()[1].split()
    assert header[:3] == ["branch", "interaction", "value"]
    assert {"channel", "greeted_at", "arrived_at"} <= set(header)


def test_explain_one_branch_and_unknown_standard(tmp_path: Path) -> None:
    log, std = files(tmp_path)
    result = runner.invoke(
        app, ["explain", "greet-60s", log, "-s", std, "--branch", "B"], env={"COLUMNS": "160"}
    )
    rows = [line.split() for line in result.stdout.splitlines()[2:] if line.strip()]
    assert [row[1] for row in rows] == ["6"]
    bad = runner.invoke(app, ["explain", "greet-6os", log, "-s", std])
    assert bad.exit_code == 2 and "did you mean 'greet-60s'" in bad.stderr


def test_violations_csv_matches_the_counts_and_is_spreadsheet_safe(tmp_path: Path) -> None:
    log, std = files(tmp_path)
    out = tmp_path / "violations.csv"
    result = runner.invoke(app, ["audit", log, "-s", std, "-f", "json", "--violations", str(out)])
    report = json.loads(result.stdout)
    s = report["standards"][0]
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == s["failed"] + s["unmeasured"] == 4
    assert {r["interaction"] for r in rows} == {"2", "3", "4", "6"}
    by_id = {r["interaction"]: r for r in rows}
    assert by_id["2"]["value"] == "3m20s" and by_id["2"]["value_ms"] == "200000"
    assert by_id["4"]["branch"] == '\'=HYPERLINK("x")'  # neutralised, not a formula
    assert by_id["2"]["limit"] == "≤ 1m"
