"""Invalid values at the counted rows' lines on Spark as on DuckDB (the logs and the lines
worked out by hand in tests/sources/test_invalid_lines.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from tests.sources.test_invalid_lines import fold_request, listed, since_request


def test_counted_rows_lines_on_spark(spark: Any, tmp_path: Path) -> None:
    since = since_request(tmp_path / "since")
    assert listed(replace(since, engine="spark")) == [(5, "greeted_at", "soon", 1)]
    fold = fold_request(tmp_path / "fold")
    assert listed(replace(fold, engine="spark")) == [(4, "greeted_at", "soon", 1)]
