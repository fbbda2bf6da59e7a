"""business_time(): opening hours between two instants, across DST, midnight and holidays.

Each case pins the exact business time of one interaction with two standards on it
(`at_most: X` and `at_least: X` both pass only when the value is exactly X). Expected values
are worked out by hand in the comments (Warsaw: CET +1, CEST +2 from 30 March and back on 26
October 2025; Lisbon: WET +0, WEST +1 from 30 March 2025).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlglot import exp
from typer.testing import CliRunner

from svcaudit.cli import app
from svcaudit.expressions.calendars import BusinessTime, CalendarSpec, business_time_sql
from svcaudit.expressions.dialect import DUCKDB

runner = CliRunner()

CALENDARS = """\
calendars:
  poland:
    time_zone: Europe/Warsaw
    hours: {mon-fri: "08:00-17:00"}
    holidays: [2025-05-01]
    branches: [Krakow]
  portugal:
    time_zone: Europe/Lisbon
    hours: {mon-fri: "09:00-18:00", sat: "10:00-12:00"}
    holidays: [2025-04-18]
    branches: [Lisbon]
"""

# id, branch, start, end, expected business time (of `reply`, or of `-reply` when backwards)
CASES = [
    # Fri 17:00 CET is closing time; Mon 31 Mar 11:00 CEST is 3 h after the 08:00 opening
    ("spring", "Krakow", "2025-03-28T16:00:00Z", "2025-03-31T09:00:00Z", "3h"),
    # Fri 24 Oct 16:00 CEST to 17:00 is 1 h; Mon 27 Oct 09:00 CET is 1 h after 08:00
    ("fall", "Krakow", "2025-10-24T14:00:00Z", "2025-10-27T08:00:00Z", "2h"),
    # 09:00 to 10:30 CEST, all within opening hours
    ("inside", "Krakow", "2025-03-31T07:00:00Z", "2025-03-31T08:30:00Z", "1h30m"),
    # 08:00 to 09:00 WEST: before opening
    ("before-open", "Lisbon", "2025-03-31T07:00:00Z", "2025-03-31T08:00:00Z", "0s"),
    # Thu 17 Apr 17:00-18:00 WEST (1 h), Fri 18 Apr a holiday, Sat 10:00-12:00 (2 h),
    # Sun closed, Mon 21 Apr 09:00-11:00 WEST (2 h): 5 h
    ("holiday", "Lisbon", "2025-04-17T16:00:00Z", "2025-04-21T10:00:00Z", "5h"),
    # Tue 22:00 CEST to Wed 09:00 CEST crosses midnight: only Wed 08:00-09:00 counts
    ("midnight", "Krakow", "2025-06-03T20:00:00Z", "2025-06-04T07:00:00Z", "1h"),
    # Wed 30 Apr 16:00-17:00 CEST (1 h), Thu 1 May a holiday, Fri 08:00-09:00 (1 h)
    ("may-day", "Krakow", "2025-04-30T14:00:00Z", "2025-05-02T07:00:00Z", "2h"),
    # end an hour before start, within opening hours: business_time is -1 h
    ("backwards", "Krakow", "2025-03-31T08:00:00Z", "2025-03-31T07:00:00Z", "1h"),
]


def write_case(tmp: Path) -> tuple[Path, Path]:
    log = tmp / "log.csv"
    rows = ["id,branch,created,replied"] + [f"{c[0]},{c[1]},{c[2]},{c[3]}" for c in CASES]
    rows.append("no-reply,Krakow,2025-03-31T07:00:00Z,")
    log.write_text("\n".join(rows) + "\n", encoding="utf-8")
    std = [
        "svcaudit: 1",
        "name: Business time",
        CALENDARS.rstrip(),
        "fields:",
        "  reply: business_time(created, replied)",
        "standards:",
    ]
    for cid, _branch, _start, _end, expected in CASES:
        measure = "-reply" if cid == "backwards" else "reply"
        for key in ("at_most", "at_least"):
            std += [
                f"  - id: {cid}-{key.replace('_', '-')}",
                "    title: t",
                f'    when: id == "{cid}"',
                f"    measure: {measure}",
                f"    {key}: {expected}",
            ]
    std += [
        "  - id: unanswered",
        "    title: t",
        '    when: id == "no-reply"',
        "    measure: reply",
        "    at_most: 1h",
        "    missing: fail",
    ]
    path = tmp / "std.yaml"
    path.write_text("\n".join(std) + "\n", encoding="utf-8")
    return log, path


def test_business_time_exact_values(tmp_path: Path) -> None:
    log, std = write_case(tmp_path)
    result = runner.invoke(
        app, ["audit", str(log), "-s", str(std), "-f", "json", "--fail-on", "never"]
    )
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    outcome = {s["id"]: (s["passed"], s["in_scope"]) for s in report["standards"]}
    for cid, *_ in CASES:
        assert outcome[f"{cid}-at-most"] == (1, 1), cid
        assert outcome[f"{cid}-at-least"] == (1, 1), cid
    no_reply = next(s for s in report["standards"] if s["id"] == "unanswered")
    assert (no_reply["in_scope"], no_reply["unmeasured"], no_reply["passed"]) == (1, 1, 0)


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ('{mon-fri: "17:00-08:00"}', "ends before it starts"),
        ('{someday: "08:00-17:00"}', "not a day"),
        ('{mon: "8-17"}', "not a time of day"),
    ],
)
def test_bad_calendars_are_located_errors(tmp_path: Path, hours: str, message: str) -> None:
    std = tmp_path / "std.yaml"
    std.write_text(
        "svcaudit: 1\nname: B\ncalendars:\n  office:\n"
        f"    hours: {hours}\nstandards:\n  - id: a\n    title: A\n    check: true\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["validate", str(std)])
    assert result.exit_code == 2
    assert f"{std}:5:" in result.stderr and message in result.stderr


def test_business_time_needs_a_known_calendar(tmp_path: Path) -> None:
    log, _ = write_case(tmp_path)
    for body, message in (
        ("", "needs a `calendars:` section"),
        (CALENDARS.replace("poland", "pl"), "cannot tell which calendar"),
    ):
        std = tmp_path / "s.yaml"
        measure = (
            'business_time(created, replied, "nowhere")'
            if body
            else "business_time(created, replied)"
        )
        std.write_text(
            f"svcaudit: 1\nname: B\n{body}standards:\n  - id: a\n    title: A\n"
            f"    measure: {measure}\n    at_most: 1h\n",
            encoding="utf-8",
        )
        result = runner.invoke(app, ["audit", str(log), "-s", str(std)])
        assert result.exit_code == 2
        assert message in result.stderr or "unknown calendar 'nowhere'" in result.stderr


def test_local_time_functions_use_the_branch_calendar_zone(tmp_path: Path) -> None:
    # 2025-03-31T08:30Z is 10:30 in Krakow (CEST, +2) and 09:30 in Lisbon (WEST, +1);
    # 2025-03-29T23:30Z is Sunday 00:30 in Krakow but still Saturday 23:30 in Lisbon.
    log = tmp_path / "log.csv"
    log.write_text(
        "id,branch,created\n"
        "k1,Krakow,2025-03-31T08:30:00Z\nl1,Lisbon,2025-03-31T08:30:00Z\n"
        "k2,Krakow,2025-03-29T23:30:00Z\nl2,Lisbon,2025-03-29T23:30:00Z\n",
        encoding="utf-8",
    )
    std = tmp_path / "std.yaml"
    std.write_text(
        "svcaudit: 1\nname: Zones\n" + CALENDARS + "standards:\n"
        '  - id: from-ten\n    title: t\n    when: id in ["k1", "l1"]\n'
        "    check: hour(created) >= 10\n"
        '  - id: weekend\n    title: t\n    when: id in ["k2", "l2"]\n'
        '    check: weekday(created) == 7 and date(created) == "2025-03-30"\n',
        encoding="utf-8",
    )
    result = runner.invoke(
        app, ["audit", str(log), "-s", str(std), "-f", "json", "--fail-on", "never"]
    )
    report = json.loads(result.stdout)
    by = {s["id"]: {b["branch"]: b["passed"] for b in s["branches"]} for s in report["standards"]}
    assert by["from-ten"] == {"Krakow": 1, "Lisbon": 0}
    assert by["weekend"] == {"Krakow": 1, "Lisbon": 0}


def test_business_time_is_a_node_each_dialect_renders() -> None:
    # the compiler makes a node holding the calendar itself; DuckDB's dialect renders it as
    # the correlated subquery, and no engine has to parse that SQL back
    cal = CalendarSpec("office", "Europe/Warsaw", ((1, 480, 1020),), (), ())
    node = business_time_sql(exp.column("a"), exp.column("b"), cal)
    assert isinstance(node, BusinessTime) and node.calendar is cal
    text = exp.select(node).sql(DUCKDB).upper()
    assert "GENERATE_SERIES" in text and "'EUROPE/WARSAW'" in text
    copied = node.copy()
    assert copied == node and hash(copied) == hash(node)  # shared conditions dedupe by value
    utc = CalendarSpec("x", "UTC", ((1, 0, 60),), (), ())
    other = business_time_sql(exp.column("a"), exp.column("b"), utc)
    assert other != node


OVERLAP_LOG = """\
id,branch,created,replied
a,Office,2025-03-03T10:00:00Z,2025-03-03T14:00:00Z
b,Office,2025-03-03T07:00:00Z,2025-03-03T15:00:00Z
"""


def overlap_case(tmp: Path) -> tuple[Path, Path]:
    """Monday 3 March 2025 (UTC) with hours "08:00-12:00, 10:00-14:00", one range overlapping
    the other: open 08:00-14:00. a: 10:00-14:00 is 4 h (not 2 h + 4 h = 6 h); b: 07:00-15:00
    is the 6 h the office is open (not 4 h + 4 h = 8 h)."""
    log = tmp / "overlap.csv"
    log.write_text(OVERLAP_LOG, encoding="utf-8")
    std = tmp / "overlap.yaml"
    lines = [
        "svcaudit: 1",
        "name: Overlap",
        "calendars:",
        "  office:",
        "    time_zone: UTC",
        '    hours: {mon: "08:00-12:00, 10:00-14:00", tue-fri: "08:00-14:00"}',
        "fields:",
        "  reply: business_time(created, replied)",
        "standards:",
    ]
    for cid, expected in (("a", "4h"), ("b", "6h")):
        for key in ("at_most", "at_least"):
            lines += [
                f"  - id: {cid}-{key.replace('_', '-')}",
                "    title: t",
                f'    when: id == "{cid}"',
                "    measure: reply",
                f"    {key}: {expected}",
            ]
    std.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return log, std


def test_overlapping_hours_in_a_day_are_merged(tmp_path: Path) -> None:
    log, std = overlap_case(tmp_path)
    result = runner.invoke(app, ["audit", str(log), "-s", str(std), "-f", "json"])
    assert result.exit_code == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert {s["id"]: s["passed"] for s in report["standards"]} == {
        "a-at-most": 1, "a-at-least": 1, "b-at-most": 1, "b-at-least": 1
    }  # fmt: skip


@pytest.mark.parametrize(
    ("hours", "line_column", "message"),
    [
        # Monday under mon-fri and again under mon: refused at the second entry's value
        ('\n      mon-fri: "08:00-17:00"\n      mon: "18:00-20:00"', "7:12",
         "mon is listed in 'mon-fri' and in 'mon'"),
        ('\n      mon,mon-tue: "08:00-17:00"', "6:20", "mon is listed twice in 'mon,mon-tue'"),
    ],
)  # fmt: skip
def test_a_day_listed_twice_is_refused_where_it_repeats(
    tmp_path: Path, hours: str, line_column: str, message: str
) -> None:
    std = tmp_path / "std.yaml"
    std.write_text(
        "svcaudit: 1\nname: B\ncalendars:\n  office:\n"
        f"    hours: {hours}\nstandards:\n  - id: a\n    title: A\n    check: abandoned\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["validate", str(std)])
    assert result.exit_code == 2
    assert f"{std}:{line_column}: {message}" in result.stderr, result.stderr
