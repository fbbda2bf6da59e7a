"""The fair floor for an auditor: the hand-written query of ``expert.py`` plus the check every
auditor owes its data, the repeated-id count (``count(id) - count(DISTINCT id)``), in one
process::

    python bench/expert_checks.py bench/data/log-5m.parquet bench/data/standards-10.json
"""

from __future__ import annotations

import json
import sys
from typing import Any

import duckdb

import expert


def main() -> None:
    """python bench/expert_checks.py LOG STANDARDS.json: figures (and repeats) as JSON."""
    path, spec = sys.argv[1], sys.argv[2]
    with open(spec, encoding="utf-8") as f:
        standards = json.load(f)
    con = duckdb.connect()
    rows = con.sql(expert.query(path, standards)).fetchall()
    out: dict[str, Any] = expert.figures(rows, standards)
    source = expert.source_of(path)
    (surplus,) = con.sql(f"SELECT count(id) - count(DISTINCT id) FROM {source}").fetchall()[0]
    out["duplicates"] = int(surplus)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
