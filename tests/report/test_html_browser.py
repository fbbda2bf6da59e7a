"""The HTML report in a real browser: Playwright driving Debian's ``chromium`` package.

Playwright's own browsers are never downloaded (``playwright install`` is not needed): the
tests launch ``/usr/bin/chromium``. They are skipped only when it is missing and
``SVCAUDIT_REQUIRE_BROWSER`` is unset; CI sets it (``.ci/run`` installs chromium), so there a
missing browser fails instead of skipping. Screenshots go to the test's temporary directory
(printed), and also to ``$SVCAUDIT_SCREENSHOT_DIR`` when set (``docs/screenshots`` is made
that way).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from svcaudit.cli import app
from tests.helpers import REPO
from tests.report.html_fixture import HOSTILE, XSS, write_chain, write_hostile_chain

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser
runner = CliRunner()

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_STANDARDS = ["greet-60s", "phone-3-rings", "hold-30s", "callback-offered"]
DEMO_STANDARDS += ["checkin-5min", "luggage-10min", "email-24h"]
DEMO_CHARTS = {"heatmap", *(f"funnel-{s}" for s in DEMO_STANDARDS)}
DEMO_CHARTS |= {f"distribution-{s}" for s in DEMO_STANDARDS if s != "callback-offered"}

#: Every chart as a person sees it: decoded, laid out with a size, and its text alternative.
CHARTS = """async () => {
    const images = [...document.images];
    await Promise.all(images.map(i => i.decode()));
    return images.map(i => {
        const box = i.getBoundingClientRect(), figure = i.closest('figure');
        return {figure: figure ? figure.id : null, natural: i.naturalWidth,
                width: box.width, height: box.height, alt: i.alt,
                caption: figure ? figure.querySelector('figcaption').innerText : ''};
    });
}"""

#: What a report's Content Security Policy must stop: an inline script, an inline event
#: handler, an image, a stylesheet and a fetch from a server. Resolves with the violations
#: the page reported and whether either script ran.
INJECT = """async (server) => {
    const seen = [];
    document.addEventListener('securitypolicyviolation',
        e => seen.push({directive: e.effectiveDirective, blocked: e.blockedURI}));
    window.ran = [];
    const script = document.createElement('script');
    script.textContent = "window.ran.push('script')";
    document.body.append(script);
    const div = document.createElement('div');
    div.innerHTML = `<img src="${server}/onerror.png" onerror="window.ran.push('handler')">`;
    document.body.append(div);
    const img = document.createElement('img');
    img.src = server + '/image.png';
    document.body.append(img);
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = server + '/style.css';
    document.head.append(link);
    const fetched = await fetch(server + '/data.json').then(() => 'loaded', () => 'refused');
    await new Promise(resolve => setTimeout(resolve, 500));
    return {seen, ran: window.ran, fetched};
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, through Playwright (one for the module)."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("SVCAUDIT_REQUIRE_BROWSER"):
            pytest.fail(f"SVCAUDIT_REQUIRE_BROWSER is set but {CHROMIUM} is missing")
        pytest.skip("headless Chromium not installed (apt-get install chromium)")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


class Page:
    """A Playwright page that records what went wrong: console errors, exceptions, dialogs
    (an ``alert()`` would open one)."""

    def __init__(self, browser: Any, width: int, height: int) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(f"exception: {e}"))
        self.page.on("dialog", self._dialog)

    def _console(self, message: Any) -> None:
        if message.type in ("error", "assert"):
            self.errors.append(f"console.{message.type}: {message.text}")

    def _dialog(self, dialog: Any) -> None:
        self.errors.append(f"dialog: {dialog.type} {dialog.message}")
        dialog.dismiss()

    def open(self, path: Path) -> Any:
        """Load a local file and wait for it, images included."""
        self.page.goto(path.resolve().as_uri(), wait_until="load")
        return self.page


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    """Make pages (``open_page(width, height)``), closed after the test."""
    pages: list[Page] = []

    def make(width: int = 1280, height: int = 1000) -> Page:
        pages.append(Page(browser, width, height))
        return pages[-1]

    yield make
    for p in pages:
        p.context.close()


