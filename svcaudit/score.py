"""Turn raw counts into rates, Wilson intervals, targets met and a verdict. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import NamedTuple

import numpy as np

from svcaudit.baseline import Baseline
from svcaudit.compile import CompiledStandard
from svcaudit.compile.rules import limit_text
from svcaudit.consistency import (
    Dispersion,
    Limits,
    Position,
    dispersion,
    funnel_limits_many,
    homogeneity_p,
    position,
)
from svcaudit.counts import Counts
from svcaudit.distributions import wilson_many
from svcaudit.errors import ExitCode
from svcaudit.findings import Breaches, Distribution
from svcaudit.league import ChecklistResult, League
from svcaudit.runner import RawResult
from svcaudit.sources.readers import InvalidValue, Reject
from svcaudit.standards.model import Consistency, Missing, Overdispersion, Severity
from svcaudit.trend import StandardTrend, spc_failing, special_causes

NO_BRANCH = "(no branch)"


class FailOn(StrEnum):
    """Which breaches make the audit exit 1 (``--fail-on``)."""

    FAIL = "fail"
    WARN = "warn"
    NEVER = "never"
    SPECIAL_CAUSE = "special-cause"  # only a concern signal reaching the latest period


class Status(StrEnum):
    """A standard's outcome."""

    MET = "met"
    BREACHED = "breached"
    WARNING = "warning"  # breached, but the standard's severity is warn
    NO_DATA = "no data"


class Rate(NamedTuple):
    """Counts of one standard over some interactions, with the rate and its interval.

    (A named tuple: a guide of 800 standards over 200 branches makes 160,000 of them.)
    """

    in_scope: int
    passed: int
    failed: int
    unmeasured: int
    n: int  # the denominator of the rate
    rate: float | None
    ci_low: float | None
    ci_high: float | None
    tally: Counts | None = None  # every count of the registry (``svcaudit.counts``)

    def counted(self) -> Counts:
        """Every count of the registry (a rate made without them: its own three)."""
        if self.tally is not None:
            return self.tally
        return Counts(self.in_scope, self.passed, self.unmeasured)

    def count(self, name: str) -> int:
        """The count called ``name`` (``svcaudit.counts.NAMES``)."""
        return self.counted().get(name)


def rate_of(counts: Counts, missing: Missing) -> Rate:
    """Rate = passed / in scope (or / measured when ``missing: skip``), with a Wilson interval."""
    return rates_of([counts], missing)[0]


def rates_of(counts: Sequence[Counts], missing: Missing) -> list[Rate]:
    """``rate_of`` for many counts at once (one standard's branches): a column at a time in
    numpy, then one ``Rate`` per count (160,000 of them for 800 standards x 200 branches)."""
    if not counts:
        return []
    in_scope, passed, unmeasured = (list(c) for c in zip(*(c[:3] for c in counts), strict=True))
    n = np.asarray(in_scope, dtype=np.int64)
    if missing == Missing.SKIP:
        n = n - np.asarray(unmeasured, dtype=np.int64)
    hits = np.asarray(passed, dtype=np.int64)
    low, high = wilson_many(hits.astype(float), n.astype(float))
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = hits / n
    failed = (np.asarray(in_scope) - hits - np.asarray(unmeasured)).tolist()
    columns = [rate.tolist(), low.tolist(), high.tolist()]
    for i in np.flatnonzero(n <= 0).tolist():  # no denominator: no rate, no interval
        for column in columns:
            column[i] = None
    ns = np.maximum(n, 0).tolist()
    return list(map(Rate, in_scope, passed, failed, unmeasured, ns, *columns, counts))


class _ComparedRate:
    """A rate with its value in the baseline (``counts`` and ``previous_rate`` fields)."""

    counts: Rate
    previous_rate: float | None

    @property
    def change(self) -> float | None:
        """Rate now minus rate in the baseline (a fraction: -0.05 is 5 points down)."""
        if self.previous_rate is None or self.counts.rate is None:
            return None
        return self.counts.rate - self.previous_rate


@dataclass(frozen=True)
class BranchResult(_ComparedRate):
    """One standard in one branch, with its place in the chain's funnel plot."""

    branch: str
    counts: Rate
    met: bool | None
    position: Position = Position.TOO_FEW
    limits: Limits | None = None
    previous_rate: float | None = None  # from --baseline

    @property
    def judged(self) -> bool:
        """The branch has enough interactions (``min_interactions``) to be judged."""
        return self.position != Position.TOO_FEW


