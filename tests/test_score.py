"""Scoring: rates, Wilson intervals, targets met, verdicts and exit codes (pure functions)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from scipy.stats import norm

from svcaudit.compile import CompiledStandard, LogicalResolver, compile_rules
from svcaudit.consistency import Position
from svcaudit.counts import Counts
from svcaudit.distributions import wilson
from svcaudit.errors import ExitCode
from svcaudit.report.summary import standard_message, worst_branches
from svcaudit.runner import RawResult
from svcaudit.score import FailOn, Scorecard, Status, rate_of, score
from svcaudit.standards.loader import load_standards
from svcaudit.standards.model import Missing
from tests.helpers import write


def textbook_wilson(successes: int, n: int) -> tuple[float, float]:
    """Wilson (1927) score interval at 95 %, written out from the formula."""
    z = norm.ppf(0.975)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


@pytest.mark.parametrize(
    ("successes", "n"), [(19, 20), (18, 20), (0, 10), (10, 10), (1, 3), (812, 1000), (1, 1)]
)
def test_wilson_matches_the_textbook_formula(successes: int, n: int) -> None:
    low, high = wilson(successes, n)
    exp_low, exp_high = textbook_wilson(successes, n)
    assert low == pytest.approx(max(0.0, exp_low), abs=1e-9)
    assert high == pytest.approx(min(1.0, exp_high), abs=1e-9)
    assert 0 <= low <= successes / n <= high <= 1


def test_rate_with_missing_fail_counts_unmeasured_against() -> None:
    # 10 in scope, 6 passed, 2 with no measure -> 2 failed; rate 6/10.
    r = rate_of(Counts(in_scope=10, passed=6, unmeasured=2), Missing.FAIL)
    assert (r.in_scope, r.passed, r.failed, r.unmeasured, r.n) == (10, 6, 2, 2, 10)
    assert r.rate == pytest.approx(0.6)
    assert (r.ci_low, r.ci_high) == pytest.approx(textbook_wilson(6, 10))


def test_rate_with_missing_skip_leaves_unmeasured_out() -> None:
    # Same counts; the denominator is the 8 measured: 6/8.
    r = rate_of(Counts(in_scope=10, passed=6, unmeasured=2), Missing.SKIP)
    assert (r.in_scope, r.passed, r.failed, r.unmeasured, r.n) == (10, 6, 2, 2, 8)
    assert r.rate == pytest.approx(0.75)
    assert (r.ci_low, r.ci_high) == pytest.approx(textbook_wilson(6, 8))


def test_rate_of_nothing_is_none() -> None:
    r = rate_of(Counts(0, 0, 0), Missing.FAIL)
    assert (r.rate, r.ci_low, r.ci_high, r.n) == (None, None, None, 0)
    r = rate_of(Counts(3, 0, 3), Missing.SKIP)  # all in scope, none measured
    assert r.rate is None and r.in_scope == 3 and r.unmeasured == 3


def rules(tmp_path: Path, *specs: tuple[str, str, str, str]) -> list[CompiledStandard]:
    """Compiled standards from (id, target, severity, missing) specs, all simple checks."""
    lines = ["svcaudit: 1", "name: Score", "standards:"]
    for sid, target, severity, missing in specs:
        lines += [
            f"  - id: {sid}",
            f"    title: {sid}",
            "    check: abandoned",
            f"    target: {target}",
            f"    severity: {severity}",
            f"    missing: {missing}",
        ]
    path = write(tmp_path / "score.yaml", "\n".join(lines) + "\n", dedent=False)
    return compile_rules(load_standards([path]), LogicalResolver())


def card_for(
    compiled: list[CompiledStandard],
    branches: dict[str | None, tuple[Counts, ...]],
    fail_on: FailOn = FailOn.FAIL,
) -> Scorecard:
    rows = {b: max(c.in_scope for c in counts) for b, counts in branches.items()}
    raw = RawResult(
        rows_evaluated=sum(rows.values()),
        rows_rejected=0,
        rejects=(),
        branches=branches,
    )
    return score(
        "Score", compiled, raw, logs=["log.csv"], standards_files=["s.yaml"], fail_on=fail_on
    )


@pytest.mark.parametrize(
    ("passed", "n", "target", "met"),
    [
        (19, 20, "95%", True),  # 19/20 = 95 % exactly: met
        (18, 20, "95%", False),  # 90 %
        (499, 500, "99.8%", True),  # 0.998 * 500 = 499.00000000000006 in floating point
        (498, 500, "99.8%", False),
        (29, 100, "29%", True),  # 0.29 * 100 = 28.999999999999996
        (57, 100, "57%", True),  # 0.57 * 100 = 56.99999999999999
        (56, 100, "57%", False),
        (20, 20, "100%", True),
        (19, 20, "100%", False),
        (7, 10, "0.7", True),
        (0, 10, "0%", True),
    ],
)
def test_target_met_exactly_at_the_boundary(
    tmp_path: Path, passed: int, n: int, target: str, met: bool
) -> None:
    compiled = rules(tmp_path, ("a", target, "fail", "fail"))
    card = card_for(compiled, {"X": (Counts(n, passed, 0),)})
    assert card.standards[0].met is met
    assert card.standards[0].branches[0].met is met


def test_no_data_means_met_is_none(tmp_path: Path) -> None:
    compiled = rules(tmp_path, ("a", "95%", "fail", "fail"), ("b", "95%", "fail", "skip"))
    card = card_for(compiled, {"X": (Counts(0, 0, 0), Counts(4, 0, 4))})
    a, b = card.standards
    assert a.met is None and a.counts.rate is None and a.status == Status.NO_DATA
    assert a.branches == ()  # a branch with nothing in scope is not listed
    # b: 4 in scope, none measured, missing: skip -> nothing to rate.
    assert b.met is None and b.status == Status.NO_DATA
    assert b.counts.unmeasured == 4
    assert card.exit_code == ExitCode.OK
    assert card.verdict == "pass"


def test_chain_and_branches(tmp_path: Path) -> None:
    compiled = rules(tmp_path, ("a", "80%", "fail", "fail"))
    card = card_for(compiled, {"B": (Counts(10, 5, 1),), "A": (Counts(10, 9, 0),)})
    s = card.standards[0]
    # Chain: 20 in scope, 14 passed, 1 unmeasured -> 5 failed; 14/20 = 70 % < 80 %.
    assert (s.counts.in_scope, s.counts.passed, s.counts.failed, s.counts.unmeasured) == (
        20,
        14,
        5,
        1,
    )
    assert s.counts.rate == pytest.approx(0.7)
    assert s.met is False and s.status == Status.BREACHED
    by_branch = {b.branch: (b.counts.rate, b.met) for b in s.branches}
    assert by_branch == {"A": (pytest.approx(0.9), True), "B": (pytest.approx(0.5), False)}
    # Both branches have 10 interactions, under the default min_interactions of 30: neither
    # is judged, so neither is named the worst.
    assert s.worst_branch is None
    assert card.branches == ("A", "B")


def test_worst_branch_is_among_judged_branches(tmp_path: Path) -> None:
    # (no branch) 0 of 1 is lowest but too small to judge (min_interactions 30); of the
    # judged branches A 40/50 = 80 % and B 30/40 = 75 %, B is the worst.
    compiled = rules(tmp_path, ("a", "90%", "fail", "fail"))
    card = card_for(
        compiled,
        {None: (Counts(1, 0, 0),), "A": (Counts(50, 40, 0),), "B": (Counts(40, 30, 0),)},
    )
    s = card.standards[0]
    assert s.worst_branch is not None and s.worst_branch.branch == "B"
    assert [b.branch for b in worst_branches(s)] == ["B", "A"]
    assert "(no branch)" not in standard_message(s)


def test_no_ticks_against_a_chain_no_branch_can_beat(tmp_path: Path) -> None:
    # Chain 19,990 of 20,000 = 99.95 %; X at 41 of 41 is the most likely result at n = 41
    # (0.9995^41 = 0.98), so it is within the funnel, not "better beyond chance".
    compiled = rules(tmp_path, ("a", "99%", "fail", "fail"))
    card = card_for(compiled, {"X": (Counts(41, 41, 0),), "Y": (Counts(19959, 19949, 0),)})
    x = {b.branch: b for b in card.standards[0].branches}["X"]
    assert x.position == Position.WITHIN
    assert x.limits is not None and x.limits.inner_high == 1.0
    assert card.standards[0].consistency is not None
    assert card.standards[0].consistency.high == ()


def test_rows_without_a_branch_are_kept(tmp_path: Path) -> None:
    compiled = rules(tmp_path, ("a", "50%", "fail", "fail"))
    card = card_for(compiled, {None: (Counts(2, 1, 0),), "A": (Counts(2, 2, 0),)})
    s = card.standards[0]
    assert s.counts.in_scope == 4 and s.counts.passed == 3
    assert len(s.branches) == 2  # the rows with no branch value are reported, not dropped
    assert card.rows.read == 4


MET = Counts(20, 20, 0)
MISSED = Counts(20, 10, 0)


@pytest.mark.parametrize(
    ("fail_counts", "warn_counts", "fail_on", "verdict", "code"),
    [
        (MET, MET, FailOn.FAIL, "pass", 0),
        (MET, MET, FailOn.WARN, "pass", 0),
        (MET, MET, FailOn.NEVER, "pass", 0),
        (MET, MISSED, FailOn.FAIL, "pass", 0),  # only a warning
        (MET, MISSED, FailOn.WARN, "pass", 1),  # --fail-on warn: warnings fail too
        (MET, MISSED, FailOn.NEVER, "pass", 0),
        (MISSED, MET, FailOn.FAIL, "breach", 1),
        (MISSED, MET, FailOn.WARN, "breach", 1),
        (MISSED, MET, FailOn.NEVER, "breach", 0),  # never: always 0 after an audit
        (MISSED, MISSED, FailOn.FAIL, "breach", 1),
        (MISSED, MISSED, FailOn.NEVER, "breach", 0),
        (Counts(0, 0, 0), MET, FailOn.FAIL, "pass", 0),  # no data is not a breach
    ],
)
def test_verdict_and_exit_code(
    tmp_path: Path,
    fail_counts: Counts,
    warn_counts: Counts,
    fail_on: FailOn,
    verdict: str,
    code: int,
) -> None:
    compiled = rules(tmp_path, ("hard", "95%", "fail", "fail"), ("soft", "95%", "warn", "fail"))
    card = card_for(compiled, {"X": (fail_counts, warn_counts)}, fail_on=fail_on)
    assert card.verdict == verdict
    assert int(card.exit_code) == code
    hard, soft = card.standards
    assert hard.status == (
        Status.NO_DATA
        if fail_counts.in_scope == 0
        else Status.MET
        if fail_counts == MET
        else Status.BREACHED
    )
    assert soft.status == (Status.MET if warn_counts == MET else Status.WARNING)


def test_exit_codes_are_the_documented_numbers() -> None:
    assert (ExitCode.OK, ExitCode.BREACH, ExitCode.BAD_INPUT, ExitCode.INTERNAL) == (0, 1, 2, 3)
    assert ExitCode.INTERRUPTED == 130
