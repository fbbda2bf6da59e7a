"""Report-neutral wording: the verdict, problem sentences and orderings every format shares.

Formats differ in markup (Rich styles, Markdown, XML, workflow commands), not in what they say;
the sentences are built once here as plain text with a level that each format styles its way.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from svcaudit.consistency import Position
from svcaudit.score import BranchResult, Scorecard, StandardResult, Status
from svcaudit.trend import special_causes
from svcaudit.units import format_percent

MARKERS = {
    Position.ALARM_LOW: "▼▼",
    Position.ALERT_LOW: "▼",
    Position.ALERT_HIGH: "▲",
    Position.ALARM_HIGH: "▲▲",
    Position.WITHIN: "",
    Position.TOO_FEW: "·",
}
MARKER_LEGEND = "▼ below the inner funnel limit, ▼▼ below the outer, ▲ above, · too few to judge"


class Level(StrEnum):
    """How serious a line is; formats map it to colour, annotation level or test outcome."""

    ERROR = "error"
    WARNING = "warning"
    NOTICE = "notice"
    GOOD = "good"
    NOTE = "note"


@dataclass(frozen=True)
class Line:
    """One sentence of a report, with its level and the standard it is about (if any)."""

    level: Level
    text: str
    standard: StandardResult | None = None


def pct(value: float | None) -> str:
    """A rate as a percentage with one decimal, or a dash."""
    return format_percent(value, 1)


def verdict_parts(card: Scorecard) -> list[Line]:
    """The verdict sentence in parts: PASS/BREACH, then breaches, warnings, missing data."""
    n = len(card.standards)
    breached, warned = card.breached, card.warnings
    parts: list[Line] = []
    if card.verdict == "breach":
        ids = ", ".join(s.id for s in breached)
        parts.append(Line(Level.ERROR, "BREACH"))
        parts.append(
            Line(
                Level.NOTE,
                f": {len(breached)} of {n} standards breached" + (f" ({ids})" if ids else ""),
            )
        )
    else:
        met = sum(1 for s in card.standards if s.status == Status.MET)
        parts.append(Line(Level.GOOD, "PASS"))
        parts.append(
            Line(
                Level.NOTE,
                f": all {n} standards met" if met == n else f": {met} of {n} standards met",
            )
        )
    if warned:
        parts.append(Line(Level.NOTE, f"; {len(warned)} warning(s) ({_ids(warned)})"))
    if card.inconsistent:
        ids = _ids(card.inconsistent)
        parts.append(
            Line(Level.ERROR, f"; {len(card.inconsistent)} inconsistent across branches ({ids})")
        )
    if card.inconsistent_warnings:
        ids = _ids(card.inconsistent_warnings)
        parts.append(
            Line(
                Level.WARNING,
                f"; {len(card.inconsistent_warnings)} branch consistency warning(s) ({ids})",
            )
        )
    if card.regressions:
        ids = ", ".join(dict.fromkeys(r.standard for r in card.regressions))
        limit = (card.regression_limit or 0) * 100
        parts.append(
            Line(
                Level.ERROR,
                f"; {len(card.regressions)} rate(s) fell more than "
                f"{limit:g} pp since the baseline ({ids})",
            )
        )
    if special_causes(card.trends):
        ids = ", ".join(t.id for t in special_causes(card.trends))
        parts.append(
            Line(Level.WARNING, f"; a concern signal in the latest {card.trends[0].unit} ({ids})")
        )
    no_data = [s for s in card.standards if s.status == Status.NO_DATA]
    if no_data:
        shown = ", ".join(f"{s.id} ({s.note})" if s.note else s.id for s in no_data)
        parts.append(Line(Level.NOTICE, f"; no data for {shown}"))
    return parts


def verdict_text(card: Scorecard) -> str:
    """The verdict as one plain line."""
    return "".join(p.text for p in verdict_parts(card))


def rows_text(card: Scorecard) -> str:
    """Row accounting: read = evaluated + rejected."""
    r = card.rows
    text = f"Rows: {r.read:,} read = {r.evaluated:,} evaluated + {r.rejected:,} rejected"
    if r.merged:
        text += f" + {r.merged:,} merged (earlier records of the same interaction)"
    if r.outside:
        text += f" + {r.outside:,} outside the audited period"
    if r.invalid_values:
        text += (
            f"; {r.invalid_values:,} invalid value(s) read as missing (their rows kept; "
            "see `invalid` per standard)"
        )
    if r.duplicate:
        shown = ", ".join(f"{i} ({n} rows)" for i, n in r.duplicate_ids[:3])
        text += (
            f"; {r.duplicate:,} evaluated rows repeat an interaction id (kept and counted; "
            f"e.g. {shown})"
        )
    return text


def repeats_text(card: Scorecard) -> str | None:
    """A warning when evaluated rows repeat an interaction id (no fold asked for), else None."""
    r = card.rows
    if not r.duplicate:
        return None
    shown = ", ".join(f"{i} ({n} rows)" for i, n in r.duplicate_ids[:3])
    return (
        f"{r.duplicate:,} of {r.evaluated:,} evaluated rows repeat an interaction id (e.g. "
        f"{shown}): each row is counted as an interaction. If the log has a row per update "
        "(an event log), fold it to one row per id: `fold: {key: ID, latest_by: COLUMN}` in "
        "the standards file, or --fold ID:COLUMN"
    )


def _ids(standards: tuple[StandardResult, ...] | list[StandardResult]) -> str:
    return ", ".join(s.id for s in standards)


def worst_branches(s: StandardResult, limit: int = 3) -> list[BranchResult]:
    """The lowest-rated judged branches below target (or at all, when none is below), worst
    first; a branch with fewer than ``min_interactions`` is not named."""
    rated = [b for b in s.branches if b.judged and b.counts.rate is not None]
    rated.sort(key=lambda b: (b.counts.rate or 0.0, -b.counts.n, b.branch))
    below = [b for b in rated if b.met is False]
    return (below or rated)[:limit]


def standard_message(s: StandardResult) -> str:
    """What a breach (or pass) of one standard means, in one sentence."""
    c = s.counts
    if c.rate is None:
        return f"{s.id}: no interactions in scope"
    verb = "meets" if s.met else "is below"
    text = (
        f"{s.id}: rate {pct(c.rate)} ({c.passed:,} of {c.n:,}) {verb} target {pct(s.target)} "
        f"[95% CI {pct(c.ci_low)}–{pct(c.ci_high)}]"
    )
    worst = worst_branches(s)
    if len(s.branches) > 1 and worst:
        text += "; worst: " + ", ".join(f"{b.branch} {pct(b.counts.rate)}" for b in worst)
    return text


def branch_order(card: Scorecard) -> list[str]:
    """Branches worst first: most low alarms, then low alerts, then the lowest mean gap."""
    score: dict[str, list[float]] = {b: [0, 0, 0.0, 0] for b in card.branches}
    for s in card.standards:
        chain = s.counts.rate
        for r in s.branches:
            row = score[r.branch]
            row[0] -= r.position == Position.ALARM_LOW
            row[1] -= r.position == Position.ALERT_LOW
            if chain is not None and r.counts.rate is not None:
                row[2] += r.counts.rate - chain
                row[3] += 1
    return sorted(
        card.branches, key=lambda b: (*score[b][:2], score[b][2] / max(1, score[b][3]), b)
    )


def branch_problem(s: StandardResult, r: BranchResult) -> Line | None:
    """The sentence for a branch below the chain beyond chance, or None."""
    c = s.consistency
    if c is None or c.chain_rate is None or r.limits is None or not r.position.is_low:
        return None
    inner, outer = c.settings.limits
    alarm = r.position == Position.ALARM_LOW
    level, bound = (outer, r.limits.outer_low) if alarm else (inner, r.limits.inner_low)
    text = (
        f"{r.branch}: {s.id} {pct(r.counts.rate)} vs chain {pct(c.chain_rate)}, below the "
        f"{format_percent(level, 1)} limit ({pct(bound)}) for {r.counts.n:,} interactions"
    )
    severe = alarm and c.settings.severity.value == "fail"
    return Line(Level.ERROR if severe else Level.WARNING, text, s)


def problems(card: Scorecard) -> list[Line]:
    """Consistency problems, one sentence each, worst first; then over-dispersion and good news."""
    lines: list[Line] = []
    for s in card.standards:
        c = s.consistency
        if c is None or c.chain_rate is None:
            continue
        lines += [p for r in s.branches if (p := branch_problem(s, r)) is not None]
        if c.spread_exceeded and c.spread is not None and c.settings.max_spread is not None:
            rated = [b for b in s.branches if b.position != Position.TOO_FEW]
            best = max(rated, key=lambda b: b.counts.rate or 0.0)
            worst = min(rated, key=lambda b: b.counts.rate or 0.0)
            severe = c.settings.severity.value == "fail"
            lines.append(
                Line(
                    Level.ERROR if severe else Level.WARNING,
                    f"{s.id}: spread {c.spread * 100:.1f} pp between {best.branch} "
                    f"({pct(best.counts.rate)}) and {worst.branch} ({pct(worst.counts.rate)}) "
                    f"exceeds {c.settings.max_spread * 100:g} pp",
                    s,
                )
            )
    lines.sort(key=lambda line: line.level != Level.ERROR)
    varied = [
        f"{s.id} (phi {s.consistency.dispersion.phi:.1f})"
        for s in card.standards
        if s.consistency is not None
        and not s.consistency.widened
        and s.consistency.dispersion.p_value is not None
        and s.consistency.dispersion.p_value < 0.001
    ]
    if varied:
        lines.append(
            Line(
                Level.NOTICE,
                "Branches vary more than chance alone explains on "
                + ", ".join(varied)
                + "; the limits are exact binomial "
                "(consistency.overdispersion can widen them)",
            )
        )
    high = [
        f"{s.id}: {', '.join(s.consistency.high)}"
        for s in card.standards
        if s.consistency is not None and s.consistency.high
    ]
    if high:
        lines.append(Line(Level.GOOD, "Better than the chain beyond chance: " + "; ".join(high)))
    return lines


def change_text(change: float | None) -> str:
    """A change in percentage points: '+1.2 pp', '-5.0 pp', or '' when unknown."""
    if change is None:
        return ""
    return f"{change * 100:+.1f} pp"


def regression_lines(card: Scorecard) -> list[Line]:
    """One sentence per rate that fell more than --fail-on-regression allows."""
    out = []
    by_id = {s.id: s for s in card.standards}
    for r in card.regressions:
        where = f"{r.branch}: " if r.branch else ""
        out.append(
            Line(
                Level.ERROR,
                f"{where}{r.standard} fell from {pct(r.previous)} to {pct(r.current)} "
                f"({change_text(r.current - r.previous)}) since the baseline",
                by_id.get(r.standard),
            )
        )
    return out
