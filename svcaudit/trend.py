"""Each standard's rate by period, for the chain and every branch, with control charts.

The counts come from the audit's one scan (``RawResult.periods``: the aggregate grouped by
branch and period as well); this module only arranges them. Every period from the first to
the last one with data is listed, a period without interactions too (n = 0, not judged).
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from svcaudit.compile import CompiledStandard
from svcaudit.counts import Counts
from svcaudit.errors import Location, SvcauditError
from svcaudit.runner import RawResult
from svcaudit.spc import Chart, ControlChart, Signal, control_chart
from svcaudit.standards.model import Missing
from svcaudit.standards.spc_model import PeriodUnit, Spc, next_period, period_label


@dataclass(frozen=True)
class BranchTrend:
    """One branch's rate by period and its own control chart."""

    branch: str
    chart: ControlChart


@dataclass(frozen=True)
class StandardTrend:
    """One standard's rate by period: the chain's chart, and each branch's."""

    id: str
    unit: PeriodUnit
    starts: tuple[str, ...]  # each period's first day, YYYY-MM-DD
    chart: ControlChart
    branches: tuple[BranchTrend, ...]
    settings: Spc
    target: float
    undated: int = 0  # in-scope interactions with no arrival time: in no period

    @property
    def labels(self) -> tuple[str, ...]:
        """The periods' names (2025-W11, 2025-03, ...)."""
        return tuple(period_label(self.unit, s) for s in self.starts)

    @property
    def concerns(self) -> tuple[Signal, ...]:
        """The chain's concern signals that reach its latest judged period."""
        return self.chart.latest_concerns()

    @property
    def assurance(self) -> str | None:
        """Where the target lies against the latest limits: inside, above or below."""
        return self.chart.assurance(self.target)

    def branch_concerns(self, concern: bool = True) -> list[tuple[str, Signal]]:
        """Branches with a concern (or, ``concern=False``, an improvement) signal reaching
        their latest judged period: the one starting earliest each."""
        out = []
        for b in self.branches:
            latest = b.chart.latest
            found = [s for s in b.chart.signals if s.concern == concern and s.last == latest]
            if found:
                out.append((b.branch, min(found, key=lambda s: s.first)))
        return out


def special_causes(trends: Sequence[StandardTrend]) -> tuple[StandardTrend, ...]:
    """The standards whose chain chart has a concern signal reaching the latest period."""
    return tuple(t for t in trends if t.concerns)


def spc_failing(trends: Sequence[StandardTrend]) -> bool:
    """A concern reaching the latest period on a standard with ``spc: {severity: fail}``."""
    return any(t.settings.severity == "fail" for t in special_causes(trends))


def _n(counts: Counts, missing: Missing) -> int:
    """The rate's denominator (as ``score.rate_of``): unmeasured ones left out with skip."""
    return counts.in_scope - (counts.unmeasured if missing == Missing.SKIP else 0)


def period_starts(unit: PeriodUnit, seen: Sequence[str]) -> tuple[str, ...]:
    """Every period's first day from the earliest to the latest in ``seen``."""
    if not seen:
        return ()
    day, last = date.fromisoformat(min(seen)), date.fromisoformat(max(seen))
    out = []
    while day <= last:
        out.append(day.isoformat())
        day = next_period(unit, day)
    return tuple(out)


def _index(starts: Sequence[str], day: date) -> int:
    """The index of the period ``day`` falls in (the first period for an earlier day)."""
    found = [i for i, s in enumerate(starts) if date.fromisoformat(s) <= day]
    return found[-1] if found else 0


def _chart(starts: Sequence[str], counts: Sequence[tuple[int, int]], spc: Spc) -> ControlChart:
    baseline = None
    if spc.baseline is not None:
        baseline = (_index(starts, spc.baseline.since), _index(starts, spc.baseline.until))
    rebase = [_index(starts, d) for d in spc.rebase if d.isoformat() > starts[0]]
    return control_chart(
        list(starts),
        counts,
        min_interactions=spc.min_interactions,
        chart=Chart(spc.chart),
        baseline=baseline,
        rebase=rebase,
    )


def trends(
    compiled: Sequence[CompiledStandard],
    raw: RawResult,
    unit: PeriodUnit,
    names: Mapping[str | None, str],
) -> tuple[StandardTrend, ...]:
    """Every standard's trend from the scan's counts per (branch, period); ``names``: the
    branches' names as the scorecard shows them."""
    unit = PeriodUnit(unit)  # a library caller may pass the name
    starts = period_starts(unit, [p for _, p in raw.periods])
    if not starts:
        return ()
    at = {s: i for i, s in enumerate(starts)}
    branches = sorted({b for b, _ in raw.periods}, key=lambda b: (b is None, names[b]))
    out = []
    for i, cs in enumerate(compiled):
        std, spc = cs.rule.standard, cs.rule.spc
        per_branch: dict[str | None, list[tuple[int, int]]] = {
            b: [(0, 0)] * len(starts) for b in branches
        }
        for (b, p), row in raw.periods.items():
            c = row[i]
            per_branch[b][at[p]] = (c.passed, _n(c, std.missing))
        chain = [
            (sum(per_branch[b][j][0] for b in branches), sum(per_branch[b][j][1] for b in branches))
            for j in range(len(starts))
        ]
        dated = sum(row[i].in_scope for row in raw.periods.values())
        undated = sum(row[i].in_scope for row in raw.branches.values()) - dated
        shown = [
            BranchTrend(names[b], _chart(starts, per_branch[b], spc))
            for b in branches
            if any(n for _, n in per_branch[b])
        ]
        out.append(
            StandardTrend(
                std.id,
                unit,
                starts,
                _chart(starts, chain, spc),
                tuple(shown),
                spc,
                std.target,
                undated,
            )
        )
    return tuple(out)


def audit_trends(
    compiled: Sequence[CompiledStandard],
    raw: RawResult,
    unit: PeriodUnit | None,
    names: Mapping[str | None, str],
    special_cause_gate: bool,
) -> tuple[StandardTrend, ...]:
    """The audit's trends (none without a period); ``--fail-on special-cause`` needs some."""
    charts = () if unit is None else trends(compiled, raw, unit, names)
    if special_cause_gate and not charts:
        raise SvcauditError(
            "--fail-on special-cause needs periods to chart, and the audit has none",
            location=Location("--fail-on"),
            hint="pass --period week, or set `period:`",
        )
    return charts


__all__ = [
    "BranchTrend",
    "StandardTrend",
    "audit_trends",
    "period_starts",
    "spc_failing",
    "special_causes",
    "trends",
]
