"""``--format markdown``: GitHub-flavoured tables that render, whatever the branch names are.

A branch name comes from the log, so it can hold anything: a ``|`` must not split a table
cell, ``<script>`` must not become HTML, backticks must not open a code span. We parse the
tables the way a GFM renderer does (a backslash escapes the next character; an unescaped ``|``
separates cells), then undo the escaping and expect the original name back.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from tests.helpers import write
from tests.invoke import invoke
from tests.test_cli import Run

NASTY = "N|<script>alert(`x`)</script>\\"  # a pipe, a script tag, backticks, a backslash
PLAIN = "Plain"
MIDDLE = "Mid | dle"

# Three branches of 10 rows. hold <= 60 s: NASTY 2/10, MIDDLE 9/10, PLAIN 10/10 -> 21/30 = 70 %
# (target 90 %: breached; worst branch NASTY 20 %). c: true everywhere -> met.
SPLIT = {NASTY: 2, MIDDLE: 9, PLAIN: 10}

STANDARDS = """\
svcaudit: 1
name: Escapes | <b>bold</b>
consistency:
  min_interactions: 5
standards:
  - id: hold-60s
    title: Holds <i>short</i> | `quick`
    measure: hold
    at_most: 60s
    target: 90%
  - id: recorded
    title: Recorded
    check: c
"""


def csv_field(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def log() -> str:
    rows = ["id,branch,hold_seconds,c"]
    i = 0
    for branch, ok in SPLIT.items():
        for k in range(10):
            i += 1
            rows.append(f"{i},{csv_field(branch)},{10 if k < ok else 90},true")
    return "\n".join(rows) + "\n"


def cells(row: str) -> list[str]:
    """Split a GFM table row into cells: backslash escapes, unescaped pipes separate."""
    assert row.startswith("|") and row.endswith("|"), row
    out, cell, i = [], "", 1
    while i < len(row):
        ch = row[i]
        if ch == "\\" and i + 1 < len(row):
            cell += row[i : i + 2]
            i += 2
            continue
        if ch == "|":
            out.append(cell.strip())
            cell = ""
        else:
            cell += ch
        i += 1
    return out


def shown(cell: str) -> str:
    """What a renderer shows for a plain-text cell: backslash escapes and entities undone."""
    assert not re.search(r"(?<!\\)(?:\\\\)*`", cell), f"unescaped backtick in {cell!r}"
    text = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", cell)
    return html.unescape(text)


def tables(markdown: str) -> list[list[str]]:
    """The tables of a document: runs of consecutive lines starting with '|'."""
    found: list[list[str]] = []
    current: list[str] = []
    for line in [*markdown.splitlines(), ""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            found.append(current)
            current = []
    return found


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Run:
    d = tmp_path_factory.mktemp("markdown")
    write(d / "log.csv", log(), dedent=False)
    write(d / "std.yaml", STANDARDS, dedent=False)
    mp = pytest.MonkeyPatch()
    mp.chdir(d)
    try:
        return invoke("audit", "log.csv", "-s", "std.yaml", "--format", "markdown")
    finally:
        mp.undo()


def test_tables_render(report: Run) -> None:
    assert report.code == 1, report.stderr
    found = tables(report.stdout)
    assert len(found) == 2  # standards, and rate by branch
    for table in found:
        header, separator, *rows = table
        width = len(cells(header))
        assert width >= 2
        assert all(re.fullmatch(r":?-+:?", c) for c in cells(separator)), separator
        assert len(cells(separator)) == width
        assert rows, table
        for row in rows:
            assert len(cells(row)) == width, row


def test_standards_table(report: Run) -> None:
    standards, _ = tables(report.stdout)
    header, _, *rows = standards
    names = cells(header)
    assert names[0] == "Standard"
    assert len(rows) == 2
    row = dict(zip(names, cells(rows[0]), strict=True))
    assert row["Standard"] == "`hold-60s`"
    assert shown(row["Title"]).startswith("Holds <i>short</i> | `quick`")
    assert row["Rate"] == "70%" and row["Target"] == "90%" and row["n"] == "30"
    assert shown(row["Worst branch"]) == f"{NASTY} 20%"


def test_branch_table_has_every_branch_intact(report: Run) -> None:
    _, grid = tables(report.stdout)
    header, _, *rows = grid
    assert cells(header) == ["Branch", "`hold-60s`", "`recorded`"]
    assert sorted(shown(cells(r)[0]) for r in rows) == sorted(SPLIT)


def test_no_raw_html_or_unescaped_name_anywhere(report: Run) -> None:
    out = report.stdout
    assert "<script" not in out.lower()
    assert "<b>" not in out and "<i>" not in out
    assert NASTY not in out and MIDDLE not in out  # only escaped forms appear
    # The name appears escaped also in the consistency list (NASTY is far below the chain).
    bullets = [line for line in out.splitlines() if line.startswith("- ")]
    assert any(NASTY in shown(b) for b in bullets), bullets


def test_title_heading_is_escaped(report: Run) -> None:
    heading = report.stdout.splitlines()[0]
    assert heading.startswith("#")
    assert "Escapes | <b>bold</b>" in shown(heading)
    assert "<b>" not in heading


def test_markdown_report_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, report: Run) -> None:
    # The same document through --report markdown:PATH.
    write(tmp_path / "log.csv", log(), dedent=False)
    write(tmp_path / "std.yaml", STANDARDS, dedent=False)
    monkeypatch.chdir(tmp_path)
    run = invoke("audit", "log.csv", "-s", "std.yaml", "--report", "markdown:out.md", "-q")
    assert run.code == 1
    assert (tmp_path / "out.md").read_text(encoding="utf-8") == report.stdout