@dataclass(frozen=True)
class ConsistencyResult:
    """How consistently the branches deliver one standard."""

    settings: Consistency
    chain_rate: float | None
    judged: int  # branches with at least min_interactions
    spread: float | None  # best minus worst judged branch rate
    chi2_p: float | None  # chi-square test of homogeneity over judged branches
    dispersion: Dispersion
    widened: bool  # limits widened for over-dispersion

    @property
    def consistent(self) -> bool | None:
        """False when a judged branch is below the outer limit or the spread is too wide."""
        if self.judged < 2:
            return None
        return not self.alarm_low and not self.spread_exceeded

    @property
    def spread_exceeded(self) -> bool:
        """The best-minus-worst spread is over ``max_spread``."""
        top = self.settings.max_spread
        return top is not None and self.spread is not None and self.spread > top + 1e-12

    alarm_low: tuple[str, ...] = ()
    alert_low: tuple[str, ...] = ()
    high: tuple[str, ...] = ()


@dataclass(frozen=True)
class StandardResult(_ComparedRate):
    """One standard over the whole chain and per branch."""

    id: str
    title: str
    severity: Severity
    target: float
    limit: str  # human text: "≤ 60s", "≤ 3", "check"
    path: str
    line: int | None
    counts: Rate
    met: bool | None
    branches: tuple[BranchResult, ...]
    consistency: ConsistencyResult | None = None
    previous_rate: float | None = None  # from --baseline
    note: str | None = None  # why a standard has no data, when the export cannot have it

    @property
    def consistency_status(self) -> Status:
        """Met, breached (severity fail), warning (severity warn) or no data (< 2 branches)."""
        c = self.consistency
        if c is None or c.consistent is None:
            return Status.NO_DATA
        if c.consistent:
            return Status.MET
        return Status.BREACHED if c.settings.severity == Severity.FAIL else Status.WARNING

    @property
    def status(self) -> Status:
        """Met, breached (fail), warning (warn severity) or no data."""
        if self.met is None:
            return Status.NO_DATA
        if self.met:
            return Status.MET
        return Status.BREACHED if self.severity == Severity.FAIL else Status.WARNING

    @property
    def worst_branch(self) -> BranchResult | None:
        """The judged branch with the lowest rate (ties: the larger sample), or None.

        Only a branch with at least ``min_interactions`` is judged: one interaction of one
        (a ``(no branch)`` row, say) at 0 % is not the chain's worst branch.
        """
        rated = [b for b in self.branches if b.judged and b.counts.rate is not None]
        if not rated:
            return None
        return min(rated, key=lambda b: (b.counts.rate, -b.counts.in_scope, b.branch))


@dataclass(frozen=True)
class Regression:
    """A rate that fell by more than ``--fail-on-regression`` since the baseline."""

    standard: str
    branch: str | None  # None: the chain rate
    previous: float
    current: float


@dataclass(frozen=True)
class Rows:
    """Row accounting: read = evaluated + rejected + merged."""

    read: int
    evaluated: int
    rejected: int
    merged: int = 0  # earlier records of an interaction, merged into its latest one
    outside: int = 0  # interactions outside the audited period (--since/--until)
    duplicate: int = 0  # evaluated rows repeating an interaction id (kept; not in the sum)
    duplicate_ids: tuple[tuple[str, int], ...] = ()  # the most repeated ids and their rows
    invalid_values: int = 0  # values that could not be typed, in evaluated rows (not in the sum)


