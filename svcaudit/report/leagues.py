"""Checklists and weighted scores in the reports: league tables and the section grid.

Shared by the terminal scorecard, Markdown and JSON: the rows of a league table (rank,
branch, score with its interval, visits, critical fails, rating, position against the chain)
and the section x branch grid, as plain values; each report draws them its own way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich import box
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from svcaudit.consistency import Position
from svcaudit.league import BranchScore, ChecklistResult, League
from svcaudit.report.summary import MARKERS, pct
from svcaudit.score import Scorecard, StandardResult, Status

LEAGUE_LEGEND = (
    "▼ below the chain beyond chance (inner limit), ▼▼ beyond the outer limit, ▲ above, "
    "· too few visits to judge; unmarked branches are not shown to differ from the chain"
)
SHOWN_INVALID = 5


def item_ids(card: Scorecard) -> set[str]:
    """The ids of the scorecard's checklist items."""
    return {i.id for c in card.checklists for i in c.items}


def calm_items(card: Scorecard) -> list[StandardResult]:
    """Checklist items that met their target (or have no data), consistent across branches."""
    ids = item_ids(card)
    calm = (Status.MET, Status.NO_DATA)
    return [
        s
        for s in card.standards
        if s.id in ids and s.status in calm and s.consistency_status in calm
    ]


def interval(b: BranchScore) -> str:
    """The low and high end of a score's interval, or a dash."""
    if b.ci_low is None or b.ci_high is None:
        return "—"
    return f"{pct(b.ci_low)}–{pct(b.ci_high)}"


def ranks(league: League) -> list[str]:
    """Each branch's rank; branches whose intervals overlap the one above share its rank
    band only in the marker, the rank is the order (ties in score share a rank)."""
    out: list[str] = []
    previous: float | None = None
    rank = 0
    for k, b in enumerate(league.branches):
        if b.score is None:
            out.append("—")
            continue
        if previous is None or abs(b.score - previous) > 1e-12:
            rank = k + 1
        previous = b.score
        out.append(str(rank))
    return out


def league_rows(league: League, visits: bool) -> list[dict[str, Any]]:
    """The league's rows as values, best first."""
    rows = []
    for rank, b in zip(ranks(league), league.branches, strict=True):
        rows.append(
            {
                "rank": rank,
                "branch": b.branch,
                "score": pct(b.score),
                "interval": interval(b),
                "n": b.visits,
                "critical": (
                    f"{b.critical_failed} ({pct(b.critical_fail_rate)})" if visits else ""
                ),
                "rating": b.rating or "—",
                "marker": MARKERS[b.position],
                "position": b.position,
            }
        )
    return rows


def _marker_style(p: Position) -> str:
    if p.is_low:
        return "bold red" if p == Position.ALARM_LOW else "yellow"
    return "cyan" if p in (Position.ALERT_HIGH, Position.ALARM_HIGH) else "dim"


def league_table(league: League, visits: bool) -> Table:
    """The league table for the terminal."""
    table = Table(
        box=box.SIMPLE_HEAD,
        title=f"League of branches · {league.title}",
        title_justify="left",
        caption=league.method if not visits else None,
    )
    table.add_column("#", justify="right")
    table.add_column("Branch", overflow="fold", max_width=24)
    table.add_column("Score", justify="right")
    table.add_column("95% CI", justify="right")
    table.add_column("Visits" if visits else "n", justify="right")
    if visits:
        table.add_column("Critical fails", justify="right")
    if league.bands:
        table.add_column("Rating")
    table.add_column("vs chain")
    for row in league_rows(league, visits):
        cells: list[RenderableType] = [
            row["rank"],
            row["branch"],
            row["score"],
            row["interval"],
            str(row["n"]),
        ]
        if visits:
            cells.append(row["critical"])
        if league.bands:
            cells.append(row["rating"])
        cells.append(Text(row["marker"], style=_marker_style(row["position"])))
        table.add_row(*cells)
    chain = league.chain
    tail: list[RenderableType] = ["", Text("chain", style="bold"), pct(chain.score)]
    tail += [interval(chain), str(chain.visits)]
    if visits:
        tail.append(f"{chain.critical_failed} ({pct(chain.critical_fail_rate)})")
    if league.bands:
        tail.append(chain.rating or "—")
    tail.append("")
    table.add_section()
    table.add_row(*tail)
    return table


