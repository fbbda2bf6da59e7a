"""Timestamps written the way spreadsheets write them (31/03/2025 10:00), and ambiguity."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from svcaudit.cli import app

runner = CliRunner()

RULES = """\
svcaudit: 1
name: Visits
time_zone: Europe/Warsaw
{columns}standards:
  - id: called-5m
    title: Called within five minutes
    measure: {measure}
    at_most: 5m
"""


def run(
    tmp: Path,
    log: str,
    *,
    suffix: str = "csv",
    columns: str = "",
    measure: str = "called - created",
) -> tuple[int, str, str]:
    path = tmp / f"visits.{suffix}"
    path.write_text(log, encoding="utf-8")
    std = tmp / "rules.yaml"
    std.write_text(RULES.format(columns=columns, measure=measure), encoding="utf-8")
    result = runner.invoke(app, ["audit", str(path), "-s", str(std), "-f", "json"])
    return result.exit_code, result.stdout, result.stderr


def test_day_first_timestamps_are_detected_and_bad_values_rejected(tmp_path: Path) -> None:
    # 31/03 can only be day-first. Waits: 4 min (pass), 30 min (fail); row 3 is rejected.
    log = (
        "id,branch,created,called\n"
        "1,A,31/03/2025 10:00,31/03/2025 10:04\n"
        "2,A,01/04/2025 09:00,01/04/2025 09:30\n"
        "3,B,15/04/2025 11:00,not yet\n"
    )
    code, out, _ = run(tmp_path, log)
    report = json.loads(out)
    std = report["standards"][0]
    assert (std["passed"], std["in_scope"]) == (1, 2)
    assert report["rows"] == {"read": 3, "evaluated": 2, "rejected": 1, "merged": 0, "outside": 0}
    assert report["rejects"] == [
        {
            "file": str(tmp_path / "visits.csv"),
            "line": 4,
            "reason": 'column "called": cannot read "not yet" as a timestamp',
        }
    ]
    assert code == 1


def test_ambiguous_dates_are_an_error_naming_the_column_and_a_sample(tmp_path: Path) -> None:
    log = "id,branch,created,called\n1,A,01/03/2025 10:00,01/03/2025 10:04\n"
    code, _, err = run(tmp_path, log)
    assert code == 2
    assert "column 'called' was read as text" in err
    assert "'01/03/2025 10:04'" in err and "day-first and month-first" in err
    assert "parse_time(called" in err


def test_parse_time_settles_the_ambiguity(tmp_path: Path) -> None:
    # Read day-first: 1 March, 10:00 -> 10:04 (4 min) and 2 April 09:00 -> 09:10 (10 min).
    log = (
        "id,branch,created,called\n"
        "1,A,01/03/2025 10:00,01/03/2025 10:04\n"
        "2,A,02/04/2025 09:00,02/04/2025 09:10\n"
    )
    columns = (
        "columns:\n"
        '  created_at: parse_time(created, "%d/%m/%Y %H:%M")\n'
        '  called_at: parse_time(called, "%d/%m/%Y %H:%M")\n'
    )
    code, out, _ = run(tmp_path, log, columns=columns, measure="called_at - created_at")
    std = json.loads(out)["standards"][0]
    assert (std["passed"], std["in_scope"]) == (1, 2)
    assert code == 1


def test_json_strings_in_a_local_format(tmp_path: Path) -> None:
    log = (
        '{"id": 1, "branch": "A", "created": "31.03.2025 10:00", "called": "31.03.2025 10:03"}\n'
        '{"id": 2, "branch": "A", "created": "30.03.2025 10:00", "called": "30.03.2025 10:09"}\n'
    )
    code, out, _ = run(tmp_path, log, suffix="jsonl")
    std = json.loads(out)["standards"][0]
    assert (std["passed"], std["in_scope"]) == (1, 2)
    assert code == 1
