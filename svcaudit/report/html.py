"""``--format html``: one self-contained page a quality lead can open offline and share.

Everything is inline: the styles, the charts (SVG as ``data:`` images, see ``charts``) and the
report's data as a JSON island (``<script type="application/json">``, never run). A Content
Security Policy forbids scripts and any network access, so even a hostile branch name could
not run; still, every user-supplied string is escaped where it is put.
The numbers are the JSON report's: each table row carries them as ``data-`` attributes.

The page is Jinja2 templates (``templates/``, autoescaped, see ``templating``); this module
builds only the data they show.
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape
from rich.console import Console

from svcaudit import __version__, drawing
from svcaudit.findings import Breaches, Distribution
from svcaudit.league import League
from svcaudit.report import charts
from svcaudit.report.base import Formatter, Needs, write_document
from svcaudit.report.charts import Spec
from svcaudit.report.csv_files import value_text
from svcaudit.report.json import scorecard_dict
from svcaudit.report.league_charts import league_spec, section_heatmap_spec
from svcaudit.report.leagues import LEAGUE_LEGEND, answers_line, league_rows
from svcaudit.report.spc_chart import control_spec
from svcaudit.report.summary import (
    MARKER_LEGEND,
    MARKERS,
    Level,
    Line,
    branch_order,
    pct,
    problems,
    rows_text,
    verdict_parts,
)
from svcaudit.score import Scorecard, StandardResult, Status
from svcaudit.trend import StandardTrend

SHOWN_REJECTS = 20
MAX_CHARTED = 100  # standards with a funnel plot (each chart takes ~0.1 s to render)
STATUS_CLASS = {
    Status.MET: "met",
    Status.BREACHED: "breached",
    Status.WARNING: "warning",
    Status.NO_DATA: "nodata",
}


def _attr(value: Any) -> str:
    """A number or flag for a ``data-`` attribute: exact (repr), empty for none."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def json_island(data: Any) -> str:
    """JSON safe inside ``<script type="application/json">``: no ``</script>`` or ``<!--``.

    orjson, as the JSON report's branches: over the 160,000 branch objects of 800 standards
    x 200 branches Python's encoder took 3.1 s, orjson and the escaping 0.9 s."""
    import orjson  # noqa: PLC0415 - for the reports that write JSON

    options = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
    text = orjson.dumps(data, option=options).decode()
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@dataclass(frozen=True)
class Figure:
    """A chart as the page shows it: where its image goes (``Images``) and its texts."""

    id: str
    css_class: str
    image: str  # the placeholder of the image's attributes: its data: URI, width and height
    title: str
    description: str


class Images:
    """The charts of a page, drawn while the page is written: each ``<img>`` holds a
    placeholder (a nonce of this page's own, which no text in it can forge) that ``put``
    replaces with the drawn SVG as a ``data:`` URI and its size, in one pass over the page."""

    def __init__(self, figure_ids: Sequence[str]) -> None:
        self._prefix = f"svcaudit-chart-{secrets.token_hex(8)}-"
        self._index = {figure_id: i for i, figure_id in enumerate(figure_ids)}

    def placeholder(self, figure_id: str) -> str:
        """What the page holds until the chart is drawn (letters, digits and dashes)."""
        return f"{self._prefix}{self._index[figure_id]}"

    def split(self, page: str) -> list[str]:
        """The page cut at its placeholders (a string search, not a regular expression: over
        the 144 MB page of 800 standards 0.1 s against 1.1 s); pass the page as a temporary,
        so that only its pieces are held."""
        return page.split(self._prefix)

    def put(self, pieces: list[str], svgs: Sequence[str]) -> str:
        """The page again from its ``split`` pieces with each chart's image, ``svgs`` in the
        order of the figure ids; the pieces are consumed."""
        parts = [pieces[0]]
        for i in range(1, len(pieces)):
            piece, pieces[i] = pieces[i], ""
            found = _NUMBER.match(piece)
            assert found is not None  # a placeholder is always followed by its number
            svg = svgs[int(found.group())]
            width, height = charts.svg_size(svg)
            parts.append(f'src="{charts.data_uri(svg)}" width="{width}" height="{height}"')
            parts.append(piece[found.end() :])
        pieces.clear()
        return "".join(parts)


_NUMBER = re.compile(r"\d+")


@dataclass(frozen=True)
class StandardRow:
    """A row of the standards table."""

    result: StandardResult
    status_class: str
    ci: str
    worst: str
    data: tuple[tuple[str, str], ...]  # the JSON report's numbers, as ``data-`` attributes


#: A row of a standard's branches table: texts escaped, then put in (``_branch_rows``)
_BRANCH_ROW = (
    '<tr data-branch="{0}" data-in-scope="{1}" data-passed="{2}" data-rate="{3}" '
    'data-consistency="{4}"><th scope="row">{0}</th><td class="num">{5}</td>'
    '<td class="num">{6}</td><td class="num">{7}</td><td>{8}</td>'
    '<td class="pos-{9}">{10}</td><td>{11}</td></tr>'
)