@dataclass(frozen=True)
class Scorecard:
    """The result of an audit: everything reports need, and the exit code."""

    name: str
    standards: tuple[StandardResult, ...]
    rows: Rows
    rejects: tuple[Reject, ...]
    branches: tuple[str, ...]
    logs: tuple[str, ...]
    standards_files: tuple[str, ...]
    fail_on: FailOn = FailOn.FAIL
    profile: str = "generic"
    baseline: str | None = None
    regression_limit: float | None = None  # --fail-on-regression, as a fraction
    # Filled only when a report needs them (HTML): the measure's distribution per standard
    # and the worst breaching interactions per standard.
    distributions: tuple[Distribution, ...] = ()
    worst: tuple[Breaches, ...] = ()
    redacted: tuple[str, ...] = ()  # columns whose values the reports show as tokens
    trends: tuple[StandardTrend, ...] = ()  # --period: rates by period, control charts
    #: the first invalid values (``rows.invalid_values`` in all), at their lines where known
    invalid_values: tuple[InvalidValue, ...] = ()
    checklists: tuple[ChecklistResult, ...] = ()  # items are in `standards` under their ids
    overall: League | None = None  # the branches' weighted score over standards with weight:

    @property
    def regressions(self) -> tuple[Regression, ...]:
        """Rates (chain, or judged branches) that fell by more than the regression limit."""
        limit = self.regression_limit
        if limit is None:
            return ()
        out = []
        for s in self.standards:
            if s.change is not None and s.change < -limit - 1e-12:
                out.append(Regression(s.id, None, s.previous_rate or 0.0, s.counts.rate or 0.0))
            for b in s.branches:
                judged = b.position != Position.TOO_FEW
                if judged and b.change is not None and b.change < -limit - 1e-12:
                    out.append(
                        Regression(s.id, b.branch, b.previous_rate or 0.0, b.counts.rate or 0.0)
                    )
        return tuple(out)

    def attention_order(self) -> list[str]:
        """Standard ids, those needing attention first (breached, warned, inconsistent),
        then the others, each group in file order."""
        calm = (Status.MET, Status.NO_DATA)

        def needs(s: StandardResult) -> bool:
            return s.status not in calm or s.consistency_status not in calm

        return [s.id for s in self.standards if needs(s)] + [
            s.id for s in self.standards if not needs(s)
        ]

    @property
    def breached(self) -> tuple[StandardResult, ...]:
        """Standards with severity fail that missed their target."""
        return tuple(s for s in self.standards if s.status == Status.BREACHED)

    @property
    def warnings(self) -> tuple[StandardResult, ...]:
        """Standards with severity warn that missed their target."""
        return tuple(s for s in self.standards if s.status == Status.WARNING)

    @property
    def inconsistent(self) -> tuple[StandardResult, ...]:
        """Standards whose branch consistency (severity fail) did not hold."""
        return tuple(s for s in self.standards if s.consistency_status == Status.BREACHED)

    @property
    def inconsistent_warnings(self) -> tuple[StandardResult, ...]:
        """Standards whose branch consistency (severity warn) did not hold."""
        return tuple(s for s in self.standards if s.consistency_status == Status.WARNING)

    @property
    def verdict(self) -> str:
        """``pass`` or ``breach`` (by the severity of standards, regardless of --fail-on)."""
        bad = self.breached or self.inconsistent or self.regressions
        return "breach" if bad or spc_failing(self.trends) else "pass"

    @property
    def exit_code(self) -> ExitCode:
        """0 when the audit passes under ``fail_on``, 1 when it does not."""
        if self.fail_on == FailOn.NEVER:
            return ExitCode.OK
        if self.fail_on == FailOn.SPECIAL_CAUSE:
            return ExitCode.BREACH if special_causes(self.trends) else ExitCode.OK
        if self.verdict == "breach":
            return ExitCode.BREACH
        warned = self.warnings or self.inconsistent_warnings or special_causes(self.trends)
        return ExitCode.BREACH if self.fail_on == FailOn.WARN and warned else ExitCode.OK


