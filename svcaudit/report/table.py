"""The terminal scorecard: verdict, row accounting, standards and a branch-by-standard grid."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from svcaudit.report.base import Formatter
from svcaudit.score import Scorecard, StandardResult, Status
from svcaudit.units import format_percent

STATUS_STYLE = {
    Status.MET: ("met", "green"),
    Status.BREACHED: ("BREACHED", "bold red"),
    Status.WARNING: ("warning", "yellow"),
    Status.NO_DATA: ("no data", "dim"),
}
SHOWN_REJECTS = 5


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
    if breached:
        text = Text("BREACH", style="bold red")
        ids = ", ".join(s.id for s in breached)
        text.append(f": {len(breached)} of {n} standards breached ({ids})")
    else:
        text = Text("PASS", style="bold green")
        met = sum(1 for s in card.standards if s.status == Status.MET)
        text.append(f": all {n} standards met" if met == n else f": {met} of {n} standards met")
    if warned:
        text.append(f"; {len(warned)} warning(s) ({', '.join(s.id for s in warned)})")
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
        for b in card.branches:
            cells: list[RenderableType] = [b]
            for s in chunk:
                found = next((r for r in s.branches if r.branch == b), None)
                if found is None:
                    cells.append(Text("—", style="dim"))
                else:
                    cells.append(Text(_pct(found.counts.rate), style=_rate_style(found.met, s)))
            table.add_row(*cells)
        tables.append(table)
    return tables


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
        block = rejects_block(card)
        if block is not None:
            parts.append(block)
        parts += [rows_line(card), verdict_line(card)]
        console.print(Group(*parts))