@dataclass(frozen=True)
class WorstTable:
    """A standard's worst breaching interactions: the branch, then the other cells."""

    heads: tuple[str, ...]
    rows: tuple[tuple[Any, tuple[Any, ...]], ...]
    total: int
    limit: str


@dataclass(frozen=True)
class Section:
    """What one standard's section shows."""

    result: StandardResult
    status_class: str
    figures: tuple[Figure, ...]
    problems: tuple[Line, ...]
    judged: bool  # two or more branches judged: "every judged branch is within" if no problems
    branches: Markup  # the rows of its branches table
    worst: WorstTable | None


@dataclass(frozen=True)
class GeneralLine:
    """A consistency sentence about no one standard, under the heatmap."""

    css_class: str
    text: str


def _figure(
    spec: dict[str, Any] | None, figure_id: str, images: Images, wide: bool = False
) -> Figure | None:
    if spec is None:
        return None
    return Figure(
        id=figure_id,
        css_class="chart wide" if wide else "chart",
        image=images.placeholder(figure_id),
        title=spec["title"]["text"],
        description=spec["description"],
    )


def _rows(card: Scorecard) -> list[tuple[str, int]]:
    r = card.rows
    return [
        ("read", r.read),
        ("evaluated", r.evaluated),
        ("rejected", r.rejected),
        ("merged", r.merged),
        ("outside", r.outside),
    ]


