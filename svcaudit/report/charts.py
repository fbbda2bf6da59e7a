"""Charts for the HTML report: Vega-Lite specifications rendered to SVG in Python.

Why vl-convert (Vega-Lite rendered by the Vega project's own JavaScript, embedded in the
``vl-convert-python`` wheel): the charts are declarative specifications (data + encodings,
no drawing code of ours), rendered to static SVG at report time, with no network access and
no JavaScript in the page, so the report opens anywhere, offline, and cannot run script.
Matplotlib was the alternative; Vega-Lite gives labelled, accessible (``aria``) SVG with
less code, and one small wheel instead of a plotting stack.

Every chart is a pure function from scorecard values to a spec; ``svg()`` renders one.
Text in the data (branch names, titles) is escaped by Vega's SVG renderer, and the page
embeds each SVG as a ``data:`` image, which can never run script.
"""

from __future__ import annotations

import base64
import math
import re
from typing import Any

from svcaudit.consistency import Position, funnel_limits_many
from svcaudit.findings import BUCKETS, BUCKETS_PER_LIMIT, Distribution
from svcaudit.score import BranchResult, ConsistencyResult, StandardResult
from svcaudit.standards.model import Overdispersion
from svcaudit.units import MS_PER_UNIT, format_duration, format_percent

Spec = dict[str, Any]
Rows = list[dict[str, Any]]  # a chart's data: one dict a datum
SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"  # an identifier; never fetched
# Text is laid out when the SVG is rendered, with the fonts this machine has, and drawn by
# the viewer's: Liberation Sans has Arial's metrics, so labels fit wherever the page opens.
FONT = "Liberation Sans, Arial, Helvetica, sans-serif"
# with more branches, only those outside the limits are labelled, the furthest out first and
# at most this many: more would overlap unread (and each label costs ~1 ms to render)
MAX_LABELLED = 15
MAX_HEATMAP_BRANCHES = 60
# standards across the heatmap: those needing attention first. Each cell is a labelled
# rectangle (~0.5 ms to render): 800 standards x 60 branches took 30 s, 77,000 pixels wide
MAX_HEATMAP_STANDARDS = 40

POSITION_COLOURS = {
    Position.WITHIN.value: "#4c78a8",
    Position.ALERT_LOW.value: "#f58518",
    Position.ALARM_LOW.value: "#d62728",
    Position.ALERT_HIGH.value: "#2ca02c",
    Position.ALARM_HIGH.value: "#1b7a1b",
    Position.TOO_FEW.value: "#a0a0a0",
}
POSITION_SHAPES = {
    Position.WITHIN.value: "circle",
    Position.ALERT_LOW.value: "triangle-down",
    Position.ALARM_LOW.value: "triangle-down",
    Position.ALERT_HIGH.value: "triangle-up",
    Position.ALARM_HIGH.value: "triangle-up",
    Position.TOO_FEW.value: "diamond",
}
POSITION_WORDS = {
    Position.WITHIN.value: "within the limits",
    Position.ALERT_LOW.value: "alert: below the inner limit",
    Position.ALARM_LOW.value: "alarm: below the outer limit",
    Position.ALERT_HIGH.value: "above the inner limit",
    Position.ALARM_HIGH.value: "above the outer limit",
    Position.TOO_FEW.value: "too few to judge",
}


def svg_size(svg_text: str) -> tuple[int, int]:
    """The width and height Vega gave the SVG (for the ``<img>``, so layout never jumps)."""
    head = svg_text[: svg_text.find(">")]
    found = dict(re.findall(r'\b(width|height)="([0-9.]+)"', head))
    return round(float(found.get("width", 0))), round(float(found.get("height", 0)))


