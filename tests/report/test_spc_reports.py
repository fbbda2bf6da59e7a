"""The control charts' signals in every report format (--period), on the weekly log of
tests/test_periods_audit.py: branch A's latest week is 60 of 100 (beyond its lower limit
0.81 and the chain's 0.82686), branch B has 10 a week (too few to judge)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema
from typer.testing import CliRunner

from svcaudit.cli import app
from tests.report.test_junit import XSD
from tests.test_periods_audit import setup


def run(d: Path, fmt: str, *more: str, tail: tuple[int, int] = (90, 60), spc: str = "") -> str:
    setup(d, list(tail), spc=spc)
    r = CliRunner().invoke(
        app,
        [
            "audit",
            str(d / "log.csv"),
            "-s",
            str(d / "s.yaml"),
            "--period",
            "week",
            "--format",
            fmt,
            *more,
        ],
        env={"COLUMNS": "80"},
    )
    return r.stdout


def test_markdown_lists_the_signals(tmp_path: Path) -> None:
    out = run(tmp_path, "markdown")
    assert "### Control charts by week (signals in the latest week)" in out
    assert "- ⚠️ ok: concern 2025-W15: a point beyond the lower limit (beyond-limit)" in out
    assert "- ⚠️ A got worse from 2025-W15 on ok (beyond-limit, 1 week)" in out
    calm = run(tmp_path, "markdown", tail=(90, 90))
    assert "- no signal reaches the latest week of any standard" in calm


def test_github_annotates_the_standard(tmp_path: Path) -> None:
    out = run(tmp_path, "github", "--fail-on", "special-cause")
    assert (
        f"::error file={tmp_path / 's.yaml'},line=5,title=ok special cause::ok: concern "
        "2025-W15: a point beyond the lower limit (beyond-limit)" in out
    )
    assert "a concern signal in the latest week (ok)" in out.splitlines()[-1]


@pytest.mark.parametrize(
    ("fail_on", "spc", "outcome"),
    [
        ("fail", "", "skipped"),
        ("special-cause", "", "failure"),
        ("fail", "    spc: {severity: fail}\n", "failure"),
    ],
)
def test_junit_case_per_control_chart(tmp_path: Path, fail_on: str, spc: str, outcome: str) -> None:
    xml = run(tmp_path, "junit", "--fail-on", fail_on, spc=spc)
    xmlschema.XMLSchema(str(XSD)).validate(xml)
    cases = [
        c for c in ET.fromstring(xml).iter("testcase") if c.get("classname", "").endswith(".spc")
    ]
    assert [c.get("name") for c in cases] == ["ok control chart"]
    assert [c.tag for c in cases[0]] == [outcome]


def test_junit_chart_passes_without_a_concern(tmp_path: Path) -> None:
    xml = run(tmp_path, "junit", tail=(90, 100))  # an improvement: no failure
    case = next(
        c for c in ET.fromstring(xml).iter("testcase") if c.get("name") == "ok control chart"
    )
    assert list(case) == []


def period_line(out: str) -> str:
    """The standard's line in the period view (after the "By week" heading)."""
    lines = out.splitlines()
    start = next(i for i, x in enumerate(lines) if x.startswith("By week"))
    return next(x for x in lines[start:] if x.startswith("  ok "))


def test_terminal_period_line_at_80_and_120_columns(tmp_path: Path) -> None:
    narrow = run(tmp_path, "table")
    line = period_line(narrow)
    assert len(line) <= 80
    # 14 weeks: 13 spark characters, then the latest week's marker
    assert line.split()[1].endswith("!") and len(line.split()[1]) == 14
    assert "2025-W15 63.6%" in line  # 70 of 110
    assert "A got worse from 2025-W15 on ok (beyond-limit, 1 week)" in narrow
    assert "! beyond a limit, s shift, t trend, 2 two of three near a limit" in narrow
    setup(tmp_path, [90, 60])
    r = CliRunner().invoke(
        app,
        ["audit", str(tmp_path / "log.csv"), "-s", str(tmp_path / "s.yaml"), "--period", "week"],
        env={"COLUMNS": "140"},
    )
    wide = period_line(r.stdout)
    assert " 63.6! " in wide and " 90.9 " in wide  # the rates, the latest marked
    assert "(centre 90.9%, 82.7-99.1%)" in wide
