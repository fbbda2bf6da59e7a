"""The terminal scorecard: fits the width, says the verdict, and keeps its headers readable."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from svcaudit.consistency import Position
from svcaudit.report.table import BARS, TableFormatter, branch_strip
from svcaudit.score import BranchResult, Rate, Scorecard, StandardResult
from svcaudit.standards.model import Severity


def render(card: Scorecard, width: int) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, force_terminal=False)
    TableFormatter().render(card, console)
    return buffer.getvalue()


@pytest.mark.parametrize("width", [60, 80, 100, 120, 160])
def test_lines_fit_the_width(features_card: Scorecard, hotel_card: Scorecard, width: int) -> None:
    for card in (features_card, hotel_card):
        text = render(card, width)
        too_long = [line for line in text.splitlines() if len(line) > width]
        assert not too_long, "\n".join(too_long)


def test_verdict_and_row_accounting(features_card: Scorecard) -> None:
    text = render(features_card, 200)
    assert "Rows: 12 read = 12 evaluated + 0 rejected" in text
    verdict = [line for line in text.splitlines() if line.startswith("BREACH")]
    assert len(verdict) == 1
    assert "greet-60s, rating-4, callback-offered" in verdict[0]
    assert "email-1h" in verdict[0]  # the warning is named too
    assert "\x1b[" not in text


def test_hotel_demo_at_80_columns(hotel_card: Scorecard) -> None:
    text = render(hotel_card, 80)
    assert "30,000 read = 29,998 evaluated + 2 rejected" in text  # and 5 invalid values
    assert "Invalid values (5)" in text
    assert any(line.startswith("BREACH") for line in text.splitlines())
    for sid in ("greet-60s", "callback-offered", "luggage-10min", "email-24h"):
        assert sid in text
    assert "Gdańsk" in text
    # The first rejected rows are listed with their file.
    assert "hotel-chain.csv:" in text


def test_branch_column_header_is_not_folded(features_card: Scorecard) -> None:
    # Branches named "N" and "S" are short; the header "Branch" must still read as a word
    # (not one letter per line).
    text = render(features_card, 80)
    assert re.search(r"\bBranch\b", text), text


def test_pass_line_when_all_met(features_card: Scorecard) -> None:
    # Same standards with only the met ones: build a card that passes.
    met = tuple(s for s in features_card.standards if s.met)
    card = Scorecard(
        name=features_card.name,
        standards=met,
        rows=features_card.rows,
        rejects=(),
        branches=features_card.branches,
        logs=features_card.logs,
        standards_files=features_card.standards_files,
    )
    text = render(card, 100)
    verdict = [line for line in text.splitlines() if line.startswith("PASS")]
    assert len(verdict) == 1 and f"all {len(met)} standards met" in verdict[0]


def _branch(name: str, passed: int, n: int, pos: Position) -> BranchResult:
    rate = Rate(n, passed, n - passed, 0, n, passed / n, None, None)
    return BranchResult(name, rate, passed / n >= 0.9, position=pos)


def test_branch_strip_heights_and_order() -> None:
    # rates 50%, 75%, 100% against a 90% target: the scale runs from 50% (▁) to 100% (█),
    # so 75% is half way: 3.5 of 7 steps, rounded to 4 (▅); shown in the order given
    branches = (
        _branch("full", 20, 20, Position.WITHIN),
        _branch("half", 10, 20, Position.ALARM_LOW),
        _branch("mid", 15, 20, Position.ALERT_LOW),
    )
    chain = Rate(60, 45, 15, 0, 60, 0.75, None, None)
    s = StandardResult("x", "X", Severity.FAIL, 0.9, "≤ 1m", "f.yaml", 1, chain, False, branches)
    assert branch_strip(s, ["half", "mid", "full"]).plain == "▁▅█"
    assert branch_strip(s, ["full", "half"]).plain == "█▁"  # only branches it has, in order


def test_branch_strips_under_the_ids_at_80_columns(hotel_card: Scorecard) -> None:
    lines = render(hotel_card, 80).splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(" greet-60s "))
    strip = lines[at + 1].split()[0]
    assert len(strip) == len(hotel_card.branches) and set(strip) <= set(BARS)
    assert strip[0] == "▁"  # the worst branch first, and it is the lowest
    assert "Branch bars:" in "\n".join(lines)
    assert "Branch bars:" not in render(hotel_card, 100)  # the one-table grid reads there