def score(
    name: str,
    compiled: Sequence[CompiledStandard],
    raw: RawResult,
    *,
    logs: Sequence[str],
    standards_files: Sequence[str],
    fail_on: FailOn = FailOn.FAIL,
) -> Scorecard:
    """Rates, intervals and verdicts for every standard and branch."""
    names = {b: NO_BRANCH if b is None else b for b in raw.branches}
    order = sorted(raw.branches, key=lambda b: (b is None, names[b]))
    results = []
    rows = [raw.branches[b] for b in order]
    for i, cs in enumerate(compiled):
        std = cs.rule.standard
        column = [row[i] for row in rows]
        total = Counts.combined(column)
        rates = zip((names[b] for b in order), rates_of(column, std.missing), strict=True)
        per_branch = [(name, r, _met(r, std.target)) for name, r in rates if r.in_scope]
        chain = rate_of(total, std.missing)
        branches, consistency = judge_consistency(per_branch, chain, cs.rule.consistency)
        results.append(
            StandardResult(
                id=std.id,
                title=std.title,
                severity=std.severity,
                target=std.target,
                limit=limit_text(cs),
                path=cs.rule.path,
                line=cs.rule.location().line,
                counts=chain,
                met=_met(chain, std.target),
                branches=branches,
                consistency=consistency,
                note=f"the export has no '{cs.unavailable}'" if cs.unavailable else None,
            )
        )
    return Scorecard(
        name=name,
        standards=tuple(results),
        rows=Rows(
            raw.rows_evaluated + raw.rows_rejected + raw.rows_merged + raw.rows_outside,
            raw.rows_evaluated,
            raw.rows_rejected,
            raw.rows_merged,
            raw.rows_outside,
            raw.rows_duplicate,
            raw.duplicate_ids,
            raw.invalid_count,
        ),
        rejects=raw.rejects,
        invalid_values=raw.invalid_values,
        branches=tuple(names[b] for b in order),
        logs=tuple(logs),
        standards_files=tuple(standards_files),
        fail_on=fail_on,
    )


def _met(rate: Rate, target: float) -> bool | None:
    if rate.rate is None:
        return None
    # passed / n >= target, compared without dividing so 19 of 20 meets 95% exactly.
    return rate.passed >= target * rate.n - 1e-9


def judge_consistency(
    branches: Sequence[tuple[str, Rate, bool | None]], chain: Rate, settings: Consistency
) -> tuple[tuple[BranchResult, ...], ConsistencyResult]:
    """Place each branch (name, rate, met) in the funnel around the chain rate; spread,
    chi-square, dispersion."""
    p0 = chain.rate
    judging = [r.rate is not None and r.n >= settings.min_interactions for _, r, _ in branches]
    judged = [r for (_, r, _), j in zip(branches, judging, strict=True) if j]
    counts = [(r.passed, r.n) for r in judged]
    disp = dispersion(p0, counts) if p0 is not None else Dispersion(1.0, 0.0, None, len(judged))
    method = settings.overdispersion
    widened = method != Overdispersion.NONE and (
        disp.phi > 1 if method == Overdispersion.MULTIPLICATIVE else disp.tau2 > 0
    )
    limits = (
        funnel_limits_many(
            [r.n for r in judged],
            p0,
            settings.limits,
            method=method if widened else Overdispersion.NONE,
            phi=disp.phi,
            tau2=disp.tau2,
        )
        if p0 is not None and judged
        else []
    )
    found = iter(limits)  # the judged branches' limits, in order
    placed = []
    for (name, r, met), j in zip(branches, judging, strict=True):
        if j and limits and r.rate is not None:
            lim = next(found)
            placed.append(BranchResult(name, r, met, position(r.rate, lim), lim))
        else:
            placed.append(BranchResult(name, r, met))  # too few to judge
    rates = [r.rate for r in judged if r.rate is not None]
    result = ConsistencyResult(
        settings=settings,
        chain_rate=p0,
        judged=len(judged),
        spread=(max(rates) - min(rates)) if len(rates) >= 2 else None,
        chi2_p=homogeneity_p(counts),
        dispersion=disp,
        widened=widened,
        alarm_low=tuple(b.branch for b in placed if b.position == Position.ALARM_LOW),
        alert_low=tuple(b.branch for b in placed if b.position == Position.ALERT_LOW),
        high=tuple(
            b.branch for b in placed if b.position in (Position.ALERT_HIGH, Position.ALARM_HIGH)
        ),
    )
    return tuple(placed), result


def with_baseline(card: Scorecard, baseline: Baseline, regression_limit: float | None) -> Scorecard:
    """The scorecard with each rate's previous value from ``baseline``."""
    standards = []
    for s in card.standards:
        branches = tuple(
            replace(b, previous_rate=baseline.branch_rates.get((s.id, b.branch)))
            for b in s.branches
        )
        standards.append(replace(s, branches=branches, previous_rate=baseline.rates.get(s.id)))
    return replace(
        card,
        standards=tuple(standards),
        baseline=baseline.path,
        regression_limit=regression_limit,
    )
