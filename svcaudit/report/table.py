"""The terminal scorecard: verdict, row accounting, standards and a branch-by-standard grid."""

from __future__ import annotations

from dataclasses import replace

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from svcaudit.consistency import Position
from svcaudit.report.base import Formatter
from svcaudit.report.leagues import calm_items, item_ids, terminal_blocks
from svcaudit.report.summary import (
    MARKER_LEGEND,
    MARKERS,
    Level,
    branch_order,
    change_text,
    pct,
    problems,
    regression_lines,
    repeats_text,
    rows_text,
    verdict_parts,
)
from svcaudit.report.table_periods import periods_block
from svcaudit.score import Scorecard, StandardResult, Status

STATUS_STYLE = {
    Status.MET: ("met", "green"),
    Status.BREACHED: ("BREACHED", "bold red"),
    Status.WARNING: ("warning", "yellow"),
    Status.NO_DATA: ("no data", "dim"),
}
LEVEL_STYLE = {
    Level.ERROR: "bold red",
    Level.WARNING: "yellow",
    Level.NOTICE: "dim",
    Level.GOOD: "cyan",
    Level.NOTE: "",
}
SHOWN_REJECTS = 5
SHOWN_PROBLEMS = 20
ID_WIDTH = 16
BARS = "▁▂▃▄▅▆▇█"
STRIP_BRANCHES = 12  # branches in a standard's strip; more: the worst ones and "…"
STRIP_LEGEND = (
    "Branch bars: one per branch, worst first as in the grid; height: rate (lowest or "
    "target ▁ to 100% █); colour: funnel position"
)


def _rate_style(met: bool | None, std: StandardResult) -> str:
    if met is None:
        return "dim"
    if met:
        return "green"
    return "red" if std.severity.value == "fail" else "yellow"


def _change_style(change: float | None) -> str:
    if change is None or abs(change) < 0.0005:
        return "dim"
    return "green" if change > 0 else "red"


def _marker_style(pos: Position) -> str:
    if pos.is_low:
        return "bold red" if pos == Position.ALARM_LOW else "yellow"
    return "dim" if pos == Position.TOO_FEW else "cyan"


def branch_strip(s: StandardResult, order: list[str]) -> Text:
    """A compact per-branch bar: one block per branch, its height the rate, coloured by the
    funnel position, in ``order`` (the grid's, worst branch first)."""
    found = {b.branch: b for b in s.branches}
    rated = [found[n] for n in order if n in found and found[n].counts.rate is not None]
    if len(rated) < 2:
        return Text("—", style="dim")
    rates = [b.counts.rate or 0.0 for b in rated]
    low = min(*rates, s.target)
    strip = Text()
    for b, rate in zip(rated[:STRIP_BRANCHES], rates, strict=False):
        level = round((rate - low) / (1 - low) * (len(BARS) - 1)) if low < 1 else len(BARS) - 1
        style = _marker_style(b.position) if b.position != Position.WITHIN else "green"
        strip.append(BARS[max(0, min(level, len(BARS) - 1))], style=style)
    if len(rated) > STRIP_BRANCHES:
        strip.append("…", style="dim")
    return strip


def shows_strips(card: Scorecard, wide: bool, narrow: bool) -> bool:
    """Branch strips where they help: with 2+ branches, in their own column when wide (120+),
    under the standard's id when narrow (the rows wrap to two lines there anyway, and the
    branch grid is split); not at 100-119 columns, where the grid below is one table."""
    return len(card.branches) >= 2 and (wide or narrow)


def verdict_line(card: Scorecard) -> Text:
    """One sentence: pass or breach, and which standards."""
    text = Text()
    for part in verdict_parts(card):
        text.append(part.text, style=LEVEL_STYLE[part.level])
    return text