def _standard_row(s: StandardResult) -> StandardRow:
    c = s.counts
    worst = s.worst_branch
    numbers = (
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
    return StandardRow(
        result=s,
        status_class=STATUS_CLASS[s.status],
        ci=f"{pct(c.ci_low)}–{pct(c.ci_high)}" if c.rate is not None else "—",
        worst=(
            f"{worst.branch} {pct(worst.counts.rate)}"
            if worst is not None and len(s.branches) > 1
            else "—"
        ),
        data=tuple((k, _attr(v)) for k, v in numbers),
    )


@functools.lru_cache(maxsize=1 << 16)
def _escaped(text: str) -> str:
    """Text escaped for HTML, as the templates escape it. Cached: a big report's branch
    tables repeat a few thousand texts (branch names, percentages, words) 2 million times,
    and escaping each anew took 7.8 s of 8."""
    return str(escape(text))


def _branch_rows(s: StandardResult) -> Markup:
    """The rows of a standard's branches table, lowest rate first: the hottest loop of a big
    report (160,000 rows for 800 standards over 200 branches), so each row is one format of
    escaped texts (numbers as they are) rather than a loop of the template."""
    ordered = sorted(s.branches, key=lambda b: (b.counts.rate is None, b.counts.rate or 0.0))
    rows = []
    for b in ordered:
        c, position, limits = b.counts, b.position, b.limits
        cells = (
            _escaped(b.branch),
            c.in_scope,
            c.passed,
            _attr(c.rate),  # exact
            position.summary,  # the JSON report's word
            _escaped(pct(c.rate)),
            f"{c.n:,}",
            f"{_escaped(pct(c.ci_low))}–{_escaped(pct(c.ci_high))}",
            "—" if b.met is None else ("yes" if b.met else "no"),
            position.value,
            _escaped(f"{MARKERS[position]} {position.value}"),
            f"{_escaped(pct(limits.inner_low))} / {_escaped(pct(limits.outer_low))}"
            if limits
            else "—",
        )
        rows.append(_BRANCH_ROW.format(*cells))
    return Markup("".join(rows))


def _worst_table(found: Breaches | None, s: StandardResult) -> WorstTable | None:
    if found is None:
        return None
    files = found.files or (None,) * len(found.rows)
    rows = []
    for row, source in zip(found.rows, files, strict=True):
        branch, ident, value = row[:3]
        cells = (ident, value_text(value, found.measure_is_duration), source, *found.cells(row))
        rows.append((branch, cells))
    total = s.counts.failed + (s.counts.unmeasured if s.counts.n == s.counts.in_scope else 0)
    heads = ("Branch", "Interaction", "Value", "File", *found.columns)
    return WorstTable(heads=heads, rows=tuple(rows), total=total, limit=found.limit)


def _specs(
    s: StandardResult, dist: Distribution | None, charted: bool, trend: StandardTrend | None
) -> dict[str, Spec]:
    """A standard's charts, by figure id: its funnel plot, its measure's distribution and
    (``--period``) its control chart."""
    funnel = charts.funnel_spec(s) if len(s.branches) > 1 and charted else None
    histogram = charts.distribution_spec(dist, s) if dist is not None else None
    found = {f"funnel-{s.id}": funnel, f"distribution-{s.id}": histogram}
    found[f"control-{s.id}"] = control_spec(trend, s) if trend is not None and charted else None
    return {figure: spec for figure, spec in found.items() if spec is not None}


def _section(
    s: StandardResult,
    specs: Mapping[str, Spec],
    images: Images,
    worst: Breaches | None,
    lines: list[Line],
) -> Section:
    figures = (
        _figure(specs.get(f"{kind}-{s.id}"), f"{kind}-{s.id}", images)
        for kind in ("control", "funnel", "distribution")
    )
    return Section(
        result=s,
        status_class=STATUS_CLASS[s.status],
        figures=tuple(f for f in figures if f is not None),
        problems=tuple(lines),
        judged=s.consistency is not None and s.consistency.judged >= 2,
        branches=_branch_rows(s) if s.counts.rate is not None else Markup(),
        worst=_worst_table(worst, s),
    )


@dataclass(frozen=True)
class LeagueView:
    """A league as the page shows it: its table, its chart, its section grid and heatmap."""

    key: str
    league: League
    visits: bool
    rows: list[dict[str, Any]]
    chart: Figure | None
    sections: list[tuple[str, list[str], str]]
    heatmap: Figure | None
    answers: str
    legend: str = LEAGUE_LEGEND


def _leagues(card: Scorecard) -> list[tuple[str, League, str | None]]:
    """(key, league, answers line) of every checklist, then the weighted standards'."""
    found = [(c.id, c.league, answers_line(c)) for c in card.checklists]
    return found + ([("overall", card.overall, None)] if card.overall is not None else [])


def _league_specs(card: Scorecard) -> dict[str, Spec]:
    specs: dict[str, Spec] = {}
    for key, league, _ in _leagues(card):
        for kind, spec in (
            ("league", league_spec(league)),
            ("sections", section_heatmap_spec(league) if league.sections else None),
        ):
            if spec is not None:
                specs[f"{kind}-{key}"] = spec
    return specs


def _league_views(card: Scorecard, specs: Mapping[str, Spec], images: Images) -> list[LeagueView]:
    views = []
    for key, league, answers in _leagues(card):
        grid = [
            (title, [pct(b.sections[k]) for b in league.branches], pct(league.chain.sections[k]))
            for k, (_, title) in enumerate(league.sections)
        ]
        views.append(
            LeagueView(
                key=key,
                league=league,
                visits=answers is not None,
                rows=league_rows(league, answers is not None),
                chart=_figure(specs.get(f"league-{key}"), f"league-{key}", images, wide=True),
                sections=grid,
                heatmap=_figure(specs.get(f"sections-{key}"), f"sections-{key}", images, wide=True),
                answers=answers or "",
            )
        )
    return views


def html_report(card: Scorecard) -> str:
    """The whole report as one HTML document."""
    from svcaudit.report import templating  # noqa: PLC0415 -- jinja2 only when writing HTML

    order = branch_order(card)
    heat = charts.heatmap_spec(card.standards, order, MARKERS, card.attention_order())
    by_standard: dict[str, list[Line]] = {}
    general: list[GeneralLine] = []
    for line in problems(card):
        if line.standard is not None:
            by_standard.setdefault(line.standard.id, []).append(line)
        else:
            level = line.level.value if line.level != Level.NOTE else "notice"
            general.append(GeneralLine(level, line.text))
    charted = set(card.attention_order()[:MAX_CHARTED])
    dists = {d.standard_id: d for d in card.distributions}
    worst = {w.standard_id: w for w in card.worst}
    specs: dict[str, Spec] = {"heatmap": heat} if heat is not None else {}
    trends = {t.id: t for t in card.trends}
    for s in card.standards:
        specs |= _specs(s, dists.get(s.id), s.id in charted, trends.get(s.id))
    specs |= _league_specs(card)
    images = Images(list(specs))
    with drawing.drawing(list(specs.values())) as drawn:  # drawn while the page is written
        pieces = images.split(
            templating.render(
                "report.html.j2",
                card=card,
                version=__version__,
                verdict=verdict_parts(card),
                verdict_kind="breach" if card.verdict == "breach" else "pass",
                rows_text=rows_text(card),
                rows=_rows(card),
                standards=[_standard_row(s) for s in card.standards],
                heatmap=_figure(heat, "heatmap", images, wide=True),
                leagues=_league_views(card, specs, images),
                marker_legend=MARKER_LEGEND,
                general=general,
                max_charted=MAX_CHARTED,
                sections=[
                    _section(s, specs, images, worst.get(s.id), by_standard.get(s.id, []))
                    for s in card.standards
                ],
                rejects=card.rejects[:SHOWN_REJECTS],
                more_rejects=card.rows.rejected - min(SHOWN_REJECTS, len(card.rejects)),
                island=templating.safe(json_island(scorecard_dict(card))),
            )
        )
        return images.put(pieces, drawn())


class HtmlFormatter(Formatter):
    """``--format html``: a self-contained HTML page with charts (for people, offline)."""

    name = "html"
    suffixes = (".html", ".htm")
    needs = Needs.DETAILS
    machine_readable = True

    def render(self, card: Scorecard, console: Console) -> None:
        """Write the HTML document."""
        write_document(console, html_report(card))
