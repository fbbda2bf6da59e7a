"""The HTML report: self-contained, escaped, accessible, and the JSON report's numbers."""

from __future__ import annotations

import base64
import json
import math
import re
import tomllib
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from svcaudit import drawing
from svcaudit.audit import AuditRequest, run_audit
from svcaudit.cli import app
from svcaudit.findings import BUCKETS
from svcaudit.report import charts, format_of_path, formatter, templating
from svcaudit.report import html as html_module
from svcaudit.report.html import json_island
from svcaudit.score import Scorecard
from tests.helpers import REPO
from tests.report.html_fixture import HOLDS, HOSTILE, XSS, write_chain, write_hostile_chain

runner = CliRunner()


class Elements(HTMLParser):
    """Every start tag with its attributes, the text of each element, in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.stack: list[int] = []
        self.text: dict[int, str] = {}
        self.island = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        if tag not in ("img", "meta", "br", "link", "input"):
            self.stack.append(len(self.tags) - 1)
            self.text[len(self.tags) - 1] = ""

    def handle_endtag(self, tag: str) -> None:
        if self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        for i in self.stack:
            self.text[i] += data
        if self.stack and self.tags[self.stack[-1]][1].get("id") == "svcaudit-data":
            self.island += data

    def find(self, tag: str, **attrs: str) -> list[tuple[int, dict[str, str]]]:
        return [
            (i, a)
            for i, (t, a) in enumerate(self.tags)
            if t == tag and all(a.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any], int]:
    """One run writing the HTML and the JSON report of the hostile chain."""
    d = tmp_path_factory.mktemp("html")
    log, rules = write_chain(d)
    html_path, json_path = d / "report.html", d / "report.json"
    result = runner.invoke(
        app,
        [
            "audit",
            str(log),
            "-s",
            str(rules),
            "--report",
            f"html:{html_path}",
            "--report",
            f"json:{json_path}",
            "-q",
        ],
    )
    html = html_path.read_text(encoding="utf-8")
    return html, json.loads(json_path.read_text(encoding="utf-8")), result.exit_code


def parse(html: str) -> Elements:
    p = Elements()
    p.feed(html)
    return p


def _percent(fraction: float) -> str:
    text = f"{fraction * 100:.1f}".rstrip("0").rstrip(".")
    return text + "%"


def test_hand_worked_figures(reports: tuple[str, dict[str, Any], int]) -> None:
    _, report, code = reports
    assert code == 1
    hold = next(s for s in report["standards"] if s["id"] == "hold-60s")
    assert (hold["in_scope"], hold["passed"], hold["failed"], hold["unmeasured"]) == (13, 9, 3, 1)
    assert hold["rate"] == pytest.approx(9 / 13)
    branches = {b["branch"]: (b["in_scope"], b["passed"]) for b in hold["branches"]}
    assert branches == {XSS: (4, 2), "Kraków": (5, 4), "B": (4, 3)}
    callback = next(s for s in report["standards"] if s["id"] == "callback")
    assert (callback["in_scope"], callback["passed"]) == (3, 3)


def test_html_numbers_equal_the_json_report(reports: tuple[str, dict[str, Any], int]) -> None:
    html, report, _ = reports
    page = parse(html)
    rows = page.find("tr")
    by_id = {a["data-standard"]: (i, a) for i, a in rows if "data-standard" in a}
    branch_rows: dict[str, dict[str, dict[str, str]]] = {}
    current = ""
    for t, a in page.tags:  # each standard's branch table, and the rows under it
        if t == "table" and "branches" in a.get("class", ""):
            current = a["data-standard"]
            branch_rows[current] = {}
        elif t == "tr" and "data-branch" in a:
            branch_rows[current][a["data-branch"]] = a
    assert set(by_id) == {s["id"] for s in report["standards"]}
    for s in report["standards"]:
        i, a = by_id[s["id"]]
        for key in ("in_scope", "passed", "failed", "unmeasured"):
            assert int(a["data-" + key.replace("_", "-")]) == s[key], (s["id"], key)
        for key in ("rate", "ci_low", "ci_high", "target"):
            assert float(a["data-" + key.replace("_", "-")]) == s[key], (s["id"], key)
        assert a["data-met"] == json.dumps(s["met"]) and a["data-status"] == s["status"]
        shown = page.text[i]
        assert _percent(s["rate"]) in shown and f"{s['in_scope']:,}" in shown
        html_branches = branch_rows[s["id"]]
        for b in s["branches"]:
            found = html_branches[b["branch"]]
            assert int(found["data-in-scope"]) == b["in_scope"]
            assert int(found["data-passed"]) == b["passed"]
            assert float(found["data-rate"]) == b["rate"]
            assert found["data-consistency"] == b["consistency"]
    (_, rows_attrs) = page.find("td", **{"data-read": str(report["rows"]["read"])})[0]
    assert rows_attrs
    assert page.find("p", id="verdict")[0][1]["data-verdict"] == report["verdict"]
    assert json.loads(page.island) == report  # the embedded data is the JSON report


def test_user_text_is_escaped(reports: tuple[str, dict[str, Any], int]) -> None:
    html, _, _ = reports
    assert XSS not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the title and the branch, as text
    # the only script element is the JSON island, which is data (not run)
    assert re.findall(r"<script\b[^>]*>", html) == [
        '<script type="application/json" id="svcaudit-data">'
    ]
    island = html.split('id="svcaudit-data">', 1)[1]
    assert island.count("</script>") == 1 and island.rstrip().endswith("</script></body></html>")
    page = parse(html)
    texts = [page.text[i] for i, _ in page.find("th", scope="row")]
    assert XSS in texts  # it reads as the branch name people typed
    for uri in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html):
        svg = base64.b64decode(uri).decode("utf-8")
        assert "<script" not in svg and "onload" not in svg.lower()


def test_hostile_text_is_never_markup(tmp_path: Path) -> None:
    """The audit's name, a standard's title, branch names, interaction ids and a column's
    values all carry ``</style><script>alert('x & "y"')</script>``: the page holds it as
    text, in the parsed document and in its source, never as an element or an attribute."""
    log, rules = write_hostile_chain(tmp_path)
    card = run_audit(AuditRequest(logs=[str(log)], standards=[str(rules)], details=5))
    html = html_module.html_report(card)
    markup, island_text = html.split('<script type="application/json" id="svcaudit-data">')
    for piece in ("<script>", "</style><script", "alert('", '"y"', "& "):
        assert piece not in markup, piece
    assert markup.count("</style>") == 1 and "<script" not in markup
    assert island_text.endswith("</script></body></html>\n")  # JSON: no <, > or & in it
    assert not {"<", ">", "&"} & set(island_text.removesuffix("</script></body></html>\n"))
    page = parse(html)
    tags = [t for t, _ in page.tags]
    assert tags.count("style") == 1 and tags.count("script") == 1
    assert page.find("script") == [
        (tags.index("script"), {"type": "application/json", "id": "svcaudit-data"})
    ]

    def text(tag: str, **attrs: str) -> list[str]:
        return [page.text[i] for i, _ in page.find(tag, **attrs)]

    assert text("title") == [f"svcaudit: {HOSTILE} (breach)"]
    assert text("h1") == [f"svcaudit · {HOSTILE}"]
    assert text("h2", id="h-hold-60s") == [f"hold-60s: {HOSTILE}"]
    assert text("span", **{"class": "title"}) == [HOSTILE]
    branch_rows = [a for _, a in page.find("tr") if "data-branch" in a]
    assert {a["data-branch"] for a in branch_rows} == {HOSTILE, "Kraków"}
    for a in branch_rows:  # a quote that broke out would have added attributes
        assert set(a) == {"data-branch", "data-in-scope", "data-passed", "data-rate"} | {
            "data-consistency"
        }
    assert HOSTILE in text("th", scope="row")  # the branch, in its table and the worst table
    cells = text("td")
    assert f"{HOSTILE} 2" in cells and HOSTILE in cells  # an interaction id, an agent
    names = {name for _, attrs in page.tags for name in attrs}
    assert not any(n.startswith("on") or "alert" in n or "script" in n for n in names)
    island = json.loads(page.island)
    assert island["name"] == HOSTILE and island["standards"][0]["title"] == HOSTILE


def test_templates_are_package_data_and_all_autoescaped() -> None:
    """Every template shipped is found by the loader, covered by the package-data glob, and
    autoescaped; the HTML templates lose their line breaks and indentation when loaded."""
    env = templating.environment()
    shipped = {t.name for t in resources.files("svcaudit.report").joinpath("templates").iterdir()}
    assert set(env.list_templates()) == shipped >= {"report.html.j2", "style.css.j2"}
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "report/templates/*.j2" in config["tool"]["setuptools"]["package-data"]["svcaudit"]
    assert all(name.endswith(".j2") for name in shipped)
    assert env.autoescape is True  # for every template, whatever its name
    for name in shipped:
        assert env.get_template(name).name == name  # each one loads and compiles
    assert env.from_string("{{ x }}").render(x=XSS) == "&lt;script&gt;alert(1)&lt;/script&gt;"
    joined = templating.JoinLines(env).preprocess("<p>\n  <b>{{ x }}</b>\n</p>\n", "a.html.j2")
    assert joined == "<p><b>{{ x }}</b></p>"
    assert templating.JoinLines(env).preprocess("a {\n  b }\n", "style.css.j2") == "a {\n  b }\n"


def test_chart_placeholders_cannot_be_forged() -> None:
    """Charts are put into the written page at their placeholders, which carry a nonce of
    the page's own: a text of the page that looks like one (a branch named so) stays text."""
    images = html_module.Images(["funnel-a", "distribution-a"])
    first, second = images.placeholder("funnel-a"), images.placeholder("distribution-a")
    assert re.fullmatch(r"[a-z0-9-]+", first) and first != second
    forged = "svcaudit-chart-0123456789abcdef-0"
    page = f"<p>{forged}</p><img {second} alt=x><img {first} alt=y>"
    svgs = ['<svg width="10.4" height="20"></svg>', '<svg width="3" height="4"></svg>']
    put = images.put(images.split(page), svgs)
    uri = "data:image/svg+xml;base64,"
    expected_first = uri + base64.b64encode(svgs[0].encode()).decode()
    expected_second = uri + base64.b64encode(svgs[1].encode()).decode()
    assert put == (
        f'<p>{forged}</p><img src="{expected_second}" width="3" height="4" alt=x>'
        f'<img src="{expected_first}" width="10" height="20" alt=y>'
    )
    assert html_module.Images(["funnel-a"]).placeholder("funnel-a") != first  # per page


