"""The HTML report in a real browser: headless Chromium (Debian's ``chromium`` package).

Skipped only when Chromium is missing and ``SVCAUDIT_REQUIRE_BROWSER`` is unset; CI sets it
(``.ci/run`` installs chromium), so there a missing browser fails instead of skipping.
Screenshots go to the test's temporary directory (printed), and also to
``$SVCAUDIT_SCREENSHOT_DIR`` when set (``docs/screenshots`` was made that way).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from svcaudit.cli import app
from tests import browser
from tests.helpers import REPO
from tests.report.html_fixture import XSS, write_chain

pytestmark = pytest.mark.browser
runner = CliRunner()

CHARTS_LOADED = """JSON.stringify([...document.images].map(i => ({
    figure: i.closest('figure') ? i.closest('figure').id : null,
    complete: i.complete, width: i.naturalWidth, alt: i.alt.length})))"""


@pytest.fixture(scope="module", autouse=True)
def _chromium() -> None:
    if browser.available():
        return
    if os.environ.get("SVCAUDIT_REQUIRE_BROWSER"):
        pytest.fail("SVCAUDIT_REQUIRE_BROWSER is set but /usr/bin/chromium is missing")
    pytest.skip("headless Chromium not installed (apt-get install chromium)")


def _report(tmp: Path, log: Path, rules: Path) -> Path:
    out = tmp / "report.html"
    result = runner.invoke(app, ["audit", str(log), "-s", str(rules), "-o", str(out)])
    assert result.exit_code in (0, 1), result.stderr
    return out


def _keep(shot: Path, name: str) -> None:
    print(f"screenshot: {shot}")
    target = os.environ.get("SVCAUDIT_SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(target) / name)


def _check_rendered(page: browser.Page, expected: set[str]) -> None:
    images = json.loads(page.evaluate(CHARTS_LOADED))
    assert {i["figure"] for i in images} == expected
    for i in images:
        assert i["complete"] and i["width"] > 100, f"chart {i['figure']} did not render"
        assert i["alt"] > 20, f"chart {i['figure']} has no text alternative"


def test_demo_report_renders_without_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)  # the report names the files as given: relative, as people run it
    report = _report(
        tmp_path,
        Path("examples") / "hotel-chain.csv",
        Path("standards") / "hospitality-five-star.yaml",
    )
    standards = ["greet-60s", "phone-3-rings", "hold-30s", "callback-offered"]
    standards += ["checkin-5min", "luggage-10min", "email-24h"]
    expected = {"heatmap", *(f"funnel-{s}" for s in standards)}
    expected |= {f"distribution-{s}" for s in standards if s != "callback-offered"}
    with browser.browser(width=1280, height=1000) as page:
        page.open(report)
        _check_rendered(page, expected)
        assert page.evaluate("document.title").startswith("svcaudit: Five-star guest service")
        headers = page.evaluate("document.querySelectorAll('table th[scope]').length")
        assert headers > 50
        top = page.screenshot(
            tmp_path / "report-top.png", {"x": 0, "y": 0, "width": 1280, "height": 1000}
        )
        section = page.element_box("#std-luggage-10min")
        charts = page.element_box("#std-luggage-10min .charts")
        height = charts["y"] + charts["height"] - section["y"] + 10
        funnel = page.screenshot(
            tmp_path / "funnel.png", {"x": 0, "y": section["y"], "width": 1280, "height": height}
        )
        assert not page.errors, page.errors
    assert top.stat().st_size > 20_000 and funnel.stat().st_size > 20_000
    _keep(top, "report-top.png")
    _keep(funnel, "funnel-luggage-10min.png")


def test_hostile_names_stay_text_in_the_browser(tmp_path: Path) -> None:
    log, rules = write_chain(tmp_path)
    report = _report(tmp_path, log, rules)
    with browser.browser() as page:
        page.open(report)
        _check_rendered(
            page, {"heatmap", "funnel-hold-60s", "funnel-callback", "distribution-hold-60s"}
        )
        # shown as text, in the standard's heading and as a branch; no script element runs
        heading = page.evaluate("document.querySelector('#h-hold-60s').textContent")
        assert XSS in heading
        branches = page.evaluate(
            "[...document.querySelectorAll('table.branches th[scope=row]')].map(t => t.textContent)"
        )
        assert XSS in branches
        scripts = page.evaluate("[...document.scripts].map(s => s.type)")
        assert scripts == ["application/json"]
        page.screenshot(tmp_path / "hostile.png")
        assert not page.errors, page.errors  # an alert() would be a dialog, recorded here
