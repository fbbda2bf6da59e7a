"""The HTML report's control chart of a standard (``--period``): a Vega-Lite spec, drawn
offline like the other charts (``svcaudit.drawing``).

The chain's rate by period as a line with a point per period, coloured by what the Making
Data Count rules make of it (concern, improvement, common cause, too few to judge); the centre
line; the 3-sigma limits at each period's n as a stepped band; the target as a dashed rule.
"""

from __future__ import annotations

from typing import Any

from svcaudit.report.charts import Rows, Spec, _base
from svcaudit.report.spc_view import signal_text
from svcaudit.score import StandardResult
from svcaudit.spc import Chart
from svcaudit.trend import StandardTrend
from svcaudit.units import format_percent

KINDS = ["concern", "improvement", "common cause", "too few to judge"]
COLOURS = ["#d62728", "#1f77b4", "#7f7f7f", "#c7c7c7"]


def _rows(t: StandardTrend) -> Rows:
    """One datum per period: its rate, centre line and limits, and its kind."""
    c = t.chart
    kind = ["common cause" if p.judged else "too few to judge" for p in c.points]
    for s in c.signals:  # concerns win over improvements where both cover a period
        for i in range(s.first, s.last + 1):
            if c.points[i].judged and kind[i] != "concern":
                kind[i] = "concern" if s.concern else "improvement"
    return [
        {
            "period": label,
            "rate": p.rate,
            "centre": p.centre,
            "low": p.low,
            "high": p.high,
            "n": p.n,
            "kind": kind[i],
            "text": format_percent(p.rate) if p.rate is not None else "no interactions",
        }
        for i, (label, p) in enumerate(zip(t.labels, c.points, strict=True))
    ]


def _description(t: StandardTrend, s: StandardResult) -> str:
    c = t.chart
    kind = "Laney p′ chart" if c.chart == Chart.P_PRIME else "p chart"
    base = [t.labels[i] for i, p in enumerate(c.points) if p.baseline]
    centre = next((p.centre for p in c.points if p.centre is not None), None)
    text = (
        f"{kind} of {s.id}'s chain rate by {t.unit.value}, {t.labels[0]} to {t.labels[-1]}; "
        f"centre line {format_percent(centre)}"
        + (f" from the baseline {base[0]} to {base[-1]}" if base else "")
        + "; limits at 3 sigma for each period's interactions. "
    )
    latest = c.latest
    if latest is not None:
        p = c.points[latest]
        text += f"Latest {t.labels[latest]}: {format_percent(p.rate)} of {p.n:,}. "
    signals = [signal_text(t, c, sig) for sig in c.signals]
    text += ("Signals: " + "; ".join(signals) + ". ") if signals else "No signal. "
    if t.assurance is not None:
        text += f"The target {format_percent(t.target)} lies {t.assurance} the limits."
    return text


def control_spec(t: StandardTrend, s: StandardResult) -> Spec:
    """The control chart of ``t`` (the standard ``s``)."""
    kind = "p′" if t.chart.chart == Chart.P_PRIME else "p"
    spec = _base(
        f"{s.id} by {t.unit.value}: control chart ({kind})",
        _description(t, s),
        "red: concern, blue: improvement (Making Data Count rules); band: 3-sigma limits; "
        "dashed: target",
    )
    x: dict[str, Any] = {
        "field": "period",
        "type": "ordinal",
        "sort": list(t.labels),
        "title": None,
        "axis": {"labelAngle": -45, "labelOverlap": True},
    }
    y = {
        "type": "quantitative",
        "title": "Rate",
        "axis": {"format": ".0%"},
        "scale": {"zero": False},
    }
    spec |= {
        "width": max(340, min(900, 22 * len(t.labels))),
        "height": 260,
        "data": {"values": _rows(t)},
        "layer": [
            {
                "mark": {
                    "type": "area",
                    "interpolate": "step",
                    "opacity": 0.15,
                    "color": "#1f77b4",
                },
                "encoding": {"x": x, "y": {"field": "low", **y}, "y2": {"field": "high"}},
            },
            {
                "mark": {"type": "line", "color": "#555", "strokeDash": [1, 0], "strokeWidth": 1},
                "encoding": {"x": x, "y": {"field": "centre", **y}},
            },
            {
                "mark": {"type": "line", "color": "#999", "strokeWidth": 1.5},
                "encoding": {"x": x, "y": {"field": "rate", **y}},
            },
            {
                "mark": {"type": "point", "filled": True, "size": 50},
                "encoding": {
                    "x": x,
                    "y": {"field": "rate", **y},
                    "color": {
                        "field": "kind",
                        "title": None,
                        "scale": {"domain": KINDS, "range": COLOURS},
                        "legend": {"orient": "bottom"},
                    },
                    "tooltip": [{"field": "period"}, {"field": "text"}, {"field": "n"}],
                },
            },
            {
                "data": {"values": [{"target": t.target}]},
                "mark": {"type": "rule", "color": "#111", "strokeDash": [4, 3]},
                "encoding": {"y": {"field": "target", "type": "quantitative"}},
            },
        ],
    }
    return spec


__all__ = ["control_spec"]