def section_grid(league: League) -> Table:
    """Sections down, branches across (league order): each cell the pooled weighted score."""
    table = Table(
        box=box.SIMPLE_HEAD, title="Section score by branch (league order)", title_justify="left"
    )
    table.add_column("Section", no_wrap=True)
    for b in league.branches:
        table.add_column(b.branch, justify="right", overflow="fold", min_width=6, max_width=12)
    table.add_column("chain", justify="right")
    for k, (section, _) in enumerate(league.sections):
        chain = league.chain.sections[k]
        cells: list[RenderableType] = [section]
        for b in league.branches:
            value = b.sections[k]
            low = value is not None and chain is not None and value < chain - 0.10
            cells.append(Text(pct(value), style="bold red" if low else ""))
        cells.append(Text(pct(chain), style="bold"))
        table.add_row(*cells)
    return table


def answers_line(c: ChecklistResult) -> str:
    """The answer cells' accounting."""
    shown = (
        f"Answers: {c.answers} cells over {len(c.visits)} visits · "
        f"{c.not_applicable} N/A · {c.not_assessed} blank (not assessed) · {c.invalid} invalid"
    )
    if c.broken_rows:
        shown += f" · {len(c.broken_rows)} row(s) unreadable"
    if c.repeated_visits:
        first, rows = c.repeated_visits[0]
        shown += (
            f" · {len(c.repeated_visits)} visit id(s) on more than one row, each row scored "
            f"as a visit (e.g. {first}: {rows} rows)"
        )
    return shown


def invalid_lines(c: ChecklistResult) -> list[str]:
    """The first invalid answers with their cells."""
    lines = [f"  {a.cell}: '{a.text}' ({a.item})" for a in c.invalid_answers[:SHOWN_INVALID]]
    if c.invalid > SHOWN_INVALID:
        lines.append(f"  ... and {c.invalid - SHOWN_INVALID} more (all in the JSON report)")
    lines += [f"  {b}" for b in c.broken_rows[:SHOWN_INVALID]]
    return lines


def terminal_blocks(card: Scorecard) -> list[RenderableType]:
    """The checklists' league tables, section grids and answers, then the weighted league."""
    parts: list[RenderableType] = []
    for c in card.checklists:
        parts.append(league_table(c.league, visits=True))
        if len(c.league.branches) >= 1:
            parts.append(section_grid(c.league))
        parts.append(
            Text(LEAGUE_LEGEND + "; grid: red = over 10 points below the chain", style="dim")
        )
        parts.append(Text(c.league.method, style="dim"))
        style = "yellow" if c.invalid or c.broken_rows else ""
        parts.append(Text("\n".join([answers_line(c), *invalid_lines(c)]), style=style))
        calm = calm_items(card)
        if calm:
            parts.append(
                Text(f"{len(calm)} of {len(c.items)} items met their target (JSON lists all)")
            )
        parts.append(Text())
    if card.overall is not None:
        parts += [league_table(card.overall, visits=False), Text()]
    return parts


def league_markdown(league: League, visits: bool, md: Callable[[object], str] = str) -> list[str]:
    """The league table as Markdown lines (``md`` escapes text)."""
    head = ["#", "Branch", "Score", "95% CI", "Visits" if visits else "n"]
    head += ["Critical fails"] if visits else []
    head += ["Rating"] if league.bands else []
    head.append("vs chain")
    lines = [f"### League of branches · {md(league.title)}", "", "| " + " | ".join(head) + " |"]
    lines.append("|" + "|".join("---" for _ in head) + "|")
    for row in league_rows(league, visits):
        cells = [row["rank"], md(row["branch"]), row["score"], row["interval"], str(row["n"])]
        cells += [row["critical"]] if visits else []
        cells += [row["rating"]] if league.bands else []
        cells.append(row["marker"] or "")
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", f"_{md(LEAGUE_LEGEND)}; {md(league.method)}._", ""]
    return lines