def standards_table(card: Scorecard, wide: bool, narrow: bool = False) -> Table:
    """One row per standard: rate against target, interval, status and worst branch.

    ``wide`` (120+ columns) adds the titles; ``narrow`` (under 100) leaves out n, which the
    JSON report keeps, and writes the interval with one % sign, so 80 columns stay readable.
    """
    table = Table(
        box=box.SIMPLE_HEAD,
        title="Standards",
        title_justify="left",
        expand=False,
        padding=(0, 1) if narrow else (0, 1, 0, 1),
        pad_edge=not narrow,
    )
    table.add_column("Standard", no_wrap=True)
    if wide:
        table.add_column("Title", overflow="fold", ratio=3)
    table.add_column("Rate", justify="right", no_wrap=True)
    table.add_column("Target", justify="right", no_wrap=True)
    table.add_column("95% CI", justify="right", no_wrap=True)
    if not narrow:
        table.add_column("n", justify="right", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    strips = shows_strips(card, wide, narrow)
    if strips and wide:
        table.add_column("Branches", no_wrap=True, min_width=min(8, len(card.branches)))
    if card.baseline:
        table.add_column("Δ", justify="right", no_wrap=True)
    table.add_column("Worst branch", overflow="fold", ratio=2)
    order = branch_order(card)
    for s in card.standards:
        label, style = STATUS_STYLE[s.status]
        c = s.counts
        ci = f"{pct(c.ci_low)}–{pct(c.ci_high)}" if c.rate is not None else "—"
        if narrow and c.rate is not None:
            ci = f"{pct(c.ci_low).rstrip('%')}–{pct(c.ci_high)}"
        worst = s.worst_branch
        worst_text = Text()
        if worst is not None and len(s.branches) > 1:
            worst_text.append(worst.branch + " ")
            worst_text.append(pct(worst.counts.rate), style=_rate_style(worst.met, s))
        title = [Text(f"{s.title} ({s.limit})", style="dim")] if wide else []
        ident = Text(s.id, style="bold")
        if strips and not wide:  # under the id: the row wraps to two lines here anyway
            ident.append("\n").append_text(branch_strip(s, order))
        table.add_row(
            ident,
            *title,
            Text(pct(c.rate), style=_rate_style(s.met, s)),
            pct(s.target),
            ci,
            *([] if narrow else [f"{c.n:,}"]),
            Text(label, style=style),
            *([branch_strip(s, order)] if strips and wide else []),
            *(
                [Text(change_text(s.change), style=_change_style(s.change))]
                if card.baseline
                else []
            ),
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
    """Branches down (worst first), standards across; split into several tables to fit."""
    if len(card.branches) < 2:
        return []
    branch_width = min(22, max(len("Branch"), *(len(b) for b in card.branches)))
    chunks: list[list[StandardResult]] = [[]]
    used = branch_width + 4
    for s in card.standards:
        need = max(8, min(len(s.id), ID_WIDTH)) + 3
        if chunks[-1] and used + need > width:
            chunks.append([])
            used = branch_width + 4
        chunks[-1].append(s)
        used += need
    order = branch_order(card)
    tables = []
    for start, chunk in enumerate(chunks):
        title = "Rate by branch (worst first)" if start == 0 else None
        table = Table(box=box.SIMPLE_HEAD, title=title, title_justify="left")
        table.add_column("Branch", overflow="fold", min_width=6, max_width=branch_width)
        for s in chunk:
            width_s = max(8, min(len(s.id), ID_WIDTH))
            table.add_column(s.id, justify="right", overflow="fold", min_width=8, max_width=width_s)
        for b in order:
            cells: list[RenderableType] = [b]
            for s in chunk:
                found = next((r for r in s.branches if r.branch == b), None)
                if found is None:
                    cells.append(Text("—  ", style="dim"))
                    continue
                cell = Text(pct(found.counts.rate), style=_rate_style(found.met, s))
                cell.append(f"{MARKERS[found.position]:<2}", style=_marker_style(found.position))
                cells.append(cell)
            table.add_row(*cells)
        tables.append(table)
    return tables


def consistency_block(card: Scorecard) -> Text | None:
    """The consistency problems as sentences, and a legend for the grid's markers."""
    if len(card.branches) < 2:
        return None
    lines = problems(card)
    text = Text("Consistency", style="bold")
    text.append(f"  {MARKER_LEGEND}\n", style="dim")
    if not lines:
        text.append("  every judged branch is within the funnel limits of every standard\n")
    for line in lines[:SHOWN_PROBLEMS]:
        text.append("  ")
        text.append(line.text, style=LEVEL_STYLE[line.level])
        text.append("\n")
    if len(lines) > SHOWN_PROBLEMS:
        more = len(lines) - SHOWN_PROBLEMS
        text.append(f"  ... and {more} more (see --format json)\n", style="dim")
    return text


def regressions_block(card: Scorecard) -> Text | None:
    """Rates that fell more than --fail-on-regression allows."""
    lines = regression_lines(card)
    if not lines:
        return None
    text = Text(f"Regressions since {card.baseline}:\n", style="bold")
    for line in lines:
        text.append(f"  {line.text}\n", style=LEVEL_STYLE[line.level])
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


def invalid_block(card: Scorecard) -> Text | None:
    """The first invalid values: missing for their rows, which are kept."""
    count = card.rows.invalid_values
    if not count:
        return None
    text = Text(
        f"Invalid values ({count:,}), read as missing (the rows stay in every standard that "
        "does not read them):\n",
        style="yellow",
    )
    for v in card.invalid_values[:SHOWN_REJECTS]:
        where = f"{v.file}:{v.line}" if v.line is not None else f"{v.file} ({v.rows:,} rows)"
        text.append(f"  {where}: {v.reason}\n")
    more = count - sum(v.rows for v in card.invalid_values[:SHOWN_REJECTS])
    if more > 0:
        text.append(
            f"  ... and {more:,} more (write them all with --rejects PATH.csv)\n", style="dim"
        )
    return text


def implausible_block(card: Scorecard) -> Text | None:
    """Standards with impossible durations among their measures (counted as unmeasured)."""
    odd = [(s.id, n) for s in card.standards if (n := s.counts.count("implausible"))]
    if not odd:
        return None
    text = Text(
        "Implausible measures, counted as unmeasured (negative, or over 1000x the limit "
        "and a day):\n",
        style="yellow",
    )
    for sid, count in odd:
        text.append(f"  {sid}: {count:,}\n")
    return text


class TableFormatter(Formatter):
    """``--format table`` (default): the Rich scorecard for people."""

    name = "table"
    suffixes = (".txt",)

    def render(self, card: Scorecard, console: Console) -> None:
        """Print header, standards, branch grid, consistency, rejects, rows and verdict."""
        header = Text(f"svcaudit · {card.name}", style="bold")
        header.append(f"\nlogs: {', '.join(card.logs)}", style="dim")
        if card.profile != "generic":
            header.append(f" · profile: {card.profile}", style="dim")
        wide = console.width >= 120
        narrow = console.width < 100
        full = card
        if card.checklists:  # items: those needing attention here; the leagues below
            calm = {s.id for s in calm_items(card)}
            ids = item_ids(card)
            card = replace(card, standards=tuple(s for s in card.standards if s.id not in calm))
            grid = replace(card, standards=tuple(s for s in card.standards if s.id not in ids))
        else:
            grid = card
        parts: list[RenderableType] = [header, Text()]
        repeats = repeats_text(card)
        if repeats is not None:  # on the first lines: every figure below depends on it
            parts += [Text("⚠ " + repeats, style="yellow"), Text()]
        if card.standards:  # none: a checklist alone whose items all met their targets
            parts.append(standards_table(card, wide, narrow))
            if shows_strips(card, wide, narrow):
                parts.append(Text(STRIP_LEGEND, style="dim"))
            if not wide:
                parts += [legend(card), Text()]
        parts += branch_tables(grid, console.width) if grid.standards else []
        parts += terminal_blocks(full)
        blocks = (
            consistency_block(card),
            periods_block(card, console.width),
            regressions_block(card),
            rejects_block(card),
            invalid_block(card),
            implausible_block(card),
        )
        for block in blocks:
            if block is not None:
                parts.append(block)
        rows = Text(rows_text(full), style="yellow" if full.rows.rejected else "")
        parts += [rows, verdict_line(full)]
        console.print(Group(*parts))
