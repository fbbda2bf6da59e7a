"""The terminal's period view (``--period``): a line per standard with its control chart's
signals, then the branches that got worse, one line each."""

from __future__ import annotations

from rich.text import Text

from svcaudit.report.spc_view import (
    LEGEND,
    assurance_text,
    branch_lines,
    marks,
    signal_text,
    spark_line,
)
from svcaudit.score import Scorecard
from svcaudit.spc import Chart
from svcaudit.trend import StandardTrend

ID_WIDTH = 16
RATES_FROM = 120  # at this width or more the line shows the rates, not a spark line


def _style(mark: tuple[str, bool] | None) -> str:
    if mark is None:
        return ""
    if mark[0] == "·":
        return "dim"
    return "bold red" if mark[1] else "bold green"


def _line(t: StandardTrend, width: int) -> Text:
    """``id  <spark line or rates>  latest rate (centre, limits)``."""
    points = t.chart.points
    found = marks(t.chart)
    text = Text(f"  {t.id[:ID_WIDTH]:<{ID_WIDTH}} ")
    latest = t.chart.latest
    tail = ""
    if latest is not None:
        p = points[latest]
        tail = f" {t.labels[latest]} {100 * (p.rate or 0):.1f}%"
        if (
            width >= RATES_FROM
            and p.low is not None
            and p.high is not None
            and p.centre is not None
        ):
            kind = " p'" if t.chart.chart == Chart.P_PRIME else ""
            tail += f" (centre {100 * p.centre:.1f}%, {100 * p.low:.1f}-{100 * p.high:.1f}%{kind})"
    room = max(8, width - len(text) - len(tail) - 1)
    if width >= RATES_FROM:
        cells = [
            (f"{100 * p.rate:5.1f}" if p.rate is not None else "    -") + (m[0] if m else " ")
            for p, m in zip(points, found, strict=True)
        ]
        keep = max(1, room // 7)
        for cell, m in list(zip(cells, found, strict=True))[-keep:]:
            text.append(cell + " ", style=_style(m))
    else:
        spark = spark_line(points)[-room:]
        for ch, m in zip(spark, found[-len(spark) :], strict=True):
            text.append(ch if m is None or m[0] == "·" else m[0], style=_style(m) or "cyan")
    text.append(tail, style="dim")
    return text


def periods_block(card: Scorecard, width: int) -> Text | None:
    """The period view of every standard, its signals reaching the latest period, the
    assurance note, and the branches with a concern."""
    if not card.trends:
        return None
    first = card.trends[0]
    text = Text(
        f"By {first.unit.value}, {first.labels[0]} to {first.labels[-1]} "
        "(control limits from the baseline)\n",
        style="bold",
    )
    text.append(f"  {LEGEND}\n", style="dim")
    worse: list[str] = []
    better: list[str] = []
    for t in card.trends:
        text.append_text(_line(t, width))
        text.append("\n")
        for s in t.chart.signals:
            if s.last == t.chart.latest:
                style = "red" if s.concern else "green"
                text.append(f"    {signal_text(t, t.chart, s)}\n", style=style)
        note = assurance_text(t)
        if note:
            text.append(f"    {note}\n", style="dim")
        worse += branch_lines(t)
        better += branch_lines(t, concern=False)
    for line in worse:
        text.append(f"  {line}\n", style="red")
    for line in better:
        text.append(f"  {line}\n", style="green")
    return text


__all__ = ["periods_block"]
