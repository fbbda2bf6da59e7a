"""HTML details and ``--violations`` together read the breaching rows once: the rows are held
for the session and both are drawn from them, with the same result as each alone."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

import svcaudit.engines
from tests.helpers import REPO
from tests.invoke import invoke

LOG = str(REPO / "examples" / "hotel-chain.csv")
PACK = str(REPO / "standards" / "hospitality-five-star.yaml")


@pytest.fixture
def holds(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The SQL of every result the DuckDB engine holds."""
    seen: list[str] = []
    hold = svcaudit.engines.DuckDBEngine.hold

    def counted(self: Any, sql: str, progress: Any) -> AbstractContextManager[str]:
        seen.append(sql)
        return hold(self, sql, progress)

    monkeypatch.setattr(svcaudit.engines.DuckDBEngine, "hold", counted)
    yield seen


def _audit(tmp_path: Path, *args: str) -> str:
    out = tmp_path / "violations.csv"
    run = invoke("audit", LOG, "-s", PACK, "-q", "--violations", str(out), *args)
    assert run.code in (0, 1), run.stderr
    return out.read_text(encoding="utf-8")


def test_html_and_violations_hold_the_breaching_rows_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, holds: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    alone = _audit(tmp_path)  # violations alone: one hold, as before
    assert len(holds) == 1
    holds.clear()
    both = _audit(tmp_path, "--report", f"html:{tmp_path / 'r.html'}")
    assert len(holds) == 1  # the HTML's worst breaches come from the same held rows
    assert both == alone  # and the violations file is the same
    assert len(both.splitlines()) > 100
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    holds.clear()
    invoke("audit", LOG, "-s", PACK, "-q", "--report", f"html:{tmp_path / 'alone.html'}")
    assert len(holds) == 1  # the HTML alone holds the breaches of its chosen standards
    alone_html = (tmp_path / "alone.html").read_text(encoding="utf-8")
    assert _body(html) == _body(alone_html)  # the same worst breaches in the report


def _body(html: str) -> str:
    """The page without what differs between two runs (the time, random redaction keys)."""
    start = html.find("<main")
    return html[start:] if start >= 0 else html
