"""The HTML report's checklist charts: a league of branches with intervals, a section heatmap.

Vega-Lite specs, drawn offline as SVG by ``svcaudit.drawing`` like the other charts.
"""

from __future__ import annotations

from typing import Any

from svcaudit.league import League
from svcaudit.report.charts import (
    FONT,
    POSITION_COLOURS,
    POSITION_WORDS,
    SCHEMA,
    heatmap_layers,
)
from svcaudit.units import format_percent

Spec = dict[str, Any]
MAX_BRANCHES = 60


def _base(title: str, description: str) -> Spec:
    return {
        "$schema": SCHEMA,
        "title": {"text": title, "anchor": "start"},
        "description": description,
        "background": "white",
        "config": {
            "font": FONT,
            "view": {"stroke": None},
            "axis": {"labelFontSize": 11, "titleFontSize": 12, "gridColor": "#e8e8e8"},
            "title": {"fontSize": 14},
            "legend": {"labelFontSize": 11, "titleFontSize": 11},
        },
    }


def league_spec(league: League) -> Spec | None:
    """Each branch's score as a point with its interval as a bar, best at the top, and the
    chain's score as a vertical rule; colour: the branch's position against the chain."""
    rows = [b for b in league.branches if b.score is not None][:MAX_BRANCHES]
    if not rows:
        return None
    values: list[dict[str, Any]] = [
        {
            "branch": b.branch,
            "score": b.score,
            "low": b.ci_low if b.ci_low is not None else b.score,
            "high": b.ci_high if b.ci_high is not None else b.score,
            "position": b.position.value,
            "label": format_percent(b.score),
        }
        for b in rows
    ]
    chain = league.chain.score
    low = max(0.0, min(float(v["low"]) for v in values) - 0.05)
    x = {
        "type": "quantitative",
        "scale": {"domain": [low, 1.0]},
        "axis": {"format": ".0%"},
        "title": "score (95% interval)",
    }
    y = {"field": "branch", "type": "nominal", "sort": [v["branch"] for v in values], "title": None}
    colour = {
        "field": "position",
        "type": "nominal",
        "title": "vs chain",
        "scale": {"domain": list(POSITION_COLOURS), "range": list(POSITION_COLOURS.values())},
        "legend": {"labelExpr": _words()},
    }
    spec = _base(
        f"League of branches · {league.title}",
        f"Each branch's score with its 95% interval, best first; the vertical line is the "
        f"chain's score ({format_percent(chain)}). {league.method[:1].upper()}{league.method[1:]}.",
    )
    spec |= {
        "data": {"values": values},
        "width": 520,
        "height": {"step": 22},
        "layer": [
            {
                "mark": {"type": "rule", "strokeWidth": 2},
                "encoding": {
                    "x": {**x, "field": "low"},
                    "x2": {"field": "high"},
                    "y": y,
                    "color": colour,
                },
            },
            {
                "mark": {"type": "point", "filled": True, "size": 70},
                "encoding": {"x": {**x, "field": "score"}, "y": y, "color": colour},
            },
            {
                "mark": {"type": "text", "align": "left", "dx": 8, "dy": -8, "fontSize": 10},
                "encoding": {"x": {**x, "field": "score"}, "y": y, "text": {"field": "label"}},
            },
            *(
                [
                    {
                        "data": {"values": [{"chain": chain}]},
                        "mark": {"type": "rule", "strokeDash": [4, 3], "color": "#333"},
                        "encoding": {"x": {**x, "field": "chain"}},
                    }
                ]
                if chain is not None
                else []
            ),
        ],
    }
    return spec


def _words() -> str:
    pairs = ", ".join(f"'{k}': '{v}'" for k, v in POSITION_WORDS.items())
    return f"({{{pairs}}})[datum.label] || datum.label"


def section_heatmap_spec(league: League) -> Spec | None:
    """Sections down, branches across (league order); colour: the section's score in the
    branch minus the chain's, red below; text: the score."""
    branches = league.branches[:MAX_BRANCHES]
    cells: list[dict[str, Any]] = []
    for k, (_, title) in enumerate(league.sections):
        chain = league.chain.sections[k]
        for b in branches:
            value = b.sections[k]
            if value is None or chain is None:
                continue
            gap = value - chain
            cells.append(
                {"section": title, "branch": b.branch, "gap": gap, "text": format_percent(value)}
            )
    if not cells:
        return None
    most = max(0.05, min(0.3, max(abs(c["gap"]) for c in cells)))
    for c in cells:
        c["strong"] = abs(c["gap"]) > 0.45 * most
    spec = _base(
        "Section score by branch",
        "Each section's weighted score (met weights over assessed weights, over the branch's "
        "visits) by branch, branches in league order; colour shows the difference from the "
        "chain's section score (red below, blue above). The same numbers are in the table.",
    )
    spec |= {
        "data": {"values": cells},
        "width": {"step": 90},
        "height": {"step": 26},
        "encoding": {
            "x": {
                "field": "branch",
                "type": "nominal",
                "sort": [b.branch for b in branches],
                "title": None,
                "axis": {"orient": "top", "labelAngle": -30, "labelLimit": 160},
            },
            "y": {
                "field": "section",
                "type": "nominal",
                "sort": [t for _, t in league.sections],
                "title": None,
            },
        },
        "layer": heatmap_layers(most),
    }
    return spec