def data_uri(svg_text: str) -> str:
    """The SVG as a ``data:`` URI for an ``<img>``: isolated, script-free, self-contained."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg_text.encode("utf-8")).decode()


def _base(title: str, description: str, subtitle: str | None = None) -> Spec:
    head: dict[str, Any] = {"text": title, "anchor": "start"}
    if subtitle:
        head["subtitle"] = subtitle
    return {
        "$schema": SCHEMA,
        "title": head,
        "description": description,
        "background": "white",
        "config": {
            "font": FONT,
            "view": {"stroke": None},
            "axis": {"labelFontSize": 11, "titleFontSize": 12, "gridColor": "#e8e8e8"},
            "title": {"fontSize": 14, "subtitleFontSize": 11, "subtitleColor": "#555"},
            "legend": {"labelFontSize": 11, "titleFontSize": 11},
        },
    }


def funnel_spec(s: StandardResult) -> Spec | None:
    """Branch rate against number of interactions, chain rate, 95 % and 99.8 % limits."""
    c = s.consistency
    rated = [b for b in s.branches if b.counts.rate is not None and b.counts.n > 0]
    if c is None or c.chain_rate is None or not rated:
        return None
    p0 = c.chain_rate
    right = max(b.counts.n for b in rated) * 1.35  # room for the labels of the largest branches
    rates = [b.counts.rate for b in rated if b.counts.rate is not None]
    judged_lows = [b.limits.outer_low for b in rated if b.limits is not None]
    low = max(0.0, min([*rates, *judged_lows, p0, s.target]) - 0.03)
    y = {
        "field": "rate",
        "type": "quantitative",
        "title": "Rate (share that complied)",
        "scale": {"domain": [math.floor(low * 50) / 50, 1.0]},
        "axis": {"format": ".0%"},
    }
    x = {
        "field": "n",
        "type": "quantitative",
        "title": "Interactions (n)",
        "scale": {"domain": [0, round(right)], "nice": False},
        "axis": {"tickMinStep": 1, "format": "d"},  # whole interactions
    }
    spec = _base(
        f"{s.id}: funnel plot",
        _funnel_description(s, rated, p0, c.settings.limits),
        f"chain rate {format_percent(p0)} (solid), target {format_percent(s.target)} (dotted)",
    )
    spec |= {
        "width": 440,
        "height": 300,
        "layer": [
            _limits_layer(c, p0, rated, right, x, y),
            {
                "data": {"values": [{"rate": p0}]},
                "mark": {"type": "rule", "color": "#222", "strokeWidth": 1.5},
                "encoding": {"y": y},
            },
            {
                "data": {"values": [{"rate": s.target}]},
                "mark": {"type": "rule", "color": "#7b3294", "strokeDash": [2, 3], "clip": True},
                "encoding": {"y": y},
            },
            _points_layer(rated, p0, x, y),
        ],
    }
    return spec


def _funnel_description(
    s: StandardResult, rated: list[BranchResult], p0: float, levels: tuple[float, float]
) -> str:
    """The funnel plot in words, for its ``aria`` description: the limits, who is below."""
    inner, outer = levels
    flagged = [b for b in rated if b.position.is_low]
    return (
        f"Funnel plot of {s.id}: each branch's rate against its number of interactions, "
        f"with the chain rate {format_percent(p0)} and the {format_percent(inner)} and "
        f"{format_percent(outer)} control limits. "
        + (
            "Below the limits: "
            + "; ".join(
                f"{b.branch} {format_percent(b.counts.rate)} of {b.counts.n:,} "
                f"({POSITION_WORDS[b.position.value]})"
                for b in flagged
            )
            + "."
            if flagged
            else "No branch is below the limits."
        )
    )


def _limits_layer(
    c: ConsistencyResult, p0: float, rated: list[BranchResult], right: float, x: Spec, y: Spec
) -> Spec:
    """The control limits, low and high, inner dashed and outer solid, at 81 sample sizes
    spread evenly on a log scale up to ``right`` (widened if the branches are over-dispersed)."""
    inner, outer = c.settings.limits
    start = max(1, min(c.settings.min_interactions, *(b.counts.n for b in rated)))
    ns = sorted({round(start * (right / start) ** (i / 80)) for i in range(81)})
    method = c.settings.overdispersion if c.widened else Overdispersion.NONE
    limits = funnel_limits_many(
        ns, p0, c.settings.limits, method=method, phi=c.dispersion.phi, tau2=c.dispersion.tau2
    )
    inner_name, outer_name = f"{format_percent(inner)} limits", f"{format_percent(outer)} limits"
    lines: Rows = []
    for n, lim in zip(ns, limits, strict=True):
        lines += [
            {"n": n, "limit": lim.inner_low, "level": inner_name, "side": "low"},
            {"n": n, "limit": lim.inner_high, "level": inner_name, "side": "high"},
            {"n": n, "limit": lim.outer_low, "level": outer_name, "side": "low"},
            {"n": n, "limit": lim.outer_high, "level": outer_name, "side": "high"},
        ]
    return {
        "data": {"values": lines},
        "mark": {"type": "line", "clip": True},
        "encoding": {
            "x": x,
            "y": {**y, "field": "limit"},
            "detail": {"field": "side"},
            "strokeDash": {
                "field": "level",
                "title": "Control limits",
                "scale": {"domain": [inner_name, outer_name], "range": [[5, 3], [1, 0]]},
            },
            "color": {"value": "#888"},
        },
    }


def _points_layer(rated: list[BranchResult], p0: float, x: Spec, y: Spec) -> Spec:
    """The branches: points coloured and shaped by position, labelled (past ``MAX_LABELLED``
    branches, only the ``_furthest`` out)."""
    labelled = {b.branch for b in (rated if len(rated) <= MAX_LABELLED else _furthest(rated, p0))}
    points = [
        {
            "branch": b.branch,
            "n": b.counts.n,
            "rate": b.counts.rate,
            "position": b.position.value,
            "label": b.branch if b.branch in labelled else "",
        }
        for b in rated
    ]
    present = [p for p in POSITION_COLOURS if any(b.position.value == p for b in rated)]
    return {
        "data": {"values": points},
        "layer": [
            {
                "mark": {"type": "point", "filled": True, "size": 70, "clip": True},
                "encoding": {
                    "x": x,
                    "y": y,
                    "color": _by_position(present, POSITION_COLOURS),
                    "shape": _by_position(present, POSITION_SHAPES),
                },
            },
            {
                "mark": {"type": "text", "align": "left", "dx": 7, "fontSize": 10, "clip": True},
                "encoding": {"x": x, "y": y, "text": {"field": "label"}},
            },
        ],
    }


def _by_position(present: list[str], styles: dict[str, str]) -> Spec:
    """A channel (colour or shape) by branch position: the ``present`` ones, in ``styles``."""
    scale = {"domain": present, "range": [styles[p] for p in present]}
    return {"field": "position", "title": "Branch", "scale": scale}


def _furthest(rated: list[BranchResult], p0: float) -> list[BranchResult]:
    """The branches outside the limits to label: alarms before alerts, then the furthest
    from the chain rate, at most ``MAX_LABELLED``."""
    outside = [b for b in rated if b.position not in (Position.WITHIN, Position.TOO_FEW)]
    alarms = (Position.ALARM_LOW, Position.ALARM_HIGH)
    outside.sort(
        key=lambda b: (b.position not in alarms, -abs((b.counts.rate or 0.0) - p0), b.branch)
    )
    return outside[:MAX_LABELLED]


def _unit(d: Distribution) -> tuple[str, float]:
    """The unit the measure is shown in, and how many measure units make one of it."""
    if not d.measure_is_duration:
        return "", 1.0
    if d.limit >= 2 * MS_PER_UNIT["h"]:
        return "h", MS_PER_UNIT["h"]
    if d.limit >= 2 * MS_PER_UNIT["m"]:
        return "min", MS_PER_UNIT["m"]
    return "s", MS_PER_UNIT["s"]


def _shown(d: Distribution, value: float) -> str:
    return format_duration(value) if d.measure_is_duration else f"{value:g}"


def distribution_spec(d: Distribution, s: StandardResult) -> Spec | None:
    """A histogram of the measured values, the limit marked, failing buckets in red."""
    if d.total == 0:
        return None
    unit, size = _unit(d)
    bars = _bars(d, d.width / size)
    sign = "≤" if d.at_most else "≥"
    beyond = sum(b["count"] for b in bars if b["outcome"] == "beyond the limit")
    over = d.counts[-1]
    description = (
        f"Histogram of {s.id}'s measured values in {len(bars)} buckets of "
        f"{_shown(d, d.width)}, with the limit {sign} {_shown(d, d.limit)} marked: "
        f"{d.total:,} measured, {beyond:,} beyond the limit"
        + (
            f"; the last bar holds the {over:,} beyond {_shown(d, BUCKETS * d.width)}."
            if over
            else "."
        )
    )
    spec = _base(
        f"{s.id}: distribution of the measure",
        description,
        f"limit {sign} {_shown(d, d.limit)}; {d.total:,} measured"
        + (f"; last bar: beyond {_shown(d, BUCKETS * d.width)}" if over else ""),
    )
    spec |= {"width": 340, "height": 300, "layer": _histogram_layers(d, bars, unit, size)}
    return spec


def _bars(d: Distribution, width: float) -> Rows:
    """The histogram's bars, ``width`` wide in the unit shown, each with its outcome and its
    range in words; the open-ended buckets (below zero, past the last) only if not empty."""
    bars: Rows = []
    for index, count in zip(range(-1, BUCKETS + 1), d.counts, strict=True):
        if index in (-1, BUCKETS) and not count:
            continue
        start = index * width if index < BUCKETS else BUCKETS * width
        passes = index < BUCKETS_PER_LIMIT if d.at_most else index >= BUCKETS_PER_LIMIT
        low, high = d.bucket_edges(index)
        if low is None:
            label = f"{'≤' if d.at_most else '<'} 0"
        elif high is None:
            label = f"{'>' if d.at_most else '≥'} {_shown(d, low)}"
        else:
            label = f"{_shown(d, low)}–{_shown(d, high)}"
        bars.append(
            {
                "start": start,
                "end": start + width,
                "count": count,
                "outcome": "within the limit" if passes else "beyond the limit",
                "label": label,
            }
        )
    return bars


def _histogram_layers(d: Distribution, bars: Rows, unit: str, size: float) -> list[Spec]:
    """The bars (blue within the limit, red beyond) and the limit as a labelled rule, on
    axes in ``unit`` (``size`` measure units each)."""
    top = max(d.counts)
    # whole interactions: with few, tick every count (Vega would place ticks at halves)
    count_axis: dict[str, Any] = (
        {"values": list(range(top + 1)), "format": "d"} if top <= 10 else {}
    )
    at_limit = {"x": {"field": "limit", "type": "quantitative"}}
    return [
        {
            "data": {"values": bars},
            "mark": {"type": "bar", "binSpacing": 1, "stroke": "white", "strokeWidth": 0.5},
            "encoding": {
                "x": {
                    "field": "start",
                    "type": "quantitative",
                    "title": f"Measured value ({unit})" if unit else "Measured value",
                },
                "x2": {"field": "end"},
                "y": {
                    "field": "count",
                    "type": "quantitative",
                    "title": "Interactions",
                    "axis": count_axis,
                },
                "y2": {"datum": 0},
                "color": {
                    "field": "outcome",
                    "title": None,
                    "scale": {
                        "domain": ["within the limit", "beyond the limit"],
                        "range": ["#4c78a8", "#d62728"],
                    },
                    "legend": {"orient": "top-right"},
                },
            },
        },
        {
            "data": {"values": [{"limit": d.limit / size, "text": f"limit {_shown(d, d.limit)}"}]},
            "layer": [
                {"mark": {"type": "rule", "color": "#111", "strokeWidth": 2}, "encoding": at_limit},
                {
                    "mark": {
                        "type": "text",
                        "align": "left",
                        "dx": 4,
                        "y": 8,
                        "fontWeight": "bold",
                    },
                    "encoding": {**at_limit, "text": {"field": "text"}},
                },
            ],
        },
    ]


def heatmap_spec(
    standards: tuple[StandardResult, ...],
    order: list[str],
    markers: dict[Position, str],
    attention: list[str] | None = None,
) -> Spec | None:
    """Branches down (worst first), standards across; colour: branch rate minus chain rate.

    ``order``: the branches, worst first; ``attention``: the standards' ids, those needing
    attention first (past ``MAX_HEATMAP_STANDARDS``, the first ones are shown, in file order).
    """
    if len(order) < 2:
        return None
    shown = order[:MAX_HEATMAP_BRANCHES]
    total = len(standards)
    if total > MAX_HEATMAP_STANDARDS:
        first = set((attention or [s.id for s in standards])[:MAX_HEATMAP_STANDARDS])
        standards = tuple(s for s in standards if s.id in first)
    cells = _heatmap_cells(standards, shown, markers)
    if not cells:
        return None
    most = max(0.05, min(0.3, max(abs(c["gap"]) for c in cells)))
    for c in cells:  # white text on the darkest colours, for contrast
        c["strong"] = abs(c["gap"]) > 0.45 * most
    cut = [f"the {len(shown)} worst of {len(order)}"] if len(order) > len(shown) else []
    if len(standards) < total:
        cut.append(f"{len(standards)} of {total:,} standards, those needing attention first")
    more = f" ({'; '.join(cut)})" if cut else ""
    description = (
        f"Heatmap of branch rates{more} by standard; colour shows each branch's rate minus "
        "the chain rate (red below, blue above). The same numbers are in the tables of each "
        "standard below."
    )
    spec = _base(
        "Rate by branch and standard" + more,
        description,
        "colour: difference from the chain rate; ▼ alert, ▼▼ alarm, ▲ above, · too few",
    )
    x = {
        "field": "standard",
        "type": "nominal",
        "sort": [s.id for s in standards],
        "title": None,
        "axis": {"orient": "top", "labelAngle": -30, "labelLimit": 160},
    }
    y = {"field": "branch", "type": "nominal", "sort": shown, "title": None}
    spec |= {
        "data": {"values": cells},
        "width": {"step": 96},
        "height": {"step": 24},
        "encoding": {"x": x, "y": y},
        "layer": heatmap_layers(most),
    }
    return spec


def _heatmap_cells(
    standards: tuple[StandardResult, ...], shown: list[str], markers: dict[Position, str]
) -> Rows:
    """One cell per standard and ``shown`` branch with a rate: the branch's rate minus the
    chain rate, and its rate as text with the marker of its position."""
    cells: Rows = []
    for s in standards:
        chain = s.counts.rate
        for b in s.branches:
            if b.branch not in shown or b.counts.rate is None or chain is None:
                continue
            cells.append(
                {
                    "standard": s.id,
                    "branch": b.branch,
                    "gap": b.counts.rate - chain,
                    "text": format_percent(b.counts.rate) + markers.get(b.position, ""),
                }
            )
    return cells


def heatmap_layers(most: float) -> list[Spec]:
    """The cells: rectangles red (below) to blue (above) over ±``most``, and their text."""
    return [
        {
            "mark": {"type": "rect", "stroke": "white"},
            "encoding": {
                "color": {
                    "field": "gap",
                    "type": "quantitative",
                    "title": "vs chain",
                    "scale": {"scheme": "redblue", "domain": [-most, most]},
                    "legend": {"format": "+.0%"},
                }
            },
        },
        {
            "mark": {"type": "text", "fontSize": 11},
            "encoding": {
                "text": {"field": "text"},
                "color": {
                    "condition": {"test": "datum.strong", "value": "white"},
                    "value": "#111",
                },
            },
        },
    ]
