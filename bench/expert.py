"""The floor: the one DuckDB query an expert would write by hand for the same figures.

Per branch: rows, and for every standard in scope / passed / unmeasured. Each measure is
computed once (whole seconds between two timestamps) in a CTE and compared with plain numbers;
counts are ``sum(CASE ...)`` (``--style filter`` writes ``count(*) FILTER (WHERE ...)``).
Run as its own process, ``import duckdb`` included, so start-up is timed like svcaudit's::

    python bench/expert.py bench/data/log-5m.parquet bench/data/standards-10.json
"""

from __future__ import annotations

import json
import sys
from typing import Any

import duckdb  # timed with the rest: the process starts as svcaudit's does

MEASURE_SQL = {
    "greet_wait": "date_diff('second', arrived_at, greeted_at)",
    "handling_time": "date_diff('second', arrived_at, completed_at)",
    "email_reply": "date_diff('second', arrived_at, first_reply_at)",
    "rings": "rings",
    "hold_seconds": "hold_seconds",
}


def source_of(path: str) -> str:
    """The table function that reads the export."""
    return f"read_parquet('{path}')" if path.endswith(".parquet") else f"read_csv('{path}')"


def query(path: str, standards: list[dict[str, Any]], style: str = "case") -> str:
    """The hand-written query (text: the expert writes it; no user input reaches it)."""
    source = source_of(path)
    measures = ",\n    ".join(f"{sql} AS {name}" for name, sql in MEASURE_SQL.items())

    def count(cond: str) -> str:
        if style == "filter":
            return f"count(*) FILTER (WHERE {cond})"
        return f"sum(CASE WHEN {cond} THEN 1 ELSE 0 END)"

    aggregates = ["count(*) AS n"]
    for i, s in enumerate(standards):
        scope = f"kind = '{s['kind']}'"
        if s["priority"]:
            scope += f" AND priority = '{s['priority']}'"
        if s["check"]:
            scope += " AND hold_seconds > 30"
            value, passes = s["check"], s["check"]
        else:
            value = s["measure"]
            passes = f"{value} <= {s['at_most']}"
        aggregates += [
            f"{count(scope)} AS s{i}_scope",
            f"{count(f'{scope} AND {passes}')} AS s{i}_passed",
            f"{count(f'{scope} AND {value} IS NULL')} AS s{i}_unmeasured",
        ]
    return (
        f"WITH t AS (SELECT branch, kind, priority, callback_offered,\n    {measures}\n"
        f"  FROM {source})\n"
        f"SELECT branch, {', '.join(aggregates)}\nFROM t GROUP BY branch"
    )


def main() -> None:
    """python bench/expert.py LOG STANDARDS.json [case|filter]: figures as JSON on stdout."""
    path, spec = sys.argv[1], sys.argv[2]
    style = sys.argv[3] if len(sys.argv) > 3 else "case"
    with open(spec, encoding="utf-8") as f:
        standards = json.load(f)
    json.dump(figures(duckdb.sql(query(path, standards, style)).fetchall(), standards), sys.stdout)


def figures(rows: list[tuple[Any, ...]], standards: list[dict[str, Any]]) -> dict[str, Any]:
    """The query's rows as {"rows": {branch: n}, "figures": {standard: {branch: [...]}}}."""
    out: dict[str, Any] = {"rows": {}, "figures": {s["id"]: {} for s in standards}}
    for row in rows:
        branch = row[0]
        out["rows"][branch] = int(row[1])
        for i, s in enumerate(standards):
            scope, passed, unmeasured = (int(v or 0) for v in row[2 + 3 * i : 5 + 3 * i])
            if scope:
                out["figures"][s["id"]][branch] = [scope, passed, unmeasured]
    return out


if __name__ == "__main__":
    main()
