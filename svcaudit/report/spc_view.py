"""What every report shows of the control charts (``--period``): the JSON data, the signals
in words, the spark line of the terminal. Shared by the formatters; no I/O."""

from __future__ import annotations

from typing import Any

from svcaudit.report.summary import Level, Line
from svcaudit.score import FailOn, Scorecard
from svcaudit.spc import ControlChart, Point, Rule, Signal
from svcaudit.trend import StandardTrend

RULE_TEXT = {
    Rule.BEYOND_LIMIT: "a point beyond the {limit} limit",
    Rule.SHIFT: "{count} {unit}s {side} the centre line",
    Rule.TREND: "{count} {unit}s {direction}",
    Rule.TWO_OF_THREE: "two of three {unit}s near the {limit} limit",
}
#: the marker of each rule in the terminal's period line, and its legend
MARKS = {
    Rule.BEYOND_LIMIT: "!",
    Rule.SHIFT: "s",
    Rule.TREND: "t",
    Rule.TWO_OF_THREE: "2",
}
LEGEND = (
    "! beyond a limit, s shift, t trend, 2 two of three near a limit\n"
    "  red: worse, green: better; dim: too few interactions to judge"
)
SPARKS = "▁▂▃▄▅▆▇█"


def signal_text(t: StandardTrend, chart: ControlChart, s: Signal) -> str:
    """A signal in words: 'concern from 2025-W11 to 2025-W26: 16 weeks in a row below the
    centre line (shift)'."""
    labels = t.labels
    count = sum(1 for p in chart.points[s.first : s.last + 1] if p.judged)
    what = RULE_TEXT[s.rule].format(
        limit="lower" if s.concern else "upper",
        count=count,
        unit=t.unit.value,
        side="below" if s.concern else "above",
        direction="falling" if s.concern else "rising",
    )
    span = labels[s.first] if s.first == s.last else f"{labels[s.first]} to {labels[s.last]}"
    kind = "concern" if s.concern else "improvement"
    return f"{kind} {span}: {what} ({s.rule.value})"


def branch_lines(t: StandardTrend, concern: bool = True) -> list[str]:
    """One line per branch with a concern (or an improvement) reaching its latest period:
    'Warszawa Centrum got worse from 2025-W28 on checkin-5min (shift, 10 weeks)'."""
    out = []
    verb = "got worse" if concern else "got better"
    for branch, s in t.branch_concerns(concern):
        chart = next(b.chart for b in t.branches if b.branch == branch)
        count = sum(1 for p in chart.points[s.first : s.last + 1] if p.judged)
        unit = t.unit.value + ("" if count == 1 else "s")
        out.append(
            f"{branch} {verb} from {t.labels[s.first]} on {t.id} ({s.rule.value}, {count} {unit})"
        )
    return out


def signal_lines(card: Scorecard) -> list[Line]:
    """The signals that reach each standard's latest period, chain first, then the branches
    that got worse: an error when it fails the audit, a warning when not, good news green."""
    by_id = {s.id: s for s in card.standards}
    failing = card.fail_on in (FailOn.SPECIAL_CAUSE, FailOn.WARN)
    out: list[Line] = []
    for t in card.trends:
        std = by_id.get(t.id)
        for s in t.chart.signals:
            if s.last != t.chart.latest:
                continue
            text = f"{t.id}: {signal_text(t, t.chart, s)}"
            if not s.concern:
                out.append(Line(Level.GOOD, text, std))
            elif failing or t.settings.severity == "fail":
                out.append(Line(Level.ERROR, text, std))
            else:
                out.append(Line(Level.WARNING, text, std))
        out += [Line(Level.WARNING, line, std) for line in branch_lines(t)]
        out += [Line(Level.GOOD, line, std) for line in branch_lines(t, concern=False)]
    return out


def assurance_text(t: StandardTrend) -> str | None:
    """Where the target lies against the latest limits, in words."""
    found = t.assurance
    if found is None:
        return None
    return {
        "inside": "target inside the limits: met in some periods, missed in others",
        "above": "target above the limits: not met without a change to the process",
        "below": "target below the limits: met reliably",
    }[found]