def section_markdown(league: League, md: Callable[[object], str] = str) -> list[str]:
    """The section x branch grid as Markdown lines."""
    head = ["Section", *(md(b.branch) for b in league.branches), "chain"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for k, (_, title) in enumerate(league.sections):
        cells = [md(title), *(pct(b.sections[k]) for b in league.branches)]
        cells.append(pct(league.chain.sections[k]))
        lines.append("| " + " | ".join(cells) + " |")
    return [*lines, ""]


def markdown_blocks(card: Scorecard, md: Callable[[object], str] = str) -> list[str]:
    """Every league (and section grid) of the scorecard as Markdown."""
    lines: list[str] = []
    for c in card.checklists:
        lines += [*league_markdown(c.league, True, md), "#### Section score by branch", ""]
        lines += [*section_markdown(c.league, md), md(answers_line(c)), ""]
    if card.overall is not None:
        lines += league_markdown(card.overall, False, md)
    return lines


def _score(b: BranchScore) -> dict[str, Any]:
    return {
        "branch": b.branch,
        "score": b.score,
        "ci_low": b.ci_low,
        "ci_high": b.ci_high,
        "visits": b.visits,
        "critical_failed": b.critical_failed,
        "critical_fail_rate": b.critical_fail_rate,
        "rating": b.rating,
        "position": b.position.value,
        "consistency": b.position.summary,
        "sections": list(b.sections),
    }


def league_dict(league: League) -> dict[str, Any]:
    """A league as JSON-ready data."""
    return {
        "title": league.title,
        "method": league.method,
        "bands": [{"name": n, "from": v} for n, v in league.bands],
        "sections": [s for s, _ in league.sections],
        "chain": _score(league.chain),
        "branches": [
            {"rank": r, **_score(b)} for r, b in zip(ranks(league), league.branches, strict=True)
        ],
    }


def checklists_dicts(card: Scorecard) -> list[dict[str, Any]]:
    """``checklists[]`` of the JSON report (each item's figures are in ``standards[]``)."""
    out = []
    for c in card.checklists:
        names = [s for s, _ in c.league.sections]
        out.append(
            {
                "id": c.id,
                "title": c.title,
                "file": c.path,
                "sheets": list(c.sheets),
                "critical_fails_visit": c.critical_fails_visit,
                "answers": {
                    "cells": c.answers,
                    "not_applicable": c.not_applicable,
                    "not_assessed": c.not_assessed,
                    "invalid": c.invalid,
                    "invalid_cells": [
                        {"cell": a.cell, "item": a.item, "text": a.text} for a in c.invalid_answers
                    ],
                    "unreadable_rows": list(c.broken_rows),
                    "repeated_visits": [{"visit": v, "rows": n} for v, n in c.repeated_visits],
                },
                "items": [
                    {
                        "id": i.id,
                        "section": i.section,
                        "weight": i.weight,
                        "critical": i.critical,
                        "column": i.column,
                    }
                    for i in c.items
                ],
                "sections": [
                    {"id": s, "title": t, "score": c.league.chain.sections[k]}
                    for k, (s, t) in enumerate(c.league.sections)
                ],
                "league": league_dict(c.league),
                "visits": [
                    {
                        "visit": v.visit,
                        "branch": v.branch,
                        "date": v.date,
                        "visitor": v.visitor,
                        "channel": v.channel,
                        "score": v.score,
                        "critical_failed": v.critical_failed,
                        "sections": dict(zip(names, v.sections, strict=True)),
                        "row": v.line,
                    }
                    for v in c.visits
                ],
            }
        )
    return out
