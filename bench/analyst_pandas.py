"""What a typical analyst writes in pandas for the same figures (not tuned, not sabotaged).

Read the export (parsing the timestamp columns), compute the durations in seconds, then for
each standard (a row of the standards table) select the interactions in scope and count per
branch with ``groupby``::

    python bench/analyst_pandas.py bench/data/log-1m.csv bench/data/standards-10.json
"""

from __future__ import annotations

import json
import sys
from typing import Any

import pandas as pd

TIMESTAMPS = ["arrived_at", "greeted_at", "completed_at", "first_reply_at"]


def main() -> None:
    """python bench/analyst_pandas.py LOG STANDARDS.json: figures as JSON on stdout."""
    path, spec = sys.argv[1], sys.argv[2]
    with open(spec, encoding="utf-8") as f:
        standards = json.load(f)
    if path.endswith(".parquet"):
        df = pd.read_parquet(path)
    else:
        df = pd.read_csv(path, parse_dates=TIMESTAMPS)

    df["greet_wait"] = (df["greeted_at"] - df["arrived_at"]).dt.total_seconds()
    df["handling_time"] = (df["completed_at"] - df["arrived_at"]).dt.total_seconds()
    df["email_reply"] = (df["first_reply_at"] - df["arrived_at"]).dt.total_seconds()

    out: dict[str, Any] = {"rows": df.groupby("branch").size().to_dict(), "figures": {}}
    for s in standards:
        scope = df["kind"] == s["kind"]
        if s["priority"]:
            scope &= df["priority"] == s["priority"]
        if s["check"]:
            scope &= df["hold_seconds"] > 30
            value = df.loc[scope, s["check"]]
            passed = value.fillna(False).astype(bool)
        else:
            value = df.loc[scope, s["measure"]]
            passed = value <= s["at_most"]
        branch = df.loc[scope, "branch"]
        figures = pd.DataFrame(
            {
                "in_scope": branch.value_counts(),
                "passed": passed.groupby(branch).sum(),
                "unmeasured": value.isna().groupby(branch).sum(),
            }
        ).fillna(0)
        out["figures"][s["id"]] = {
            b: [int(r.in_scope), int(r.passed), int(r.unmeasured)]
            for b, r in figures.iterrows()
            if r.in_scope
        }
    out["rows"] = {b: int(n) for b, n in out["rows"].items()}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
