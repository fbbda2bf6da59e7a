"""Turn raw counts into rates, Wilson intervals, targets met and a verdict. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from scipy.stats import binomtest

from svcaudit.compile import CompiledStandard
from svcaudit.engine import Counts, RawResult
from svcaudit.errors import ExitCode
from svcaudit.sources.readers import Reject
from svcaudit.standards.model import Missing, Severity
from svcaudit.units import format_duration

CONFIDENCE = 0.95
NO_BRANCH = "(no branch)"


class FailOn(StrEnum):
    """Which breaches make the audit exit 1 (``--fail-on``)."""

    FAIL = "fail"
    WARN = "warn"
    NEVER = "never"


class Status(StrEnum):
    """A standard's outcome."""

    MET = "met"
    BREACHED = "breached"
    WARNING = "warning"  # breached, but the standard's severity is warn
    NO_DATA = "no data"


@dataclass(frozen=True)
class Rate:
    """Counts of one standard over some interactions, with the rate and its interval."""

    in_scope: int
    passed: int
    failed: int
    unmeasured: int
    n: int  # the denominator of the rate
    rate: float | None
    ci_low: float | None
    ci_high: float | None


def rate_of(counts: Counts, missing: Missing) -> Rate:
    """Rate = passed / in scope (or / measured when ``missing: skip``), with a Wilson interval."""
    failed = counts.in_scope - counts.passed - counts.unmeasured
    n = counts.in_scope - counts.unmeasured if missing == Missing.SKIP else counts.in_scope
    if n <= 0:
        return Rate(counts.in_scope, counts.passed, failed, counts.unmeasured, 0, None, None, None)
    low, high = wilson(counts.passed, n)
    rate = counts.passed / n
    return Rate(counts.in_scope, counts.passed, failed, counts.unmeasured, n, rate, low, high)


def wilson(successes: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The Wilson score interval of a binomial proportion."""
    ci = binomtest(successes, n).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


@dataclass(frozen=True)
class BranchResult:
    """One standard in one branch."""

    branch: str
    counts: Rate
    met: bool | None


@dataclass(frozen=True)
class StandardResult:
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
        """The branch with the lowest rate (ties: the larger sample)."""
        rated = [b for b in self.branches if b.counts.rate is not None]
        if not rated:
            return None
        return min(rated, key=lambda b: (b.counts.rate, -b.counts.in_scope, b.branch))


@dataclass(frozen=True)
class Rows:
    """Row accounting: read = evaluated + rejected."""

    read: int
    evaluated: int
    rejected: int


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

    @property
    def breached(self) -> tuple[StandardResult, ...]:
        """Standards with severity fail that missed their target."""
        return tuple(s for s in self.standards if s.status == Status.BREACHED)

    @property
    def warnings(self) -> tuple[StandardResult, ...]:
        """Standards with severity warn that missed their target."""
        return tuple(s for s in self.standards if s.status == Status.WARNING)

    @property
    def verdict(self) -> str:
        """``pass`` or ``breach`` (by the severity of standards, regardless of --fail-on)."""
        return "breach" if self.breached else "pass"

    @property
    def exit_code(self) -> ExitCode:
        """0 when the audit passes under ``fail_on``, 1 when it does not."""
        if self.fail_on == FailOn.NEVER:
            return ExitCode.OK
        if self.breached or (self.fail_on == FailOn.WARN and self.warnings):
            return ExitCode.BREACH
        return ExitCode.OK


def limit_text(cs: CompiledStandard) -> str:
    """The limit as people write it: '≤ 60s', '≥ 3', 'check'."""
    std = cs.rule.standard
    if std.limit is None:
        return "check"
    sign = "≤" if std.at_most is not None else "≥"
    shown = format_duration(std.limit.value) if std.limit.is_duration else f"{std.limit.value:g}"
    return f"{sign} {shown}"


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
    for i, cs in enumerate(compiled):
        std = cs.rule.standard
        per_branch = []
        total = Counts(0, 0, 0)
        for b in order:
            c = raw.branches[b][i]
            total = Counts(
                total.in_scope + c.in_scope,
                total.passed + c.passed,
                total.unmeasured + c.unmeasured,
            )
            r = rate_of(c, std.missing)
            if r.in_scope:
                per_branch.append(BranchResult(names[b], r, _met(r, std.target)))
        chain = rate_of(total, std.missing)
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
                branches=tuple(per_branch),
            )
        )
    return Scorecard(
        name=name,
        standards=tuple(results),
        rows=Rows(raw.rows_evaluated + raw.rows_rejected, raw.rows_evaluated, raw.rows_rejected),
        rejects=raw.rejects,
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
