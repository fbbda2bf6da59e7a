"""Checklists and weighted standards in every report, through the CLI, and their errors."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from svcaudit.consistency import Position
from tests.checklists.test_scores import SHEET, STANDARDS
from tests.helpers import REPO, audit, write
from tests.invoke import assert_one_error, invoke


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "visits.csv", SHEET)
    write(tmp_path / "inspection.yaml", STANDARDS)
    return "visits.csv", "inspection.yaml"


def test_json_has_checklists_with_items_sections_visits_and_league(files: tuple[str, str]) -> None:
    run = invoke("audit", files[0], "-s", files[1], "-f", "json")
    assert run.code == 1  # the critical item 'clean' failed on v3
    doc = json.loads(run.stdout)
    (c,) = doc["checklists"]
    assert [i["id"] for i in c["items"]] == ["greeted", "bags", "clean", "minibar", "turndown"]
    assert c["items"][0] == {
        "id": "greeted",
        "section": "arrival",
        "weight": 2.0,
        "critical": False,
        "column": "A1",
    }
    assert [v["score"] for v in c["visits"]] == [0.75, 1.0, 0.0, 1.0, None]
    assert c["visits"][2]["critical_failed"] is True
    assert c["answers"]["invalid"] == 1 and c["answers"]["invalid_cells"][0]["text"] == "maybe"
    league = c["league"]
    assert [b["branch"] for b in league["branches"]] == ["Alpha", "Beta"]
    assert league["branches"][0]["score"] == 0.875 and league["branches"][0]["rating"] == "four"
    assert league["branches"][1]["critical_failed"] == 1
    assert league["bands"] == [{"name": "five", "from": 0.9}, {"name": "four", "from": 0.8}]
    ids = {s["id"] for s in doc["standards"]}  # every item's figures, as a standard's
    assert ids == {"greeted", "bags", "clean", "minibar", "turndown"}


def test_junit_one_case_per_item_and_the_critical_item_fails(files: tuple[str, str]) -> None:
    run = invoke("audit", files[0], "-s", files[1], "-f", "junit")
    root = ET.fromstring(run.stdout)
    cases = [c for c in root.iter("testcase") if not c.get("classname", "").endswith("consistency")]
    assert len(cases) == 5
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert failed == ["clean: Clean"]  # severity fail by default for critical items
    warned = {c.get("name") for c in cases if c.find("skipped") is not None}
    assert "greeted: Greeted" in warned  # non-critical items warn


def test_table_and_markdown_show_the_league_and_section_grid(files: tuple[str, str]) -> None:
    table = invoke("audit", files[0], "-s", files[1]).stdout
    assert "League of branches · Tiny" in table and "Section score by branch" in table
    assert "87.5%" in table and "1 (33.3%)" in table  # Alpha's mean; Beta's critical fails
    assert "visits.csv:5, column 4 (A2): 'maybe' (bags)" in table
    markdown = invoke("audit", files[0], "-s", files[1], "-f", "markdown").stdout
    assert "| 1 | Alpha | 87.5% |" in markdown and "| Arrival | 83.3% | 50% | 70% |" in markdown


def test_html_has_the_league_table_and_its_charts(files: tuple[str, str], tmp_path: Path) -> None:
    run = invoke("audit", files[0], "-s", files[1], "-o", "report.html")
    assert run.code == 1
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert 'id="league-table-checklist"' in page and 'id="section-grid-checklist"' in page
    assert 'id="league-checklist"' in page and 'id="sections-checklist"' in page  # the figures
    assert 'data-branch="Beta"' in page


def test_init_from_checklist_writes_a_file_that_audits(
    files: tuple[str, str], tmp_path: Path
) -> None:
    header = "Visit ID,Hotel,Inspector,ARR_01,ARR_02,Room: bed made,Room: clean\n"
    write(tmp_path / "sheet.csv", header + "1,A,X,MEET,BELOW,MEET,odd\n2,B,Y,MEET,N/A,BELOW,MEET\n")
    run = invoke("init", "new.yaml", "--from-checklist", "sheet.csv")
    assert run.code == 0, run.stderr
    text = (tmp_path / "new.yaml").read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=./svcaudit.schema.json")
    assert "branch: Hotel" in text and "visit: Visit ID" in text and "visitor: Inspector" in text
    assert "- id: arr\n" in text and "- id: room\n" in text  # sections from prefixes
    assert "column: ARR_01" in text and 'column: "Room: bed made"' in text
    assert "odd (1)" in text  # the word the defaults do not read
    assert (
        invoke("validate", "new.yaml").stdout.strip().endswith("(0 standards, 4 checklist items)")
    )
    done = invoke("audit", "sheet.csv", "-s", "new.yaml", "-f", "json")
    assert json.loads(done.stdout)["checklists"][0]["answers"]["invalid"] == 1


def test_missing_column_is_one_error_and_exit_2(files: tuple[str, str], tmp_path: Path) -> None:
    write(tmp_path / "visits.csv", SHEET.replace(",R3", ",R9"))
    assert_one_error(invoke("audit", files[0], "-s", files[1]), "no column 'R3'", "turndown")


def test_standards_errors_in_a_checklist_are_located(
    files: tuple[str, str], tmp_path: Path
) -> None:
    write(tmp_path / "inspection.yaml", STANDARDS.replace("weight: 2}", "weight: 0}"))
    line = assert_one_error(invoke("validate", files[1]), "inspection.yaml:13:")
    assert "weight" in line


def test_unknown_sheet_name(files: tuple[str, str], tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.title = "Visits"
    book.save(tmp_path / "v.xlsx")
    write(
        tmp_path / "i.yaml", STANDARDS.replace("  title: Tiny\n", "  title: Tiny\n  sheet: Visit\n")
    )
    assert_one_error(invoke("audit", "v.xlsx", "-s", "i.yaml"), "no sheet 'Visit'", "Visits")


WEIGHTED = """\
svcaudit: 1
name: Weighted
consistency: {min_interactions: 5}
standards:
  - {id: s1, title: One, check: ok1, weight: 2}
  - {id: s2, title: Two, check: ok2, weight: 1}
  - {id: s3, title: Unweighted, check: ok1}
