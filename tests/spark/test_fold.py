"""A fold (``fold:``) gives the same report on Spark as on DuckDB: the hand-worked event log
of tests/test_fold.py, split over two files so that a tie is broken across files."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from svcaudit.audit import AuditRequest, run_audit
from svcaudit.report.json import scorecard_dict
from tests.helpers import chain, write
from tests.test_fold import EVENTS, FOLD, STANDARDS


def test_fold_on_both_engines(spark: Any, tmp_path: Path) -> None:
    lines = EVENTS.splitlines()
    # the header and INC1, INC2's first two updates in one file; INC2's tying Closed update
    # (count 1) and INC3 in the next: the later file's row must win the tie on both engines
    first = write(tmp_path / "a.csv", "\n".join(lines[:6]) + "\n")
    second = write(tmp_path / "b.csv", "\n".join([lines[0], *lines[6:]]) + "\n")
    standards = write(tmp_path / "s.yaml", STANDARDS.replace("{fold}", FOLD))
    request = AuditRequest(logs=[str(first), str(second)], standards=[str(standards)])
    for engine in ("duckdb", "spark"):
        card = run_audit(replace(request, engine=engine))
        assert (card.rows.read, card.rows.evaluated, card.rows.merged) == (7, 3, 4), engine
        assert chain(card, "resolved-5d") == (3, 2, 0, 1), engine
        assert chain(card, "closed") == (3, 1, 2, 0), engine
    duck = scorecard_dict(run_audit(request))
    assert scorecard_dict(run_audit(replace(request, engine="spark"))) == duck
