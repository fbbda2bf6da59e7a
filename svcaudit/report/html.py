"""``--format html``: one self-contained page a quality lead can open offline and share.

Everything is inline: the styles, the charts (SVG as ``data:`` images, see ``charts``) and the
report's data as a JSON island (``<script type="application/json">``, never run). A Content
Security Policy forbids scripts and any network access, so even a hostile branch name could
not run; still, every user-supplied string is escaped with ``html.escape`` where it is put.
The numbers are the JSON report's: each table row carries them as ``data-`` attributes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from html import escape
from typing import Any

from rich.console import Console

from svcaudit import __version__, drawing
from svcaudit.report import charts
from svcaudit.report.base import Formatter, Needs, write_document
from svcaudit.report.charts import Spec
from svcaudit.report.csv_files import value_text
from svcaudit.report.json import scorecard_dict
from svcaudit.report.summary import (
    MARKER_LEGEND,
    MARKERS,
    Level,
    branch_order,
    pct,
    problems,
    rows_text,
    verdict_parts,
)
from svcaudit.score import Breaches, Distribution, Scorecard, StandardResult, Status

SHOWN_REJECTS = 20
MAX_CHARTED = 100  # standards with a funnel plot (each chart takes ~0.1 s to render)
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'"
STATUS_CLASS = {
    Status.MET: "met",
    Status.BREACHED: "breached",
    Status.WARNING: "warning",
    Status.NO_DATA: "nodata",
}
STYLE = """
:root { --fg: #1b1b1b; --muted: #555; --line: #d9d9d9; --bad: #b3161b; --warn: #8a5a00;
        --good: #1e6b2f; --bg-soft: #f6f7f9; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       color: var(--fg); margin: 0 auto; padding: 1.5rem 2rem 3rem; max-width: 1280px; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.3rem; margin: 2.2rem 0 .6rem; padding-top: .6rem;
     border-top: 2px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
a { color: #0b57d0; }
a:focus-visible, summary:focus-visible, [tabindex]:focus-visible { outline: 3px solid #0b57d0;
       outline-offset: 2px; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: .5rem; background: #fff; padding: .3rem .6rem; }
.meta { color: var(--muted); margin: 0 0 1rem; }
.verdict { font-size: 1.1rem; padding: .7rem 1rem; border-radius: 6px; background: var(--bg-soft);
           border-left: 6px solid var(--good); }
.verdict.breach { border-left-color: var(--bad); }
.level-error { color: var(--bad); font-weight: 600; }
.level-warning { color: var(--warn); }
.level-good { color: var(--good); font-weight: 600; }
.level-notice { color: var(--muted); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: .4rem 0 1rem; font-variant-numeric: tabular-nums;
        font-size: .92rem; }
th .title { display: block; font-weight: normal; color: var(--muted); min-width: 14rem;
            max-width: 24rem; }
th a { white-space: nowrap; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { padding: .3rem .6rem; border-bottom: 1px solid var(--line); text-align: left;
         vertical-align: top; }
thead th { background: var(--bg-soft); border-bottom: 2px solid var(--line); }
td.num, th.num { text-align: right; white-space: nowrap; }
.status { font-weight: 600; white-space: nowrap; }
.status.breached { color: var(--bad); } .status.warning { color: var(--warn); }
.status.met { color: var(--good); } .status.nodata { color: var(--muted); }
.pos-alarm-low { color: var(--bad); font-weight: 600; } .pos-alert-low { color: var(--warn); }
.pos-alert-high, .pos-alarm-high { color: var(--good); } .pos-too-few { color: var(--muted); }
figure { margin: .5rem 0 1rem; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 4px; }
figcaption { color: var(--muted); font-size: .9rem; max-width: 70ch; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem 2rem; align-items: flex-start; }
.charts figure, figure.wide { flex: 0 1 auto; width: min-content; }
.charts img, figure.wide img { max-width: none; }
.charts { overflow-x: auto; }
nav ul { columns: 3 16rem; padding-left: 1.2rem; }
details summary { cursor: pointer; font-weight: 600; }
.note { color: var(--muted); font-size: .9rem; }
ul.problems li { margin: .15rem 0; }
@media print { .skip { display: none; } h2 { break-before: auto; } figure { break-inside: avoid; } }
"""


def _e(value: object) -> str:
    """Escaped text for an element or a quoted attribute."""
    return escape("" if value is None else str(value), quote=True)


def _attr(value: Any) -> str:
    """A number or flag for a ``data-`` attribute: exact (repr), empty for none."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _e(repr(value) if isinstance(value, float) else value)


def json_island(data: Any) -> str:
    """JSON safe inside ``<script type="application/json">``: no ``</script>`` or ``<!--``."""
    text = json.dumps(data, ensure_ascii=False, indent=None, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _figure(
    spec: dict[str, Any] | None, figure_id: str, drawn: Mapping[str, str], extra: str = ""
) -> str:
    if spec is None:
        return ""
    title = spec["title"]["text"]
    description = spec["description"]
    width, height = charts.svg_size(drawn[figure_id])
    return (
        f'<figure class="chart{extra}" id="{_e(figure_id)}">'
        f'<img src="{charts.data_uri(drawn[figure_id])}" width="{width}" height="{height}" '
        f'alt="{_e(title)}. {_e(description)}">'
        f"<figcaption>{_e(description)}</figcaption></figure>"
    )


def _verdict(card: Scorecard) -> str:
    parts = "".join(
        f'<span class="level-{p.level.value}">{_e(p.text)}</span>' for p in verdict_parts(card)
    )
    kind = "breach" if card.verdict == "breach" else "pass"
    return f'<p class="verdict {kind}" id="verdict" data-verdict="{_e(card.verdict)}">{parts}</p>'


def _rows(card: Scorecard) -> str:
    r = card.rows
    cells = [
        ("read", r.read),
        ("evaluated", r.evaluated),
        ("rejected", r.rejected),
        ("merged", r.merged),
        ("outside", r.outside),
    ]
    head = "".join(f'<th scope="col" class="num">{name}</th>' for name, _ in cells)
    body = "".join(f'<td class="num" data-{name}="{n}">{n:,}</td>' for name, n in cells)
    return (
        f'<p id="rows-text">{_e(rows_text(card))}</p>'
        '<div class="scroll"><table id="rows"><caption>Rows</caption>'
        f"<thead><tr>{head}</tr></thead><tbody><tr>{body}</tr></tbody></table></div>"
    )


def _standards_table(card: Scorecard) -> str:
    heads = [
        ("Standard", ""),
        ("Limit", ""),
        ("Rate", "num"),
        ("Target", "num"),
        ("95% CI", "num"),
        ("In scope", "num"),
        ("Passed", "num"),
        ("Failed", "num"),
        ("No value", "num"),
        ("Status", ""),
        ("Consistency", ""),
        ("Worst branch", ""),
    ]
    head = "".join(f'<th scope="col" class="{c}">{h}</th>' for h, c in heads)
    rows = []
    for s in card.standards:
        c = s.counts
        worst = s.worst_branch
        worst_text = (
            f"{_e(worst.branch)} {pct(worst.counts.rate)}"
            if worst is not None and len(s.branches) > 1
            else "—"
        )
        ci = f"{pct(c.ci_low)}–{pct(c.ci_high)}" if c.rate is not None else "—"
        data = " ".join(
            f'data-{k}="{_attr(v)}"'
            for k, v in (
                ("in-scope", c.in_scope),
                ("passed", c.passed),
                ("failed", c.failed),
                ("unmeasured", c.unmeasured),
                ("rate", c.rate),
                ("ci-low", c.ci_low),
                ("ci-high", c.ci_high),
                ("target", s.target),
                ("met", s.met),
                ("status", s.status.value),
            )
        )
        rows.append(
            f'<tr data-standard="{_e(s.id)}" {data}>'
            f'<th scope="row"><a href="#std-{_e(s.id)}">{_e(s.id)}</a>'
            f'<span class="title">{_e(s.title)}</span></th><td class="num">{_e(s.limit)}</td>'
            f'<td class="num">{pct(c.rate)}</td><td class="num">{pct(s.target)}</td>'
            f'<td class="num">{ci}</td><td class="num">{c.in_scope:,}</td>'
            f'<td class="num">{c.passed:,}</td><td class="num">{c.failed:,}</td>'
            f'<td class="num">{c.unmeasured:,}</td>'
            f'<td class="status {STATUS_CLASS[s.status]}">{_e(s.status.value)}</td>'
            f"<td>{_e(s.consistency_status.value)}</td><td>{worst_text}</td></tr>"
        )
    return (
        '<div class="scroll" tabindex="0" role="region" aria-labelledby="standards-caption">'
        '<table id="standards"><caption id="standards-caption">Every standard: its rate '
        "against its target, and whether branches deliver it consistently</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _branches_table(s: StandardResult) -> str:
    heads = ["Branch", "Rate", "n", "95% CI", "Target met", "Funnel position", "Limits (low)"]
    head = "".join(
        f'<th scope="col" class="{"num" if i in (1, 2, 3) else ""}">{h}</th>'
        for i, h in enumerate(heads)
    )
    rows = []
    for b in sorted(s.branches, key=lambda b: (b.counts.rate is None, b.counts.rate or 0.0)):
        c = b.counts
        limits = f"{pct(b.limits.inner_low)} / {pct(b.limits.outer_low)}" if b.limits else "—"
        met = "—" if b.met is None else ("yes" if b.met else "no")
        marker = MARKERS[b.position]
        rows.append(
            f'<tr data-branch="{_e(b.branch)}" data-in-scope="{c.in_scope}" '
            f'data-passed="{c.passed}" data-rate="{_attr(c.rate)}" '
            f'data-consistency="{_e(b.position.summary)}">'
            f'<th scope="row">{_e(b.branch)}</th><td class="num">{pct(c.rate)}</td>'
            f'<td class="num">{c.n:,}</td>'
            f'<td class="num">{pct(c.ci_low)}–{pct(c.ci_high)}</td><td>{met}</td>'
            f'<td class="pos-{b.position.value}">{_e(marker)} {_e(b.position.value)}</td>'
            f"<td>{limits}</td></tr>"
        )
    return (
        f'<details><summary>Branches of {_e(s.id)} (table)</summary><div class="scroll">'
        f'<table class="branches" data-standard="{_e(s.id)}"><caption>{_e(s.id)} by branch, '
        "lowest rate first; limits: inner / outer funnel limit below the chain</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div></details>"
    )


def _worst_table(found: Breaches | None, s: StandardResult) -> str:
    if found is None:
        return (
            '<p class="note">Not listed in this report: '
            f"<code>svcaudit explain {_e(s.id)} LOG -s STANDARDS</code> lists them.</p>"
        )
    if not found.rows:
        return '<p class="note">No breaching interactions.</p>'
    heads = ["Branch", "Interaction", "Value", "File", *found.columns]
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in heads)
    files = found.files or (None,) * len(found.rows)
    rows = []
    for row, source in zip(found.rows, files, strict=True):
        branch, ident, value = row[:3]
        cells = [value_text(value, found.measure_is_duration), source, *found.cells(row)]
        rows.append(
            f'<tr><th scope="row">{_e(branch)}</th><td>{_e(ident)}</td>'
            + "".join(f"<td>{_e(v)}</td>" for v in cells)
            + "</tr>"
        )
    total = s.counts.failed + (s.counts.unmeasured if s.counts.n == s.counts.in_scope else 0)
    return (
        '<div class="scroll" tabindex="0" role="region" '
        f'aria-label="Worst breaching interactions of {_e(s.id)}">'
        f'<table class="worst" data-standard="{_e(s.id)}"><caption>The {len(found.rows)} worst '
        f"of {total:,} breaching interactions ({_e(found.limit)}); all of them: "
        "<code>svcaudit explain</code> or <code>--violations PATH.csv</code></caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _specs(s: StandardResult, dist: Distribution | None, charted: bool) -> dict[str, Spec]:
    """A standard's charts, by figure id: its funnel plot and its measure's distribution."""
    funnel = charts.funnel_spec(s) if len(s.branches) > 1 and charted else None
    histogram = charts.distribution_spec(dist, s) if dist is not None else None
    found = {f"funnel-{s.id}": funnel, f"distribution-{s.id}": histogram}
    return {figure: spec for figure, spec in found.items() if spec is not None}


def _standard_section(
    s: StandardResult,
    specs: Mapping[str, Spec],
    drawn: Mapping[str, str],
    worst: Breaches | None,
    lines: list[str],
) -> str:
    c = s.counts
    status = STATUS_CLASS[s.status]
    figures = "".join(
        _figure(specs.get(f"{kind}-{s.id}"), f"{kind}-{s.id}", drawn)
        for kind in ("funnel", "distribution")
    )
    summary = (
        f"{pct(c.rate)} of {c.n:,} against a target of {pct(s.target)} "
        f"(95% CI {pct(c.ci_low)}–{pct(c.ci_high)})"
        if c.rate is not None
        else "no interactions in scope" + (f" ({_e(s.note)})" if s.note else "")
    )
    problems_html = (
        '<ul class="problems">' + "".join(lines) + "</ul>"
        if lines
        else '<p class="note">Every judged branch is within the funnel limits.</p>'
        if s.consistency is not None and s.consistency.judged >= 2
        else ""
    )
    return (
        f'<section id="std-{_e(s.id)}" aria-labelledby="h-{_e(s.id)}">'
        f'<h2 id="h-{_e(s.id)}">{_e(s.id)}: {_e(s.title)}</h2>'
        f'<p><span class="status {status}">{_e(s.status.value)}</span> · limit {_e(s.limit)} · '
        f"{summary} · {_e(s.path)}{':' + str(s.line) if s.line else ''}</p>"
        f'<div class="charts">{figures}</div>{problems_html}'
        + (
            f"{_branches_table(s)}<h3>Worst breaching interactions</h3>{_worst_table(worst, s)}"
            if c.rate is not None
            else ""
        )
        + "</section>"
    )


def _rejects(card: Scorecard) -> str:
    if not card.rows.rejected:
        return ""
    rows = "".join(
        f"<tr><td>{_e(r.file)}</td><td class='num'>{_e(r.line)}</td><td>{_e(r.reason)}</td></tr>"
        for r in card.rejects[:SHOWN_REJECTS]
    )
    more = card.rows.rejected - min(SHOWN_REJECTS, len(card.rejects))
    tail = f'<p class="note">… and {more:,} more (--rejects PATH.csv)</p>' if more > 0 else ""
    return (
        f'<h2 id="rejects">Rejected rows ({card.rows.rejected:,})</h2><div class="scroll">'
        '<table><thead><tr><th scope="col">File</th><th scope="col" class="num">Line</th>'
        f'<th scope="col">Reason</th></tr></thead><tbody>{rows}</tbody></table></div>{tail}'
    )


def html_report(card: Scorecard) -> str:
    """The whole report as one HTML document."""
    order = branch_order(card)
    heat = charts.heatmap_spec(card.standards, order, MARKERS, card.attention_order())
    by_standard: dict[str, list[str]] = {}
    for line in problems(card):
        if line.standard is not None:
            by_standard.setdefault(line.standard.id, []).append(
                f'<li class="level-{line.level.value}">{_e(line.text)}</li>'
            )
    general = [line for line in problems(card) if line.standard is None]
    charted = set(card.attention_order()[:MAX_CHARTED])
    dists = {d.standard_id: d for d in card.distributions}
    worst = {w.standard_id: w for w in card.worst}
    specs: dict[str, Spec] = {"heatmap": heat} if heat is not None else {}
    for s in card.standards:
        specs |= _specs(s, dists.get(s.id), s.id in charted)
    drawn = dict(zip(specs, drawing.svgs(list(specs.values())), strict=True))  # all at once
    sections = "".join(
        _standard_section(s, specs, drawn, worst.get(s.id), by_standard.get(s.id, []))
        for s in card.standards
    )
    if len(card.standards) > MAX_CHARTED:
        sections = (
            f'<p class="note">Charts for {MAX_CHARTED} of {len(card.standards):,} standards: '
            "those breached, warned or inconsistent first; every standard has its tables.</p>"
            + sections
        )
    nav = "".join(
        f'<li><a href="#std-{_e(s.id)}">{_e(s.id)}</a> '
        f'<span class="status {STATUS_CLASS[s.status]}">{_e(s.status.value)}</span></li>'
        for s in card.standards
    )
    redacted = (
        '<p class="note">Redacted columns (shown as keyed-hash tokens, the same token for the '
        f"same value within this report): {_e(', '.join(card.redacted))}</p>"
        if card.redacted
        else ""
    )
    general_html = "".join(
        f'<p class="level-{line.level.value if line.level != Level.NOTE else "notice"}">'
        f"{_e(line.text)}</p>"
        for line in general
    )
    overview = (
        '<section id="overview" aria-labelledby="overview-heading">'
        '<h2 id="overview-heading">Branches</h2>'
        f'<p class="note">{_e(MARKER_LEGEND)}</p>'
        f'<div class="scroll">{_figure(heat, "heatmap", drawn, " wide")}</div>'
        f"{general_html}</section>"
        if heat is not None
        else ""
    )
    meta = (
        f"logs: {_e(', '.join(card.logs))} · standards: {_e(', '.join(card.standards_files))}"
        f" · profile: {_e(card.profile)} · svcaudit {_e(__version__)}"
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>svcaudit: {_e(card.name)} ({_e(card.verdict)})</title>"
        f"<style>{STYLE}</style></head><body>"
        '<a class="skip" href="#main">Skip to the report</a>'
        f'<header><h1>svcaudit · {_e(card.name)}</h1><p class="meta">{meta}</p></header>'
        f'<main id="main">{_verdict(card)}{_rows(card)}{redacted}'
        f'<h2 id="standards-heading">Standards</h2>{_standards_table(card)}'
        f'<nav aria-label="Standards"><ul>{nav}</ul></nav>'
        f"{overview}{sections}{_rejects(card)}</main>"
        '<script type="application/json" id="svcaudit-data">'
        f"{json_island(scorecard_dict(card))}</script>"
        "</body></html>\n"
    )


class HtmlFormatter(Formatter):
    """``--format html``: a self-contained HTML page with charts (for people, offline)."""

    name = "html"
    suffixes = (".html", ".htm")
    needs = Needs.DETAILS
    machine_readable = True

    def render(self, card: Scorecard, console: Console) -> None:
        """Write the HTML document."""
        write_document(console, html_report(card))