"""


def test_weighted_standards_league_by_hand(tmp_path: Path) -> None:
    rows = ["id,branch,ok1,ok2"]
    # A: s1 8 of 10, s2 5 of 10; B: s1 10 of 10, s2 9 of 10
    rows += [f"a{i},A,{str(i < 8).lower()},{str(i < 5).lower()}" for i in range(10)]
    rows += [f"b{i},B,true,{str(i < 9).lower()}" for i in range(10)]
    log = write(tmp_path / "log.csv", "\n".join(rows) + "\n")
    card = audit([log], [write(tmp_path / "w.yaml", WEIGHTED)])
    league = card.overall
    assert league is not None
    a = next(b for b in league.branches if b.branch == "A")
    b = next(b for b in league.branches if b.branch == "B")
    assert [x.branch for x in league.branches] == ["B", "A"]
    assert a.score == pytest.approx((2 * 0.8 + 0.5) / 3)
    assert b.score == pytest.approx((2 * 1.0 + 0.9) / 3)
    se = math.sqrt(4 * 0.8 * 0.2 / 10 + 0.5 * 0.5 / 10) / 3
    assert a.ci_low == pytest.approx(0.7 - 1.96 * se) and a.ci_high == pytest.approx(
        0.7 + 1.96 * se
    )
    assert league.chain.score == pytest.approx((2 * 0.9 + 0.7) / 3)
    # A against the chain: null se from the chain's rates at A's n = 10
    null = math.sqrt(4 * 0.9 * 0.1 / 10 + 0.7 * 0.3 / 10) / 3
    z = (league.chain.score - a.score) / null  # 1.08: within the 95% limit (1.96)
    assert z < 1.96 and a.position == Position.WITHIN
    assert card.checklists == ()


def test_redacted_visitors_and_branches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    sheet = SHEET.replace("visit,hotel,", "visit,inspector,hotel,")
    sheet = (
        "\n".join(
            line if k == 0 else line.replace(",", f",Inspector {k % 2},", 1)
            for k, line in enumerate(sheet.splitlines())
        )
        + "\n"
    )
    write(tmp_path / "visits.csv", sheet)
    write(
        tmp_path / "i.yaml",
        STANDARDS.replace("  title: Tiny\n", "  title: Tiny\n  visitor: inspector\n"),
    )
    run = invoke(
        "audit",
        "visits.csv",
        "-s",
        "i.yaml",
        "-f",
        "json",
        "--redact",
        "inspector",
        "--redact",
        "hotel",
    )
    doc = json.loads(run.stdout)
    assert "Inspector" not in run.stdout and "Alpha" not in run.stdout
    (c,) = doc["checklists"]
    visitors = [v["visitor"] for v in c["visits"]]
    assert all(v.startswith("anon-") for v in visitors) and len(set(visitors)) == 2
    league = {b["branch"] for b in c["league"]["branches"]}
    items = {b["branch"] for s in doc["standards"] for b in s["branches"]}
    assert league == items and all(b.startswith("anon-") for b in league)  # one token each


def test_repeated_visit_ids_are_reported(files: tuple[str, str], tmp_path: Path) -> None:
    write(tmp_path / "visits.csv", SHEET.replace("v2,", "v1,"))
    doc = json.loads(invoke("audit", files[0], "-s", files[1], "-f", "json").stdout)
    assert doc["checklists"][0]["answers"]["repeated_visits"] == [{"visit": "v1", "rows": 2}]
    assert len(doc["checklists"][0]["visits"]) == 5  # kept, each row a visit
    table = invoke("audit", files[0], "-s", files[1]).stdout
    assert "1 visit id(s) on more than one row" in table


def test_an_output_never_replaces_the_checklist_sheet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    before = (REPO / "examples/hotel-inspections.csv").read_bytes()
    run = invoke(
        "audit",
        "examples/hotel-chain.csv",
        "-s",
        "standards/hospitality-five-star.yaml",
        "-s",
        "standards/hospitality-inspection.yaml",
        "--checklist",
        "examples/hotel-inspections.csv",
        "-o",
        "examples/hotel-inspections.csv",
    )
    assert_one_error(run, "--output", "hotel-inspections.csv")
    assert (REPO / "examples/hotel-inspections.csv").read_bytes() == before


def test_timed_standards_and_a_checklist_in_one_scorecard(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    args = ["audit", "examples/hotel-chain.csv", "-s", "standards/hospitality-five-star.yaml"]
    both = [*args, "-s", "standards/hospitality-inspection.yaml"]
    doc = json.loads(
        invoke(*both, "--checklist", "examples/hotel-inspections.xlsx", "-f", "json").stdout
    )
    assert len(doc["standards"]) == 7 + 79 and doc["rows"]["read"] == 30000  # the log's rows
    assert doc["checklists"][0]["league"]["branches"][-1]["branch"] == "Zakopane Tatry"
    assert_one_error(invoke(*both), "no sheet was given", "--checklist")
    assert_one_error(invoke(*args, "--checklist", "x.csv"), "no standards file has a `checklist:`")
