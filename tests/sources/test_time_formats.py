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


def test_day_first_timestamps_are_detected_and_bad_values_invalid(tmp_path: Path) -> None:
    # 31/03 can only be day-first. Waits: 4 min (pass), 30 min (fail); row 3's "not yet" is
    # an invalid value: missing for that row (unmeasured, counted as invalid), not a reject.
    log = (
        "id,branch,created,called\n"
        "1,A,31/03/2025 10:00,31/03/2025 10:04\n"
        "2,A,01/04/2025 09:00,01/04/2025 09:30\n"
        "3,B,15/04/2025 11:00,not yet\n"
    )
    code, out, _ = run(tmp_path, log)
    report = json.loads(out)
    std = report["standards"][0]
    assert (std["passed"], std["in_scope"], std["unmeasured"], std["invalid"]) == (1, 3, 1, 1)
    assert report["rows"] == {"read": 3, "evaluated": 3, "rejected": 0, "merged": 0, "outside": 0}
    assert report["rejects"] == []
    assert report["invalid_values"] == {
        "count": 1,
        "values": [
            {
                "file": str(tmp_path / "visits.csv"),
                "line": 4,
                "column": "called",
                "value": "not yet",
                "rows": 1,
                "reason": 'column "called": cannot read "not yet" as a timestamp',
            }
        ],
    }
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


def test_us_twelve_hour_timestamps_with_seconds_are_read(tmp_path: Path) -> None:
    # US open data (Socrata): MM/DD/YYYY hh:mm:ss AM. DuckDB's CSV sniffer types these as
    # timestamps with a format the relation did not use, so every row was rejected. Waits:
    # 02:27:57 PM -> 02:31:57 PM is 4 min (pass); 11:59:08 PM -> 12:09:08 AM next day is
    # 10 min (fail); 12:00:00 PM is noon, 12:03:00 PM 3 min later (pass).
    log = (
        "id,branch,created,called\n"
        "1,A,03/01/2011 02:27:57 PM,03/01/2011 02:31:57 PM\n"
        "2,A,12/25/2013 11:59:08 PM,12/26/2013 12:09:08 AM\n"
        "3,B,06/30/2014 12:00:00 PM,06/30/2014 12:03:00 PM\n"
    )
    code, out, err = run(tmp_path, log)
    assert code == 1, err
    report = json.loads(out)
    std = report["standards"][0]
    assert (std["in_scope"], std["passed"], std["failed"]) == (3, 2, 1)
    assert report["rows"]["rejected"] == 0


def test_two_digit_years_are_read_as_posix_does_never_as_year_one(tmp_path: Path) -> None:
    # m/d/yy H:MM as spreadsheets re-save exports. 1/2/20 is 2 January 2020, not the year 1
    # (0001-02-20, which DuckDB's cast makes of it); 12/31/99 23:58 -> 1/1/00 0:01 crosses
    # into 2000 (3 min, pass); 2/14/20 (a day above 12) says month-first. Waits: 4 min
    # (pass), 3 min (pass), 10 min (fail).
    log = (
        "id,branch,created,called\n"
        "1,A,1/2/20 8:43,1/2/20 8:47\n"
        "2,A,12/31/99 23:58,1/1/00 0:01\n"
        "3,B,2/14/20 12:46,2/14/20 12:56\n"
    )
    code, out, err = run(tmp_path, log)
    assert code == 1, err
    report = json.loads(out)
    std = report["standards"][0]
    assert (std["in_scope"], std["passed"], std["failed"], std["unmeasured"]) == (3, 2, 1, 0)
    log_path, rules = str(tmp_path / "visits.csv"), str(tmp_path / "rules.yaml")
    explained = runner.invoke(app, ["explain", "called-5m", log_path, "-s", rules])
    assert "2020-02-14 12:46:00" in explained.stdout and "0001" not in explained.stdout


def test_two_digit_years_that_read_both_ways_are_refused_with_both_formats(
    tmp_path: Path,
) -> None:
    # every day is 12 or less: 1/2/20 may be 2 January or 1 February. Refused with the fix.
    log = "id,branch,created,called\n1,A,1/2/20 8:43,1/2/20 8:47\n2,A,2/1/20 9:00,2/1/20 9:02\n"
    code, _, err = run(tmp_path, log)
    assert code == 2
    assert "day-first and month-first" in err
    # the first column the measure reads, with both the formats that read it
    assert 'parse_time(called, "%m/%d/%y %H:%M")' in err
    assert 'parse_time(called, "%d/%m/%y %H:%M")' in err
    # saying which reads it: both waits are within 5 minutes (4 and 2 min)
    columns = (
        "columns:\n"
        '  created_at: parse_time(created, "%m/%d/%y %H:%M")\n'
        '  called_at: parse_time(called, "%m/%d/%y %H:%M")\n'
    )
    code, out, err = run(tmp_path, log, columns=columns, measure="called_at - created_at")
    assert code == 0, err
    std = json.loads(out)["standards"][0]
    assert (std["in_scope"], std["passed"]) == (2, 2)
