"""The demo inspection log tells the story examples/README.md says it does."""

from __future__ import annotations

import pytest

from svcaudit.audit import AuditRequest, run_audit
from svcaudit.consistency import Position
from svcaudit.score import Status
from tests.checklists.reference import reference_scores
from tests.helpers import REPO, standard

PACK = str(REPO / "standards" / "hospitality-inspection.yaml")


def test_the_planted_story_is_found() -> None:
    card = run_audit(
        AuditRequest(logs=[str(REPO / "examples/hotel-inspections.xlsx")], standards=[PACK])
    )
    (c,) = card.checklists
    expected = reference_scores()
    assert {b.branch: b.score for b in c.league.branches} == pytest.approx(expected)
    last = c.league.branches[-1]
    assert last.branch == "Zakopane Tatry" and last.position == Position.ALARM_LOW
    assert (last.critical_failed, last.visits) == (4, 24)
    assert [b.branch for b in c.league.branches if b.position.is_low] == ["Zakopane Tatry"]
    dining = [s for s, _ in c.league.sections].index("dining")
    worst = min(c.league.branches, key=lambda b: b.sections[dining] or 1.0)
    assert worst.branch == "Łódź Manufaktura"
    assert worst.sections[dining] < (c.league.chain.sections[dining] or 0) - 0.15
    key = standard(card, "chk-identity-before-key")
    assert key.status == Status.BREACHED and (key.counts.passed, key.counts.n) == (135, 140)
    assert [a.text for a in c.invalid_answers] == ["BELLOW", "MET?"]
    assert card.exit_code == 1


def test_csv_and_xlsx_copies_score_the_same() -> None:
    cards = [
        run_audit(
            AuditRequest(logs=[str(REPO / f"examples/hotel-inspections.{x}")], standards=[PACK])
        )
        for x in ("csv", "xlsx")
    ]
    a, b = (card.checklists[0] for card in cards)
    assert a.league.branches == b.league.branches
    assert [v.score for v in a.visits] == [v.score for v in b.visits]
    assert [s.counts for s in cards[0].standards] == [s.counts for s in cards[1].standards]
