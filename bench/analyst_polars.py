"""What a data-minded analyst writes in Polars for the same figures.

A lazy scan of the export (timestamps parsed), the durations in seconds, then one
``group_by("branch")`` with one aggregate per count (in scope, passed, unmeasured per standard),
collected once::

    python bench/analyst_polars.py bench/data/log-5m.parquet bench/data/standards-10.json
"""

from __future__ import annotations

import json
import sys
from typing import Any

import polars as pl

TIMESTAMPS = ["arrived_at", "greeted_at", "completed_at", "first_reply_at"]


def seconds(end: str, start: str = "arrived_at") -> pl.Expr:
    """Whole seconds from ``start`` to ``end`` (null when either is missing)."""
    return (pl.col(end) - pl.col(start)).dt.total_seconds()


def main() -> None:
    """python bench/analyst_polars.py LOG STANDARDS.json: figures as JSON on stdout."""
    path, spec = sys.argv[1], sys.argv[2]
    with open(spec, encoding="utf-8") as f:
        standards = json.load(f)
    if path.endswith(".parquet"):
        log = pl.scan_parquet(path)
    else:
        log = pl.scan_csv(
            path, schema_overrides={c: pl.Datetime("us") for c in TIMESTAMPS}, try_parse_dates=True
        )
    log = log.with_columns(
        greet_wait=seconds("greeted_at"),
        handling_time=seconds("completed_at"),
        email_reply=seconds("first_reply_at"),
    )
    counts: list[pl.Expr] = [pl.len().alias("n")]
    for i, s in enumerate(standards):
        scope = pl.col("kind") == s["kind"]
        if s["priority"]:
            scope &= pl.col("priority") == s["priority"]
        if s["check"]:
            scope &= pl.col("hold_seconds") > 30
            value = pl.col(s["check"])
            passed = value.fill_null(False)
        else:
            value = pl.col(s["measure"])
            passed = value <= s["at_most"]
        counts += [
            scope.sum().alias(f"s{i}_scope"),
            (scope & passed).sum().alias(f"s{i}_passed"),
            (scope & value.is_null()).sum().alias(f"s{i}_unmeasured"),
        ]
    table = log.group_by("branch").agg(counts).collect()
    out: dict[str, Any] = {"rows": {}, "figures": {s["id"]: {} for s in standards}}
    for row in table.iter_rows(named=True):
        branch = row["branch"]
        out["rows"][branch] = int(row["n"])
        for i, s in enumerate(standards):
            scope_n = int(row[f"s{i}_scope"] or 0)
            if scope_n:
                passed_n = int(row[f"s{i}_passed"] or 0)
                out["figures"][s["id"]][branch] = [
                    scope_n,
                    passed_n,
                    int(row[f"s{i}_unmeasured"] or 0),
                ]
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