def test_json_island_cannot_close_its_script() -> None:
    text = json_island({"t": "</script><!-- & -->"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"t": "</script><!-- & -->"}


def test_self_contained_and_accessible(reports: tuple[str, dict[str, Any], int]) -> None:
    html, _, _ = reports
    page = parse(html)
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "url(http" not in html and "@import" not in html
    csp = page.find("meta", **{"http-equiv": "Content-Security-Policy"})[0][1]["content"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert page.tags[0][0] == "html" and page.tags[0][1]["lang"] == "en"
    images = page.find("img")
    assert images and all(a["alt"].strip() and a["src"].startswith("data:") for _, a in images)
    # every chart has a caption with its text alternative
    assert len(page.find("figure")) == len(page.find("figcaption")) > 0
    for i, _ in page.find("table"):
        following = [t for t, _ in page.tags[i + 1 : i + 4]]
        assert "caption" in following or "thead" in following, "a table without headers"
    assert page.find("th", scope="col") and page.find("th", scope="row")


def test_charts_per_standard(reports: tuple[str, dict[str, Any], int]) -> None:
    html, _, _ = reports
    ids = {a["id"] for _, a in parse(html).find("figure")}
    # a funnel for both standards, a histogram only for the measured one, one heatmap
    assert ids == {"heatmap", "funnel-hold-60s", "funnel-callback", "distribution-hold-60s"}


def test_distribution_counts_match_a_plain_python_reference(tmp_path: Path) -> None:
    log, rules = write_chain(tmp_path)
    card: Scorecard = run_audit(AuditRequest(logs=[str(log)], standards=[str(rules)], details=5))
    (d,) = card.distributions
    assert d.standard_id == "hold-60s" and d.limit == 60_000 and d.at_most
    expected = [0] * (BUCKETS + 2)
    for seconds in HOLDS:  # at_most: bucket k holds (12k, 12(k+1)] seconds; 0 or less: -1
        k = math.ceil(seconds / 12) - 1
        expected[min(max(k, -1), BUCKETS) + 1] += 1
    assert list(d.counts) == expected
    # by hand: 0 | 10, 12 | 13, 24 | 25, 30 | - | 59, 60 | 61 | ... | 180 | 200
    assert d.counts[:7] == (1, 2, 2, 2, 0, 2, 1) and d.counts[-2:] == (1, 1)
    assert d.total == 12  # 13 in scope, one without a value
    worst = {w.standard_id: w for w in card.worst}
    assert [r[1] for r in worst["hold-60s"].rows] == ["13", "4", "9", "3"]  # blank, 200, 180, 61


def test_html_is_in_the_format_registry() -> None:
    assert formatter("html").machine_readable
    assert format_of_path("out/report.html") == "html"


def test_demo_report_has_every_chart(tmp_path: Path) -> None:
    out = tmp_path / "hotel.html"
    result = runner.invoke(
        app,
        [
            "audit",
            str(REPO / "examples" / "hotel-chain.csv"),
            "-s",
            str(REPO / "standards" / "hospitality-five-star.yaml"),
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 1, result.stderr
    ids = {a["id"] for _, a in parse(out.read_text(encoding="utf-8")).find("figure")}
    standards = ["greet-60s", "phone-3-rings", "hold-30s", "callback-offered"]
    standards += ["checkin-5min", "luggage-10min", "email-24h"]
    assert {f"funnel-{s}" for s in standards} <= ids
    assert {f"distribution-{s}" for s in standards if s != "callback-offered"} <= ids
    assert "heatmap" in ids


def test_charts_are_bounded_with_many_standards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past MAX_CHARTED standards, the ones needing attention get charts (and a note says so)."""
    log, rules = write_chain(tmp_path)
    card = run_audit(AuditRequest(logs=[str(log)], standards=[str(rules)], details=5))
    # hold-60s is breached; callback is met, too few per branch to judge: nothing to look at
    assert card.attention_order() == ["hold-60s", "callback"]
    monkeypatch.setattr(html_module, "MAX_CHARTED", 1)
    text = html_module.html_report(card)
    ids = {a["id"] for _, a in parse(text).find("figure")}
    assert ids == {"heatmap", "funnel-hold-60s", "distribution-hold-60s"}
    assert "Charts for 1 of 2 standards" in text


def test_funnel_labels_the_branches_furthest_out_when_many(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo's greet-60s (examples/README.md): chain 96.4 %; Gdańsk Motława 86.4 % (alarm,
    low) and Łódź Manufaktura 98.6 % (alarm, high), Wrocław Rynek 97.9 % and Kraków Old Town
    97.4 % (alerts), three branches within. With room for two labels: the two alarms."""
    card = run_audit(
        AuditRequest(
            logs=[str(REPO / "examples" / "hotel-chain.csv")],
            standards=[str(REPO / "standards" / "hospitality-five-star.yaml")],
        )
    )
    greet = next(s for s in card.standards if s.id == "greet-60s")

    def labels() -> set[str]:
        spec = charts.funnel_spec(greet)
        assert spec is not None
        return {p["label"] for p in spec["layer"][3]["data"]["values"]} - {""}

    assert len(labels()) == 7  # seven branches: up to MAX_LABELLED, all are labelled
    monkeypatch.setattr(charts, "MAX_LABELLED", 2)
    assert labels() == {"Gdańsk Motława", "Łódź Manufaktura"}
    monkeypatch.setattr(charts, "MAX_LABELLED", 6)
    # the alerts too: Wrocław 1,150 of 1,175 and Kraków 1,354 of 1,390, each above the 97.5 %
    # binomial quantile at the chain's 7,364 / 7,642 (1,144 and 1,353)
    alerts = {"Wrocław Rynek", "Kraków Old Town"}
    assert labels() == {"Gdańsk Motława", "Łódź Manufaktura", *alerts}


def test_heatmap_shows_the_standards_needing_attention_when_many(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past MAX_HEATMAP_STANDARDS the heatmap keeps the first standards of the attention
    order (here, as if luggage-10min and callback-offered alone were breached), shown in
    file order, and its title says so."""
    card = run_audit(
        AuditRequest(
            logs=[str(REPO / "examples" / "hotel-chain.csv")],
            standards=[str(REPO / "standards" / "hospitality-five-star.yaml")],
        )
    )
    attention = ["luggage-10min", "callback-offered", "greet-60s", "phone-3-rings"]
    attention += ["hold-30s", "checkin-5min", "email-24h"]
    order = html_module.branch_order(card)
    whole = charts.heatmap_spec(card.standards, order, html_module.MARKERS, attention)
    assert whole is not None and len({c["standard"] for c in whole["data"]["values"]}) == 7
    assert "standards" not in whole["title"]["text"]
    monkeypatch.setattr(charts, "MAX_HEATMAP_STANDARDS", 2)
    spec = charts.heatmap_spec(card.standards, order, html_module.MARKERS, attention)
    assert spec is not None
    assert spec["encoding"]["x"]["sort"] == ["callback-offered", "luggage-10min"]  # file order
    assert {c["standard"] for c in spec["data"]["values"]} == {"callback-offered", "luggage-10min"}
    assert "(2 of 7 standards, those needing attention first)" in spec["title"]["text"]


def test_charts_drawn_by_workers_are_the_same_document(
    hotel_card: Scorecard, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With many charts, worker processes draw them; the report is the same bytes as when
    this process draws them all, and from one run to the next (Vega's clip-path and
    gradient counters, which run across a process's charts, are numbered per chart)."""
    in_workers = html_module.html_report(hotel_card)
    assert len(charts_in(in_workers)) >= drawing.MIN_PARALLEL  # so workers drew them
    assert html_module.html_report(hotel_card) == in_workers
    monkeypatch.setattr(drawing, "MIN_PARALLEL", 10**6)
    assert html_module.html_report(hotel_card) == in_workers
    assert any('clip-path="url(#clip0)"' in svg for svg in charts_in(in_workers))


def charts_in(html: str) -> list[str]:
    found = re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", html)
    return [base64.b64decode(b).decode("utf-8") for b in found]


def test_charts_are_drawn_here_when_workers_cannot_start(
    hotel_card: Scorecard, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A machine where worker processes cannot start (no semaphores, a process limit) still
    gets its report, the same document."""
    expected = html_module.html_report(hotel_card)

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("Resource temporarily unavailable")

    monkeypatch.setattr(drawing.ProcessPoolExecutor, "submit", refuse)
    assert html_module.html_report(hotel_card) == expected
    monkeypatch.setattr(drawing, "ProcessPoolExecutor", refuse)
    assert html_module.html_report(hotel_card) == expected