def spark_line(points: tuple[Point, ...]) -> str:
    """One character per period, its height the rate between the series' lowest and highest
    (a gap where a period has no rate)."""
    rates = [p.rate for p in points if p.rate is not None]
    if not rates:
        return ""
    low, high = min(rates), max(rates)
    out = []
    for p in points:
        if p.rate is None:
            out.append(" ")
            continue
        level = 0 if high == low else round((p.rate - low) / (high - low) * (len(SPARKS) - 1))
        out.append(SPARKS[level])
    return "".join(out)


def marks(chart: ControlChart) -> list[tuple[str, bool] | None]:
    """Per period, the marker of the strongest signal on it and whether it is a concern."""
    order = [Rule.BEYOND_LIMIT, Rule.TWO_OF_THREE, Rule.SHIFT, Rule.TREND]
    out: list[tuple[str, bool] | None] = [None] * len(chart.points)
    rank: list[int] = [len(order)] * len(chart.points)
    for s in chart.signals:
        for i in range(s.first, s.last + 1):
            if chart.points[i].judged and order.index(s.rule) < rank[i]:
                rank[i] = order.index(s.rule)
                out[i] = (MARKS[s.rule], s.concern)
    for i, p in enumerate(chart.points):
        if not p.judged and out[i] is None:
            out[i] = ("·", False)
    return out


def _signals(t: StandardTrend, chart: ControlChart) -> list[dict[str, Any]]:
    labels = t.labels
    return [
        {
            "rule": s.rule.value,
            "kind": "concern" if s.concern else "improvement",
            "from": labels[s.first],
            "to": labels[s.last],
            "latest": s.last == chart.latest,
        }
        for s in chart.signals
    ]


def _points(t: StandardTrend, chart: ControlChart) -> list[dict[str, Any]]:
    labels = t.labels
    out = []
    for i, p in enumerate(chart.points):
        on = [s for s in chart.signals if s.first <= i <= s.last and p.judged]
        out.append(
            {
                "period": labels[i],
                "start": t.starts[i],
                "passed": p.passed,
                "n": p.n,
                "rate": p.rate,
                "judged": p.judged,
                "baseline": p.baseline,
                "centre": p.centre,
                "low": p.low,
                "high": p.high,
                "signals": [
                    f"{s.rule.value}:{'concern' if s.concern else 'improvement'}" for s in on
                ],
            }
        )
    return out


def trend_dict(t: StandardTrend) -> dict[str, Any]:
    """A standard's ``spc`` block of the JSON report (``periods`` is its chain points)."""
    c = t.chart
    base = [t.labels[i] for i, p in enumerate(c.points) if p.baseline]
    return {
        "unit": t.unit.value,
        "chart": c.chart.value,
        "sigma_z": c.sigma_z,
        "phi": c.phi,
        "phi_p": c.phi_p,
        "min_interactions": t.settings.min_interactions,
        "severity": t.settings.severity,
        "baseline": {"first": base[0], "last": base[-1]} if base else None,
        "trial_limits": c.too_few,
        "rebase": [d.isoformat() for d in t.settings.rebase],
        "assurance": t.assurance,
        "undated": t.undated,
        "signals": _signals(t, c),
        "concern_now": bool(t.concerns),
        "branches": [
            {
                "branch": b.branch,
                "periods": _points(t, b.chart),
                "signals": _signals(t, b.chart),
                "concern_now": bool(b.chart.latest_concerns()),
            }
            for b in t.branches
        ],
    }


def standard_periods(card: Scorecard) -> dict[str, tuple[list[dict[str, Any]], dict[str, Any]]]:
    """Per standard id: its chain's periods and its ``spc`` block."""
    return {t.id: (_points(t, t.chart), trend_dict(t)) for t in card.trends}


__all__ = [
    "LEGEND",
    "assurance_text",
    "branch_lines",
    "marks",
    "signal_lines",
    "signal_text",
    "spark_line",
    "standard_periods",
    "trend_dict",
]
