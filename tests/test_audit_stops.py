"""An audit that stops with nothing to score still writes what explains why (issue 17)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.helpers import write
from tests.invoke import assert_one_error, invoke

RULES = """\
svcaudit: 1
name: Stops
branch: site
standards:
  - id: in-a
    title: In A
    check: site == "A"
"""


def test_rejects_are_written_when_every_row_is_rejected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Both data rows have three fields under a two-column header: both rejected, nothing to
    # evaluate, exit 2; the rejects file still lists both with their lines and reasons.
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "log.csv", "site,wait\nA,1,2\nB,3,4\n", dedent=False)
    write(tmp_path / "s.yaml", RULES)
    run = invoke("audit", "log.csv", "-s", "s.yaml", "--rejects", "rejects.csv")
    assert_one_error(run, "no interaction could be evaluated", "all 2 rows were rejected")
    with open(tmp_path / "rejects.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    reason = "wrong number of fields: expected 2, found 3"
    assert rows == [["file", "line", "reason"], ["log.csv", "2", reason], ["log.csv", "3", reason]]


def test_rejects_are_written_when_nothing_is_in_scope(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Line 3 is rejected; line 2 is evaluated but out of every standard's scope: exit 2, and
    # the rejects file has line 3.
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "log.csv", "site,wait\nB,1\nA,3,4\n", dedent=False)
    write(tmp_path / "s.yaml", RULES.replace("check:", 'when: site == "A"\n    check:'))
    run = invoke("audit", "log.csv", "-s", "s.yaml", "--rejects", "rejects.csv")
    assert_one_error(run, "no interactions in scope")
    with open(tmp_path / "rejects.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows == [
        ["file", "line", "reason"],
        ["log.csv", "3", "wrong number of fields: expected 2, found 3"],
    ]
