"""The demo inspection's HTML report in a real browser: the league and the section heatmap.

The order of the league is checked against a plain-Python reference over the CSV copy of the
demo log (the report reads the .xlsx), with the pack's weights and critical items.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.checklists.reference import reference_scores
from tests.helpers import REPO
from tests.report.test_html_browser import CHARTS, _keep, _report, browser, open_page

__all__ = ["browser", "open_page"]  # the fixtures, shared with the report's browser tests
pytestmark = pytest.mark.browser


def test_inspection_league_and_heatmap(
    open_page: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    report = _report(
        tmp_path,
        Path("examples") / "hotel-inspections.xlsx",
        Path("standards") / "hospitality-inspection.yaml",
    )
    view = open_page(1280, 1000)
    page = view.open(report)
    table = page.locator("#league-table-hotel-inspection")
    assert table.is_visible()
    rows = table.locator("tbody tr")
    expected = sorted(reference_scores().items(), key=lambda kv: -kv[1])
    assert [r.get_attribute("data-branch") for r in rows.all()] == [h for h, _ in expected]
    shown = [float(re.sub("%", "", r.locator("td").nth(2).inner_text())) for r in rows.all()]
    assert shown == pytest.approx([round(100 * s, 1) for _, s in expected], abs=0.051)
    assert rows.last.get_attribute("data-position") == "alarm-low"  # Zakopane's critical fails
    grid = page.locator("#section-grid-hotel-inspection")
    dining = grid.locator("tbody tr", has_text="Restaurant and breakfast").locator("td")
    heads = grid.locator("thead th").all_inner_texts()[1:-1]
    lodz = heads.index("Łódź Manufaktura")
    cells = [float(t.rstrip("%")) for t in dining.all_inner_texts()]
    assert cells[lodz] == min(cells[:-1]) and cells[lodz] < cells[-1] - 10  # the weak section
    charts = {c["figure"]: c for c in page.evaluate(CHARTS)}
    for figure in ("league-hotel-inspection", "sections-hotel-inspection"):
        assert charts[figure]["natural"] > 100 and charts[figure]["width"] > 100, figure
        assert len(charts[figure]["alt"]) > 20
    section = page.locator("#leagues-hotel-inspection")
    section.scroll_into_view_if_needed()
    shot = tmp_path / "inspection-league.png"
    section.screenshot(path=shot)
    assert shot.stat().st_size > 20_000
    assert not view.errors, view.errors
    _keep(shot, "inspection-league.png")
