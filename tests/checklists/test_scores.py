"""Checklist scores against figures worked out by hand and by a plain-Python reference."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest

from svcaudit.audit import AuditRequest, run_audit
from svcaudit.consistency import Position
from svcaudit.errors import SvcauditError
from svcaudit.score import Scorecard, Status
from tests.helpers import standard, write

STANDARDS = """\
svcaudit: 1
name: Tiny inspection
branch: hotel
checklist:
  title: Tiny
  critical_fails_visit: true
  bands: {five: 90%, four: 80%}
  min_visits: 2
  sections:
    - id: arrival
      title: Arrival
      items:
        - {id: greeted, title: Greeted, column: A1, weight: 2}
        - {id: bags, title: Bags, column: A2}
    - id: room
      title: Room
      items:
        - {id: clean, title: Clean, column: R1, critical: true}
        - {id: minibar, title: Minibar, column: R2}
        - {id: turndown, title: Turn-down, column: R3}
"""
# v1 Alpha: greeted Y (w2), bags N, clean Y, minibar NA, turndown NA
# v2 Alpha: all met but turndown NA
# v3 Beta: greeted N (w2), bags N/A, clean N (critical), minibar Y, turndown NA
# v4 Beta: greeted Y, bags 'maybe' (invalid), clean Y, minibar blank, turndown NA
# v5 Beta: everything N/A
SHEET = """\
visit,hotel,A1,A2,R1,R2,R3
v1,Alpha,Y,N,Y,NA,NA
v2,Alpha,Yes,Y,Y,Y,n/a
v3,Beta,N,N/A,N,Y,NA
v4,Beta,Y,maybe,Y,,NA
v5,Beta,NA,NA,NA,NA,NA
"""


def _audit(tmp_path: Path, sheet: str = SHEET, standards: str = STANDARDS) -> Scorecard:
    log = write(tmp_path / "visits.csv", sheet)
    spec = write(tmp_path / "inspection.yaml", standards)
    return run_audit(AuditRequest(logs=[str(log)], standards=[str(spec)]))


def test_visit_scores_weights_critical_and_no_data(tmp_path: Path) -> None:
    card = _audit(tmp_path)
    (c,) = card.checklists
    scores = {v.visit: v.score for v in c.visits}
    # v1: met greeted (2) + clean (1) of assessed greeted, bags, clean = 3 / 4
    assert scores["v1"] == pytest.approx(3 / 4)
    assert scores["v2"] == pytest.approx(1.0)
    assert scores["v3"] == 0.0  # the critical item failed: critical_fails_visit
    assert scores["v4"] == pytest.approx(1.0)  # 3 of 3; the invalid answer is not assessed
    assert scores["v5"] is None  # nothing assessed: no data, not 0
    assert [v.critical_failed for v in c.visits] == [False, False, True, False, False]


def test_branch_means_sections_and_league(tmp_path: Path) -> None:
    (c,) = _audit(tmp_path).checklists
    league = c.league
    assert [b.branch for b in league.branches] == ["Alpha", "Beta"]
    alpha, beta = league.branches
    assert alpha.score == pytest.approx(0.875)  # (0.75 + 1) / 2
    assert beta.score == pytest.approx(0.5)  # (0 + 1) / 2; v5 has no score
    assert (alpha.visits, beta.visits) == (2, 3)
    assert (alpha.critical_failed, beta.critical_failed) == (0, 1)
    # t interval: mean ± t(0.975, 1) * sd / sqrt(2), t = 12.706; clipped to [0, 1]
    sd = math.sqrt(((0.75 - 0.875) ** 2 + (1 - 0.875) ** 2) / 1)
    half = 12.706204736 * sd / math.sqrt(2)
    assert alpha.ci_low == pytest.approx(max(0.0, 0.875 - half))
    assert alpha.ci_high == pytest.approx(min(1.0, 0.875 + half))
    assert alpha.rating == "four" and beta.rating is None
    # sections pooled over visits: Arrival Alpha (2 + 0 + 2 + 1) / (3 + 3) = 5/6
    assert alpha.sections[0] == pytest.approx(5 / 6)
    assert beta.sections[0] == pytest.approx(2 / 4)  # v3 0/2, v4 2/2 (bags invalid)
    assert beta.sections[1] == pytest.approx(2 / 3)  # v3 1/2, v4 1/1
    assert league.chain.score == pytest.approx((0.75 + 1 + 0 + 1) / 4)
    # Room (clean, minibar): v1 1/1, v2 2/2, v3 1/2, v4 1/1 (blank minibar not assessed)
    assert league.chain.sections[1] == pytest.approx((1 + 2 + 1 + 1) / (1 + 2 + 2 + 1))


def test_items_are_standards_with_na_out_of_the_denominator(tmp_path: Path) -> None:
    card = _audit(tmp_path)
    greeted = standard(card, "greeted")
    assert (greeted.counts.in_scope, greeted.counts.passed, greeted.counts.rate) == (4, 3, 0.75)
    bags = standard(card, "bags")  # v1 N, v2 Y, v4 invalid; N/A twice
    assert (bags.counts.in_scope, bags.counts.passed, bags.counts.n) == (3, 1, 2)
    assert bags.counts.count("invalid") == 1
    turndown = standard(card, "turndown")  # N/A on every visit
    assert turndown.counts.rate is None and turndown.status == Status.NO_DATA
    clean = standard(card, "clean")  # critical: severity fail, target 100%
    assert clean.status == Status.BREACHED and clean.limit == "critical item"
    assert standard(card, "minibar").status == Status.MET
    assert card.exit_code == 1


def test_invalid_answer_is_listed_with_its_cell(tmp_path: Path) -> None:
    (c,) = _audit(tmp_path).checklists
    assert c.invalid == 1
    (bad,) = c.invalid_answers
    assert bad.text == "maybe" and bad.item == "bags"
    assert bad.cell.endswith("visits.csv:5, column 4 (A2)")
    assert c.not_assessed == 1  # v4's blank minibar
    assert c.not_applicable == 2 + 1 + 2 + 1 + 5  # v1..v5: every N/A word, in all spellings


def test_long_layout_gives_the_same_scores(tmp_path: Path) -> None:
    wide = _audit(tmp_path).checklists[0]
    rows = ["visit,hotel,item,answer"]
    lines = SHEET.splitlines()
    header = lines[0].split(",")
    for line in lines[1:]:
        cells = line.split(",")
        pairs = zip(header[2:], cells[2:], strict=True)
        rows += [f"{cells[0]},{cells[1]},{h},{v}" for h, v in pairs]
    long = STANDARDS.replace("  title: Tiny\n", "  title: Tiny\n  layout: long\n")
    got = _audit(tmp_path / "long", "\n".join(rows) + "\n", long).checklists[0]
    assert [v.score for v in got.visits] == [v.score for v in wide.visits]
    assert got.invalid == 1 and "column 4 (answer)" in got.invalid_answers[0].cell


def test_excel_sheet_matches_csv(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    sheet = book.create_sheet("Visits")
    for line in SHEET.splitlines():
        sheet.append([None if v == "" else (True if v == "Yes" else v) for v in line.split(",")])
    path = tmp_path / "visits.xlsx"
    book.save(path)
    spec = write(
        tmp_path / "i.yaml",
        STANDARDS.replace("  title: Tiny\n", "  title: Tiny\n  sheet: Visits\n"),
    )
    card = run_audit(AuditRequest(logs=[str(path)], standards=[str(spec)]))
    (c,) = card.checklists
    assert [v.score for v in c.visits] == [v.score for v in _audit(tmp_path).checklists[0].visits]
    assert c.invalid_answers[0].cell.endswith(
        "visits.xlsx[Visits]!D5"
    )  # A2 is the 4th column, row 5


def test_answer_words_per_checklist_and_item(tmp_path: Path) -> None:
    spec = STANDARDS.replace(
        "  min_visits: 2\n", "  min_visits: 2\n  answers: {not_applicable: [skip]}\n"
    ).replace("column: A2}", "column: A2, answers: {met: [Y, maybe]}}")
    sheet = SHEET.replace("NA", "skip").replace("N/A", "skip").replace("n/a", "skip")
    c = _audit(tmp_path, sheet, spec).checklists[0]
    assert c.invalid == 0  # 'maybe' is a met answer for bags only; 'skip' is N/A
    scores = {v.visit: v.score for v in c.visits}
    assert scores["v4"] == pytest.approx(1.0) and scores["v5"] is None  # 4 of 4; all N/A
    assert scores["v1"] == pytest.approx(3 / 4)


def test_item_words_replace_the_defaults_of_their_kind(tmp_path: Path) -> None:
    spec = STANDARDS.replace("column: A2}", "column: A2, answers: {met: [maybe]}}")
    c = _audit(tmp_path, SHEET, spec).checklists[0]
    assert [a.text for a in c.invalid_answers] == ["Y"]  # v2's bags: Y is no longer a word


def test_missing_item_column_cannot_be_audited(tmp_path: Path) -> None:
    with pytest.raises(SvcauditError, match="no column 'R3'") as e:
        _audit(tmp_path, SHEET.replace(",R3", ",R9"))
    assert "inspection.yaml:20:" in (e.value.hint or "")  # the item's line (turndown)


def _reference(rows: list[dict[str, str]], items: list[tuple[str, float, bool]], fails: bool):
    """Plain Python: each visit's score, and each branch's mean visit score."""
    met_words, miss_words = {"y", "yes", "pass"}, {"n", "no", "fail"}
    by_branch: dict[str, list[float]] = {}
    for row in rows:
        num = den = 0.0
        crit = False
        for col, weight, critical in items:
            word = row[col].lower()
            if word in met_words:
                num, den = num + weight, den + weight
            elif word in miss_words:
                den += weight
                crit = crit or critical
        if den == 0:
            continue
        by_branch.setdefault(row["hotel"], []).append(0.0 if crit and fails else num / den)
    return {b: sum(v) / len(v) for b, v in by_branch.items()}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_branch_scores_match_a_plain_python_reference(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    items = [(f"Q{k}", rng.choice([1.0, 2.0, 0.5]), rng.random() < 0.2) for k in range(12)]
    words = ["Y", "yes", "N", "no", "NA", "", "Pass", "FAIL", "n/a"]
    rows = [
        {
            "visit": f"v{i}",
            "hotel": rng.choice("ABCD"),
            **{c: rng.choice(words) for c, _, _ in items},
        }
        for i in range(60)
    ]
    header = ["visit", "hotel", *(c for c, _, _ in items)]
    sheet = ",".join(header) + "\n" + "".join(",".join(r[h] for h in header) + "\n" for r in rows)
    lines = [
        f"        - {{id: q{k}, title: Q{k}, column: Q{k}, weight: {w}, "
        f"critical: {str(c).lower()}}}"
        for k, (_, w, c) in enumerate(items)
    ]
    spec = (
        "svcaudit: 1\nname: R\nbranch: hotel\nchecklist:\n  critical_fails_visit: true\n"
        "  sections:\n    - id: all\n      title: All\n      items:\n" + "\n".join(lines) + "\n"
    )
    league = _audit(tmp_path, sheet, spec).checklists[0].league
    expected = _reference(rows, items, True)
    assert {b.branch: b.score for b in league.branches} == pytest.approx(expected)
    judged = [b for b in league.branches if b.position != Position.TOO_FEW]
    assert judged  # 60 visits over 4 branches: each has at least min_visits


def test_excel_cells_are_named_where_the_sheet_starts(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    for r, line in enumerate(SHEET.splitlines(), start=3):  # the table starts at B3
        for c, value in enumerate(line.split(","), start=2):
            sheet.cell(row=r, column=c, value=value or None)
    book.save(tmp_path / "v.xlsx")
    spec = write(tmp_path / "i.yaml", STANDARDS)
    card = run_audit(AuditRequest(logs=[str(tmp_path / "v.xlsx")], standards=[str(spec)]))
    (c,) = card.checklists
    assert c.invalid_answers[0].cell.endswith("v.xlsx[Sheet]!E7")  # A2 in column E, row 3 + 4
    assert [v.line.rsplit(":", 1)[1] for v in c.visits] == ["4", "5", "6", "7", "8"]
