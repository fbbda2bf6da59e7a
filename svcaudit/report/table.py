"""The terminal scorecard: verdict, row accounting, standards and a branch-by-standard grid."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from svcaudit.consistency import Position
from svcaudit.report.base import Formatter
from svcaudit.score import BranchResult, Scorecard, StandardResult, Status
from svcaudit.units import format_percent

STATUS_STYLE = {
    Status.MET: ("met", "green"),
    Status.BREACHED: ("BREACHED", "bold red"),
    Status.WARNING: ("warning", "yellow"),
    Status.NO_DATA: ("no data", "dim"),
}
SHOWN_REJECTS = 5
SHOWN_PROBLEMS = 20
MARKERS = {
    Position.ALARM_LOW: "▼▼",
    Position.ALERT_LOW: "▼ ",
    Position.ALERT_HIGH: "▲ ",
    Position.ALARM_HIGH: "▲▲",
    Position.WITHIN: "  ",
    Position.TOO_FEW: " ·",
}


def _pct(value: float | None) -> str:
    return format_percent(value, 1)


def _rate_style(met: bool | None, std: StandardResult) -> str:
    if met is None:
        return "dim"
    if met:
        return "green"
    return "red" if std.status != Status.WARNING and std.severity.value == "fail" else "yellow"


def verdict_line(card: Scorecard) -> Text:
    """One sentence: pass or breach, and which standards."""
    n = len(card.standards)
    breached, warned = card.breached, card.warnings
    if breached or card.inconsistent:
        text = Text("BREACH", style="bold red")
        ids = ", ".join(s.id for s in breached)
        text.append(f": {len(breached)} of {n} standards breached" + (f" ({ids})" if ids else ""))
    else:
        text = Text("PASS", style="bold green")
        met = sum(1 for s in card.standards if s.status == Status.MET)
        text.append(f": all {n} standards met" if met == n else f": {met} of {n} standards met")
    if warned:
        text.append(f"; {len(warned)} warning(s) ({', '.join(s.id for s in warned)})")
    for label, group, style in (
        ("inconsistent across branches", card.inconsistent, "bold red"),
        ("branch consistency warning(s)", card.inconsistent_warnings, "yellow"),
    ):
        if group:
            text.append(f"; {len(group)} {label} ({', '.join(s.id for s in group)})", style=style)
    no_data = [s.id for s in card.standards if s.status == Status.NO_DATA]
    if no_data:
        text.append(f"; no data for {', '.join(no_data)}", style="dim")
    return text


def rows_line(card: Scorecard) -> Text:
    """Row accounting: read = evaluated + rejected."""
    r = card.rows
    text = Text(f"Rows: {r.read:,} read = {r.evaluated:,} evaluated + ")
    text.append(f"{r.rejected:,} rejected", style="yellow" if r.rejected else "")
    return text


def standards_table(card: Scorecard, wide: bool) -> Table:
    """One row per standard: rate against target, interval, status and worst branch."""
    table = Table(box=box.SIMPLE_HEAD, title="Standards", title_justify="left", expand=False)
    table.add_column("Standard", no_wrap=True)
    if wide:
        table.add_column("Title", overflow="fold", ratio=3)
    table.add_column("Rate", justify="right", no_wrap=True)
    table.add_column("Target", justify="right", no_wrap=True)
    table.add_column("95% CI", justify="right", no_wrap=True)
    table.add_column("n", justify="right", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Worst branch", overflow="fold", ratio=2)
    for s in card.standards:
        label, style = STATUS_STYLE[s.status]
        c = s.counts
        ci = f"{_pct(c.ci_low)}–{_pct(c.ci_high)}" if c.rate is not None else "—"
        worst = s.worst_branch
        worst_text = Text()
        if worst is not None and len(s.branches) > 1:
            worst_text.append(worst.branch + " ")
            worst_text.append(_pct(worst.counts.rate), style=_rate_style(worst.met, s))
        title = [Text(f"{s.title} ({s.limit})", style="dim")] if wide else []
        table.add_row(
            Text(s.id, style="bold"),
            *title,
            Text(_pct(c.rate), style=_rate_style(s.met, s)),
            _pct(s.target),
            ci,
            f"{c.n:,}",
            Text(label, style=style),
            worst_text,
        )
    return table


def legend(card: Scorecard) -> Table:
    """Standard ids with their titles and limits, for narrow terminals."""
    table = Table(box=None, show_header=False, padding=(0, 1))
    table.add_column(no_wrap=True, style="bold")
    table.add_column(overflow="fold", style="dim")
    for s in card.standards:
        table.add_row(s.id, f"{s.title} ({s.limit})")
    return table


def branch_tables(card: Scorecard, width: int) -> list[Table]:
    """Branches down, standards across; split into several tables to fit ``width``."""
    if len(card.branches) < 2:
        return []
    branch_width = min(22, max(len(b) for b in card.branches))
    stds: Sequence[StandardResult] = card.standards
    chunks: list[list[StandardResult]] = [[]]
    used = branch_width + 4
    for s in stds:
        need = max(6, min(len(s.id), 16)) + 3
        if chunks[-1] and used + need > width:
            chunks.append([])
            used = branch_width + 4
        chunks[-1].append(s)
        used += need
    tables = []
    for start, chunk in enumerate(chunks):
        title = "Rate by branch" if start == 0 else None
        table = Table(box=box.SIMPLE_HEAD, title=title, title_justify="left")
        table.add_column("Branch", overflow="fold", max_width=branch_width)
        for s in chunk:
            table.add_column(
                s.id,
                justify="right",
                overflow="fold",
                min_width=6,
                max_width=max(6, min(len(s.id), 16)),
            )
        for b in branch_order(card):
            cells: list[RenderableType] = [b]
            for s in chunk:
                found = next((r for r in s.branches if r.branch == b), None)
                if found is None:
                    cells.append(Text("—  ", style="dim"))
                else:
                    cell = Text(_pct(found.counts.rate), style=_rate_style(found.met, s))
                    cell.append(MARKERS[found.position], style=_marker_style(found.position))
                    cells.append(cell)
            table.add_row(*cells)
        tables.append(table)
    return tables


def _marker_style(pos: Position) -> str:
    if pos.is_low:
        return "bold red" if pos == Position.ALARM_LOW else "yellow"
    return "dim" if pos == Position.TOO_FEW else "cyan"


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


def problems(card: Scorecard) -> list[Text]:
    """One sentence per consistency problem, worst first."""
    out: list[tuple[int, Text]] = []
    for s in card.standards:
        c = s.consistency
        if c is None or c.chain_rate is None:
            continue
        inner, outer = c.settings.limits
        for r in s.branches:
            if r.limits is None or not r.position.is_low:
                continue
            alarm = r.position == Position.ALARM_LOW
            level, bound = (outer, r.limits.outer_low) if alarm else (inner, r.limits.inner_low)
            t = Text(f"{r.branch}: ", style="bold")
            t.append(f"{s.id} {_pct(r.counts.rate)} vs chain {_pct(c.chain_rate)}, ")
            t.append(
                f"below the {format_percent(level, 1)} limit ({_pct(bound)}) for "
                f"{r.counts.n:,} interactions",
                style="bold red" if alarm else "yellow",
            )
            out.append((0 if alarm else 1, t))
        if c.spread_exceeded and c.spread is not None and c.settings.max_spread is not None:
            rated = [
                b
                for b in s.branches
                if b.position != Position.TOO_FEW and b.counts.rate is not None
            ]
            best = max(rated, key=_rate_of)
            worst = min(rated, key=_rate_of)
            t = Text(f"{s.id}: ", style="bold")
            t.append(
                f"spread {c.spread * 100:.1f} pp between {best.branch} ({_pct(best.counts.rate)}) "
                f"and {worst.branch} ({_pct(worst.counts.rate)}) exceeds "
                f"{c.settings.max_spread * 100:g} pp",
                style="bold red",
            )
            out.append((0, t))
    spread = [
        f"{s.id} (phi {s.consistency.dispersion.phi:.1f})"
        for s in card.standards
        if s.consistency is not None
        and not s.consistency.widened
        and s.consistency.dispersion.p_value is not None
        and s.consistency.dispersion.p_value < 0.001
    ]
    if spread:
        t = Text("Branches vary more than chance alone explains on ", style="dim")
        t.append(
            ", ".join(spread) + "; the limits are exact binomial "
            "(consistency.overdispersion can widen them)",
            style="dim",
        )
        out.append((2, t))
    high = [
        f"{s.id}: {', '.join(s.consistency.high)}"
        for s in card.standards
        if s.consistency is not None and s.consistency.high
    ]
    if high:
        t = Text("Better than the chain beyond chance: ", style="cyan")
        t.append("; ".join(high), style="cyan")
        out.append((3, t))
    out.sort(key=lambda item: item[0])
    return [t for _, t in out]


def _rate_of(b: BranchResult) -> float:
    return b.counts.rate if b.counts.rate is not None else -1.0


def consistency_block(card: Scorecard) -> RenderableType | None:
    """The consistency problems as sentences, and a legend for the grid's markers."""
    if len(card.branches) < 2:
        return None
    lines = problems(card)
    text = Text("Consistency", style="bold")
    text.append(
        "  ▼ below the inner funnel limit, ▼▼ below the outer, ▲ above, · too few to judge\n",
        style="dim",
    )
    if not lines:
        text.append("every judged branch is within the funnel limits of every standard\n")
    for t in lines[:SHOWN_PROBLEMS]:
        text.append("  ")
        text.append_text(t)
        text.append("\n")
    if len(lines) > SHOWN_PROBLEMS:
        text.append(
            f"  ... and {len(lines) - SHOWN_PROBLEMS} more (see --format json)\n", style="dim"
        )
    return text


