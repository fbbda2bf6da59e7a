"""Errors that point to the right place and say the right thing (issue 18, group 6).

Each case is one hostile input through the CLI; locations and figures are worked out by hand.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.helpers import write
from tests.invoke import assert_one_error, invoke

CHECK = """\
svcaudit: 1
name: Checks
branch: site
standards:
  - id: in-a
    title: In A
    check: site == "A"
"""


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "c.yaml", CHECK)
    return tmp_path


def test_a_50_mb_line_is_reported_at_its_line(here: Path) -> None:
    # lines 1-2 are short, line 3 holds 50 MB (over the 32 MB limit)
    with open(here / "big.csv", "w", encoding="utf-8") as f:
        f.write("site,note\nA,short\nB," + "x" * 50_000_000 + "\nC,short\n")
    run = invoke("audit", "big.csv", "-s", "c.yaml")
    assert_one_error(run, "big.csv:3: a line is longer than 32 MB")


def test_a_bad_time_format_blames_the_standards_file(here: Path) -> None:
    write(here / "p.csv", "site,t\nA,hello\n")
    write(
        here / "p.yaml",
        'svcaudit: 1\nname: P\nbranch: site\nfields:\n  x: parse_time(t, "%Q%Q%")\n'
        "standards:\n  - id: a\n    title: A\n    measure: x - x\n    at_most: 1s\n",
    )
    # line 5 is `  x: parse_time(t, "%Q%Q%")`: the format's quote is column 20
    for args in (("audit", "p.csv", "-s", "p.yaml"), ("validate", "p.yaml")):
        run = invoke(*args)
        assert run.code == 2, run.stderr
        assert "p.yaml:5:20: the time format '%Q%Q%' cannot be read" in run.stderr, run.stderr
        assert "p.csv" not in run.stderr


def test_an_impossible_holiday_is_not_a_date(here: Path) -> None:
    write(
        here / "h.yaml",
        'svcaudit: 1\nname: B\ncalendars:\n  office:\n    hours: {mon-fri: "08:00-17:00"}\n'
        "    holidays: [2025-02-30]\nstandards:\n  - id: a\n    title: A\n    check: abandoned\n",
    )
    run = invoke("validate", "h.yaml")
    # `    holidays: [2025-02-30]`: the date starts at column 16
    assert_one_error(run, "h.yaml:6:16: '2025-02-30' is not a date")
    assert "too large" not in run.stderr


def test_a_nul_in_the_standards_file_is_located(here: Path) -> None:
    (here / "n.yaml").write_bytes(b"svcaudit: 1\nname: B\x00x\nstandards: []\n")
    run = invoke("validate", "n.yaml")
    assert run.code == 2
    assert "n.yaml:2:8: the standards file holds a NUL" in run.stderr, run.stderr


def test_a_fifo_with_data_is_named_a_fifo(here: Path) -> None:
    fifo = here / "pipe.csv"
    os.mkfifo(fifo)
    held = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)  # a writer with data waiting in the pipe
    try:
        os.write(held, b"site,wait\nA,1\n")
        run = invoke("audit", "pipe.csv", "-s", "c.yaml")
    finally:
        os.close(held)
    assert_one_error(run, "pipe.csv: is a named pipe (FIFO)", "standard input")
    assert "empty" not in run.stderr


def test_a_device_is_named_a_device(here: Path) -> None:
    run = invoke("audit", "/dev/urandom", "-s", "c.yaml")
    assert_one_error(run, "/dev/urandom: is a character device")
    assert "empty" not in run.stderr


def test_until_before_since_says_so(here: Path) -> None:
    write(here / "s.csv", "site,arrived_at\nA,2025-03-05T10:00:00Z\n")
    run = invoke("audit", "s.csv", "-s", "c.yaml", "--since", "2025-03-10", "--until", "2025-03-01")
    assert_one_error(run, "--until: --until 2025-03-01 is not after --since 2025-03-10")
    # a period that holds no row says that, not "a header but no rows"
    run = invoke("audit", "s.csv", "-s", "c.yaml", "--since", "2025-03-06")
    assert_one_error(run, "1 row(s) arrived outside --since/--until")


def test_a_huge_limit_blames_the_option(here: Path) -> None:
    write(here / "s.csv", "site,arrived_at\nB,2025-03-05T10:00:00Z\n")
    run = invoke("explain", "in-a", "s.csv", "-s", "c.yaml", "--limit", "99999999999999999999")
    assert run.code == 2
    assert "--limit" in run.stderr and "s.csv" not in run.stderr, run.stderr


EPOCH = """\
svcaudit: 1
name: Epochs
branch: site
standards:
  - id: answer-2m
    title: Answered within two minutes
    measure: answered_at - arrived_at
    at_most: 2m
"""


def test_an_out_of_range_epoch_rejects_its_row(here: Path) -> None:
    # 20,001 rows answered after 60 s (past the 20,000 rows type detection samples), then
    # 1e300 at line 20,003: that row is rejected with its line; the audit goes on.
    rows = ["id,site,arrived_at,answered_at"]
    rows += [f"{i},A,1740823200,1740823260" for i in range(20_001)]
    rows.append("x,A,1740823200,1e300")
    write(here / "e.csv", "\n".join(rows) + "\n", dedent=False)
    write(here / "e.yaml", EPOCH)
    run = invoke("audit", "e.csv", "-s", "e.yaml", "--format", "json", "--rejects", "r.csv")
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["rows"] == {**report["rows"], "read": 20_002, "rejected": 1}
    s = report["standards"][0]
    assert (s["in_scope"], s["passed"]) == (20_001, 20_001)
    listed = (here / "r.csv").read_text(encoding="utf-8")
    assert 'e.csv,20003,"column ""answered_at"": not a Unix time' in listed, listed


def test_a_deeply_nested_json_lines_record_does_not_stop_the_audit(here: Path) -> None:
    # line 3 nests 10,000 arrays (DuckDB's detection stops at 128): the audit goes on, and
    # that record, valid JSON, is read like the others: 6 records, waits 5 s, all within 10 s.
    rows = [json.dumps({"id": str(i), "site": "A", "wait": 5}) for i in range(5)]
    rows.insert(2, '{"id": "d", "site": "A", "wait": 5, "x": ' + "[" * 10_000 + "]" * 10_000 + "}")
    write(here / "deep.jsonl", "\n".join(rows) + "\n", dedent=False)
    write(
        here / "j.yaml",
        "svcaudit: 1\nname: J\nbranch: site\nstandards:\n  - id: a\n    title: A\n"
        "    measure: wait\n    unit: s\n    at_most: 10s\n",
    )
    run = invoke("audit", "deep.jsonl", "-s", "j.yaml", "--format", "json")
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    assert (report["rows"]["read"], report["rows"]["rejected"]) == (6, 0)
    assert report["standards"][0]["passed"] == 6


@pytest.mark.parametrize("columns", ["0", "", "wide", "5"])
def test_a_useless_columns_value_still_prints_a_scorecard(here: Path, columns: str) -> None:
    write(here / "s.csv", "site\nA\nA\n")
    run = invoke("audit", "s.csv", "-s", "c.yaml", env={"COLUMNS": columns})
    assert run.code == 0, run.stderr
    lines = run.stdout.splitlines()
    assert any("in-a" in line for line in lines), run.stdout  # the standard's row
    assert any("PASS" in line for line in lines)
    assert all(len(line) <= 80 for line in lines)  # 80 when unknown, at least 40
