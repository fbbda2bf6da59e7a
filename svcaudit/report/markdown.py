"""``--format markdown``: the scorecard as a Markdown document for merge-request comments."""

from __future__ import annotations

import re
from dataclasses import replace

from rich.console import Console

from svcaudit.report.base import Formatter, write_document
from svcaudit.report.leagues import item_ids, markdown_blocks
from svcaudit.report.spc_view import signal_lines
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
from svcaudit.score import Scorecard, Status

STATUS_TEXT = {
    Status.MET: "✅ met",
    Status.BREACHED: "❌ **breached**",
    Status.WARNING: "⚠️ warning",
    Status.NO_DATA: "— no data",
}
SHOWN_REJECTS = 20


def md(text: object) -> str:
    """Escape text for a Markdown table cell or paragraph (no HTML, no pipes, no markup)."""
    value = str(text).replace("\r", " ").replace("\n", " ")
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*_\[\]|~])", r"\\\1", value)


def code(text: object) -> str:
    """Text for an inline code span: no backticks or line breaks inside."""
    return "`" + str(text).replace("`", "'").replace("\n", " ").replace("\r", " ") + "`"


def markdown(card: Scorecard) -> str:
    """The whole scorecard as Markdown."""
    out: list[str] = [f"## svcaudit · {md(card.name)}", ""]
    verdict = "".join(
        f"**{md(p.text)}**"
        if p.level in (Level.ERROR, Level.GOOD) and p.text.isupper()
        else md(p.text)
        for p in verdict_parts(card)
    )
    out += [verdict, ""]
    repeats = repeats_text(card)
    if repeats is not None:
        out += [f"> ⚠️ {md(repeats)}", ""]
    out += [md(rows_text(card)), ""]
    delta = bool(card.baseline)
    out += [
        "| Standard | Title | Rate | Target | 95% CI | n | Status |"
        + (" Δ |" if delta else "")
        + " Worst branch |",
        "|---|---|--:|--:|--:|--:|---|" + ("--:|" if delta else "") + "---|",
    ]
    for s in card.standards:
        c = s.counts
        ci = f"{pct(c.ci_low)}–{pct(c.ci_high)}" if c.rate is not None else "—"
        worst = s.worst_branch
        worst_text = (
            f"{md(worst.branch)} {pct(worst.counts.rate)}" if worst and len(s.branches) > 1 else ""
        )
        out.append(
            f"| {code(s.id)} | {md(s.title)} ({md(s.limit)}) | {pct(c.rate)} | {pct(s.target)} "
            f"| {ci} | {c.n:,} | {STATUS_TEXT[s.status]} |"
            + (f" {change_text(s.change)} |" if delta else "")
            + f" {worst_text} |"
        )
    if card.checklists or card.overall is not None:
        out += ["", *markdown_blocks(card, md)]
        ids = item_ids(card)  # the items' branches: in the league and the section grid
        card = replace(card, standards=tuple(s for s in card.standards if s.id not in ids))
    if len(card.branches) > 1 and card.standards:
        out += ["", "### Rate by branch (worst first)", "", f"_{md(MARKER_LEGEND)}_", ""]
        out.append("| Branch | " + " | ".join(code(s.id) for s in card.standards) + " |")
        out.append("|---|" + "--:|" * len(card.standards))
        for b in branch_order(card):
            cells = []
            for s in card.standards:
                r = next((x for x in s.branches if x.branch == b), None)
                cells.append(
                    "—" if r is None else f"{pct(r.counts.rate)} {MARKERS[r.position]}".strip()
                )
            out.append(f"| {md(b)} | " + " | ".join(cells) + " |")
        lines = problems(card)
        if lines:
            out += ["", "### Consistency", ""]
            icons = {Level.ERROR: "❌", Level.WARNING: "⚠️", Level.NOTICE: "ℹ️", Level.GOOD: "✅"}
            out += [
                f"- {icons.get(line.level, '')} {md(line.text)}".replace("-  ", "- ")
                for line in lines
            ]
    signals = signal_lines(card)
    if card.trends:
        unit = card.trends[0].unit.value
        out += ["", f"### Control charts by {unit} (signals in the latest {unit})", ""]
        icons = {Level.ERROR: "❌", Level.WARNING: "⚠️", Level.GOOD: "✅"}
        out += [f"- {icons.get(line.level, '')} {md(line.text)}" for line in signals]
        if not signals:
            out.append(f"- no signal reaches the latest {unit} of any standard")
    regressions = regression_lines(card)
    if regressions:
        out += ["", f"### Regressions since {code(card.baseline)}", ""]
        out += [f"- ❌ {md(line.text)}" for line in regressions]
    if card.rows.rejected:
        out += ["", f"### Rejected rows ({card.rows.rejected:,})", ""]
        out += [
            f"- {code(f'{r.file}:{r.line}')} {md(r.reason)}" for r in card.rejects[:SHOWN_REJECTS]
        ]
        if card.rows.rejected > SHOWN_REJECTS:
            out.append(f"- … and {card.rows.rejected - SHOWN_REJECTS:,} more")
    out += _invalid_lines(card)
    return "\n".join(out) + "\n"


def _invalid_lines(card: Scorecard) -> list[str]:
    """The invalid values: missing for their rows, which are kept."""
    count = card.rows.invalid_values
    if not count:
        return []
    out = ["", f"### Invalid values ({count:,}), read as missing", ""]
    for v in card.invalid_values[:SHOWN_REJECTS]:
        where = f"{v.file}:{v.line}" if v.line is not None else f"{v.file} ({v.rows:,} rows)"
        out.append(f"- {code(where)} {md(v.reason)}")
    if count > SHOWN_REJECTS:
        out.append(f"- … and {count - SHOWN_REJECTS:,} more")
    return out


class MarkdownFormatter(Formatter):
    """``--format markdown``: tables a merge request or a step summary renders."""

    name = "markdown"
    suffixes = (".md", ".markdown")
    machine_readable = True

    def render(self, card: Scorecard, console: Console) -> None:
        """Write the Markdown document."""
        write_document(console, markdown(card))