def rejects_block(card: Scorecard) -> Text | None:
    """The first rejected rows with their reasons."""
    if not card.rows.rejected:
        return None
    text = Text(f"Rejected rows ({card.rows.rejected:,}):\n", style="yellow")
    for r in card.rejects[:SHOWN_REJECTS]:
        text.append(f"  {r.file}:{r.line}: {r.reason}\n")
    more = card.rows.rejected - min(SHOWN_REJECTS, len(card.rejects))
    if more > 0:
        text.append(
            f"  ... and {more:,} more (write them all with --rejects PATH.csv)\n", style="dim"
        )
    return text


class TableFormatter(Formatter):
    """``--format table`` (default): the Rich scorecard for people."""

    def render(self, card: Scorecard, console: Console) -> None:
        """Print header, verdict, row accounting, the standards and branch tables, rejects."""
        header = Text(f"svcaudit · {card.name}", style="bold")
        header.append(f"\nlogs: {', '.join(card.logs)}", style="dim")
        wide = console.width >= 120
        parts: list[RenderableType] = [header, Text(), standards_table(card, wide)]
        if not wide:
            parts.append(legend(card))
            parts.append(Text())
        parts += branch_tables(card, console.width)
        consistency = consistency_block(card)
        if consistency is not None:
            parts.append(consistency)
        block = rejects_block(card)
        if block is not None:
            parts.append(block)
        parts += [rows_line(card), verdict_line(card)]
        console.print(Group(*parts))