def _report(tmp: Path, log: Path, rules: Path) -> Path:
    out = tmp / "report.html"
    result = runner.invoke(app, ["audit", str(log), "-s", str(rules), "-o", str(out)])
    assert result.exit_code in (0, 1), result.stderr
    return out


@pytest.fixture
def demo_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The README's demo audit as HTML (files named as given: relative, as people run it)."""
    monkeypatch.chdir(REPO)
    rules = Path("standards") / "hospitality-five-star.yaml"
    return _report(tmp_path, Path("examples") / "hotel-chain.csv", rules)


def _keep(shot: Path, name: str) -> None:
    print(f"screenshot: {shot}")
    target = os.environ.get("SVCAUDIT_SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(target) / name)


def _check_charts(page: Any, expected: set[str]) -> None:
    charts = page.evaluate(CHARTS)
    assert {c["figure"] for c in charts} == expected
    for c in charts:
        assert c["natural"] > 100, f"chart {c['figure']} did not draw"
        assert c["width"] > 100 and c["height"] > 50, f"chart {c['figure']} has no size"
        assert len(c["alt"]) > 20, f"chart {c['figure']} has no text alternative"
        assert c["caption"].strip() and c["caption"] in c["alt"], c["figure"]


def _wilson(x: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5 / (1 + z * z / n)
    return centre - half, centre + half


def _check_visible_report(page: Any) -> None:
    """The verdict and the standards table, as a person reads them on screen."""
    verdict = page.locator("#verdict")
    assert verdict.is_visible() and verdict.get_attribute("data-verdict") == "breach"
    text = verdict.inner_text()
    assert text.startswith("BREACH") and "callback-offered, luggage-10min" in text
    table = page.locator("#standards")
    assert table.is_visible()
    heads = table.locator("thead th").all_inner_texts()
    assert heads[:4] == ["Standard", "Limit", "Rate", "Target"] and "Status" in heads
    rows = table.locator("tbody tr")
    assert [r.get_attribute("data-standard") for r in rows.all()] == DEMO_STANDARDS
    greet = rows.nth(0).locator("td").all_inner_texts()
    # examples/README.md: 7,364 of 7,642 (Wilson 95 % interval worked out here)
    low, high = _wilson(7364, 7642)
    assert greet[1:4] == ["96.4%", "95%", f"{low:.1%}–{high:.1%}"] and greet[8] == "met"
    statuses = table.locator("td.status").all_inner_texts()
    assert statuses == ["met", "met", "warning", "breached", "met", "breached", "met"]


def test_demo_report_at_desktop_width(demo_report: Path, open_page: Any, tmp_path: Path) -> None:
    view = open_page(1280, 1000)
    page = view.open(demo_report)
    assert page.title().startswith("svcaudit: Five-star guest service")
    _check_visible_report(page)
    assert page.locator("#verdict").bounding_box()["y"] < 300  # in the first screenful
    _check_charts(page, DEMO_CHARTS)
    top = page.screenshot(path=tmp_path / "report-top.png")
    box = page.evaluate("""() => {
        const s = document.querySelector('#std-luggage-10min').getBoundingClientRect();
        const c = document.querySelector('#std-luggage-10min .charts').getBoundingClientRect();
        return {x: 0, y: s.top + scrollY, width: 1280, height: c.bottom - s.top + 10};
    }""")
    funnel = tmp_path / "funnel-luggage-10min.png"
    page.screenshot(path=funnel, clip=box, full_page=True)
    assert not view.errors, view.errors
    assert len(top) > 20_000 and funnel.stat().st_size > 20_000
    _keep(tmp_path / "report-top.png", "report-top.png")
    _keep(funnel, "funnel-luggage-10min.png")


def test_demo_report_at_phone_width(demo_report: Path, open_page: Any, tmp_path: Path) -> None:
    view = open_page(390, 844)
    page = view.open(demo_report)
    _check_visible_report(page)
    _check_charts(page, DEMO_CHARTS)
    # wide tables and charts scroll in their own boxes: the page itself is never wider
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot = tmp_path / "report-top-390.png"
    page.screenshot(path=shot)
    assert not view.errors, view.errors
    assert shot.stat().st_size > 10_000
    _keep(shot, "report-top-390.png")


class _Server:
    """A loopback HTTP server that counts the requests it gets."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        paths = self.paths

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                paths.append(self.path)
                self.send_response(200)
                self.send_header("Access-Control-Allow-Origin", "*")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[_Server]:
    found = _Server()
    yield found
    found.close()


def test_content_security_policy_blocks_scripts_and_requests(
    tmp_path: Path, open_page: Any, server: _Server
) -> None:
    log, rules = write_chain(tmp_path)
    report = _report(tmp_path, log, rules)
    view = open_page()
    found = view.open(report).evaluate(INJECT, server.url)
    assert found["ran"] == [] and found["fetched"] == "refused"
    directives = {v["directive"] for v in found["seen"]}
    assert {"script-src-elem", "script-src-attr", "img-src", "style-src-elem"} <= directives
    assert "connect-src" in directives
    assert server.paths == []  # nothing reached the network
    assert all("Content Security Policy" in e for e in view.errors), view.errors
    # the same page without its policy: the same injection runs and reaches the server,
    # so what stopped it above is the report's policy
    policy = '<meta http-equiv="Content-Security-Policy"'
    html = report.read_text(encoding="utf-8")
    start = html.index(policy)
    bare = tmp_path / "no-policy.html"
    bare.write_text(html[:start] + html[html.index(">", start) + 1 :], encoding="utf-8")
    found = open_page().open(bare).evaluate(INJECT, server.url)
    assert found["seen"] == [] and found["ran"] == ["script", "handler"]
    assert {"/image.png", "/style.css", "/data.json"} <= set(server.paths)


@pytest.mark.parametrize("hostile", [XSS, HOSTILE], ids=["xss", "quotes-style"])
def test_hostile_names_stay_text_in_the_browser(
    hostile: str, tmp_path: Path, open_page: Any
) -> None:
    log, rules = write_chain(tmp_path) if hostile == XSS else write_hostile_chain(tmp_path)
    view = open_page()
    page = view.open(_report(tmp_path, log, rules))
    figures = {"heatmap", "funnel-hold-60s", "distribution-hold-60s"}
    _check_charts(page, figures | ({"funnel-callback"} if hostile == XSS else set()))
    # shown as text, in the standard's heading and as a branch; nothing else became markup
    assert hostile in page.locator("#h-hold-60s").inner_text()
    branches = page.locator("table.branches th[scope=row]").all_text_contents()
    assert hostile in branches
    assert page.evaluate("[...document.scripts].map(s => s.type)") == ["application/json"]
    assert page.evaluate("document.querySelectorAll('style').length") == 1
    # the one style element is whole: the rules after any would-be </style> still apply
    border = page.evaluate("getComputedStyle(document.querySelector('#verdict')).borderLeftWidth")
    assert border == "6px"
    page.screenshot(path=tmp_path / "hostile.png", full_page=True)
    assert not view.errors, view.errors  # an alert() would be a dialog, recorded here


def test_control_charts_in_the_browser(
    open_page: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--period: a control chart per standard, drawn, sized, with a title, a caption and a
    text alternative naming the chart, its centre line and its signals."""
    monkeypatch.chdir(REPO)
    out = tmp_path / "report.html"
    args = ["audit", "examples/hotel-chain.csv", "-s", "standards/hospitality-five-star.yaml"]
    result = runner.invoke(app, [*args, "--period", "week", "-o", str(out)])
    assert result.exit_code in (0, 1), result.stderr
    view = open_page(1280, 1000)
    page = view.open(out)
    _check_charts(page, DEMO_CHARTS | {f"control-{s}" for s in DEMO_STANDARDS})
    charts = {c["figure"]: c for c in page.evaluate(CHARTS)}
    for s in DEMO_STANDARDS:
        alt = charts[f"control-{s}"]["alt"]
        assert alt.startswith(f"{s} by week: control chart (p")
        assert "chain rate by week" in alt and "centre line" in alt
        assert "Signals:" in alt or "No signal." in alt
    box = page.evaluate("""() => {
        const f = document.querySelector('#control-checkin-5min').getBoundingClientRect();
        return {x: f.left, y: f.top + scrollY, width: f.width, height: f.height};
    }""")
    shot = tmp_path / "control-checkin-5min.png"
    page.screenshot(path=shot, clip=box, full_page=True)
    assert not view.errors, view.errors
    assert shot.stat().st_size > 10_000
    _keep(shot, "control-checkin-5min.png")
