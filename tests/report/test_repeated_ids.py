"""Rows that repeat an interaction id (an event log read without a fold) are warned about on
the scorecard's first lines and in every CI output, not only in the row line."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.helpers import write
from tests.invoke import invoke
from tests.test_fold import EVENTS, STANDARDS

# 7 rows of 3 incidents: INC1 and INC2 have 3 rows each, so 4 rows repeat an id
WARNING = "4 of 7 evaluated rows repeat an interaction id (e.g. INC1 (3 rows), INC2 (3 rows))"


def _run(tmp_path: Path, fmt: str, fold: str = "") -> str:
    log = write(tmp_path / "events.csv", EVENTS)
    standards = write(tmp_path / "s.yaml", STANDARDS.replace("{fold}", fold))
    run = invoke("audit", str(log), "-s", str(standards), "-f", fmt)
    assert run.code in (0, 1), run.stderr
    return run.stdout


@pytest.fixture(autouse=True)
def _here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_table_warns_on_its_first_lines(tmp_path: Path) -> None:
    lines = _run(tmp_path, "table").splitlines()
    first = " ".join(lines[:8])
    assert "⚠ " + WARNING[:40] in first
    assert "--fold ID:COLUMN" in " ".join(lines[:12])


def test_json_lists_the_warning(tmp_path: Path) -> None:
    report = json.loads(_run(tmp_path, "json"))
    assert report["duplicates"]["rows"] == 4
    (warning,) = report["warnings"]
    assert warning.startswith(WARNING)


def test_junit_has_it_as_system_err_and_a_property(tmp_path: Path) -> None:
    root = ET.fromstring(_run(tmp_path, "junit"))
    suite = root.find("testsuite")
    assert suite is not None
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["rows.repeating_an_id"] == "4"
    err = suite.find("system-err")
    assert err is not None and err.text is not None
    assert err.text.startswith("warning: " + WARNING)


def test_markdown_warns_before_the_tables(tmp_path: Path) -> None:
    text = _run(tmp_path, "markdown")
    quote = next(line for line in text.splitlines() if line.startswith("> ⚠️"))
    assert "4 of 7 evaluated rows repeat an interaction id" in quote
    assert text.index(quote) < text.index("| Standard |")


def test_github_annotates_it(tmp_path: Path) -> None:
    lines = _run(tmp_path, "github").splitlines()
    assert lines[0].startswith("::warning title=repeated interaction ids::" + WARNING)


@pytest.mark.parametrize("fmt", ["table", "json", "junit", "markdown", "github"])
def test_no_warning_once_folded(tmp_path: Path, fmt: str) -> None:
    out = _run(tmp_path, fmt, "fold: {key: number, latest_by: sys_mod_count}")
    assert "repeat an interaction id" not in out


# Ids that are null markers (?, N/A, blank) are missing ids, never repeats of each other, even
# though the quick upper bound reads the ids as written (markers and all): the exact count
# then decides. By hand: ?, ?, N/A, (blank) have no id; INC9 appears twice, so 1 row repeats.
MARKED = """\
    number,sys_mod_count,state,opened_at,resolved_at,group
    ?,0,New,2024-01-01 08:00:00,,A
    ?,0,New,2024-01-01 09:00:00,,A
    N/A,0,New,2024-01-01 10:00:00,,B
    ,0,New,2024-01-01 11:00:00,,B
    INC9,0,New,2024-01-02 09:00:00,,B
    INC9,1,Closed,2024-01-02 09:00:00,2024-01-02 10:00:00,B
    INC8,0,New,2024-01-05 00:00:00,,A
    """


@pytest.mark.parametrize(
    ("events", "repeating"), [(MARKED, 1), (MARKED.replace("INC9,1", "INC7,1"), 0)]
)
def test_null_marker_ids_are_not_repeats(tmp_path: Path, events: str, repeating: int) -> None:
    log = write(tmp_path / "events.csv", events)
    standards = write(tmp_path / "s.yaml", STANDARDS.replace("{fold}", ""))
    run = invoke("audit", str(log), "-s", str(standards), "-f", "json")
    assert run.code in (0, 1), run.stderr
    report = json.loads(run.stdout)
    assert (report.get("duplicates") or {}).get("rows", 0) == repeating
