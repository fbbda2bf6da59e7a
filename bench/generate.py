"""Generate seeded benchmark logs (CSV and Parquet) with DuckDB SQL, fast at 20 M rows.

The log has the shape of ``examples/hotel-chain.csv`` (the demo hotel chain) at scale: 200
hotels, five kinds of interaction (arrivals, check-ins, luggage, calls, e-mails), missing
values where real systems lose them, a few notes with commas and quotes, and hotels that
differ in how often they breach. Every random draw is a hash of (row number, draw number),
so the same ``--rows`` gives byte-identical files on any machine with the same DuckDB.

Timestamps are naive local time (Europe/Warsaw) between 1 April and 30 September 2025, all in
summer time: no duration crosses a DST switch, so naive differences (what the hand-written
query and the pandas script compute) equal svcaudit's time-zone-aware ones.

Usage::

    python bench/generate.py --rows 5000000          # bench/data/log-5m.parquet and .csv
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import duckdb

DATA = Path(__file__).resolve().parent / "data"
BRANCHES = 200
PERIOD_SECONDS = 180 * 86400


def label(rows: int) -> str:
    """1000000 -> '1m', 10000 -> '10k'."""
    if rows % 1_000_000 == 0:
        return f"{rows // 1_000_000}m"
    if rows % 1000 == 0:
        return f"{rows // 1000}k"
    return str(rows)


def paths(rows: int) -> dict[str, Path]:
    """The generated files for a row count, by format."""
    return {fmt: DATA / f"log-{label(rows)}.{fmt}" for fmt in ("parquet", "csv")}


# u(i, k): a uniform draw in [0, 1) for row i, draw k; r(i, k, lo, hi): an integer in [lo, hi].
MACROS = """
CREATE OR REPLACE MACRO u(i, k) AS (hash(i, k) % 1000000007) / 1000000007.0;
CREATE OR REPLACE MACRO r(i, k, lo, hi) AS lo + floor(u(i, k) * (hi - lo + 1))::BIGINT;
"""

QUERY = """
WITH base AS (
    SELECT i,
        -- hotels differ in size (skewed) and in quality (q: share of interactions done well)
        floor(pow(u(i, 1), 1.3) * {branches})::INT AS b,
        CASE WHEN u(i, 2) < 0.26 THEN 'arrival' WHEN u(i, 2) < 0.48 THEN 'check-in'
             WHEN u(i, 2) < 0.64 THEN 'luggage' WHEN u(i, 2) < 0.89 THEN 'call'
             ELSE 'email' END AS kind,
        CASE WHEN u(i, 3) < 0.80 THEN 'normal' WHEN u(i, 3) < 0.95 THEN 'high'
             ELSE 'vip' END AS priority,
        TIMESTAMP '2025-04-01 00:00:00'
            + to_seconds(i * {period} // {rows} + r(i, 4, 0, 59)) AS arrived_at
    FROM range({rows}) t(i)
), q AS (
    SELECT *, 0.80 + 0.195 * u(b, 99) AS ok FROM base
)
SELECT
    'H-' || lpad(i::VARCHAR, 9, '0') AS id,
    'Hotel ' || lpad(b::VARCHAR, 3, '0') AS branch,
    CASE kind WHEN 'call' THEN 'phone' WHEN 'email' THEN 'email' ELSE 'in-person' END
        AS channel,
    kind,
    priority,
    'Agent ' || lpad((b * 10 + r(i, 5, 0, 9))::VARCHAR, 4, '0') AS agent,
    arrived_at,
    CASE WHEN kind = 'arrival' AND u(i, 6) >= 0.015 THEN arrived_at + to_seconds(
        CASE WHEN u(i, 7) < ok THEN r(i, 8, 3, 58) ELSE r(i, 8, 62, 420) END) END AS greeted_at,
    CASE
        WHEN kind = 'check-in' AND u(i, 6) >= 0.01 THEN arrived_at + to_seconds(
            CASE WHEN u(i, 7) < ok THEN r(i, 8, 80, 295) ELSE r(i, 8, 305, 1080) END)
        WHEN kind = 'luggage' AND u(i, 6) >= 0.04 THEN arrived_at + to_seconds(
            CASE WHEN u(i, 7) < ok - 0.1 THEN r(i, 8, 150, 595) ELSE r(i, 8, 605, 2100) END)
        WHEN kind = 'call' THEN arrived_at + to_seconds(r(i, 9, 45, 540)
            + CASE WHEN u(i, 10) < 1.2 - ok THEN r(i, 11, 31, 240)
                   WHEN u(i, 10) < 0.75 THEN 0 ELSE r(i, 11, 5, 29) END)
    END AS completed_at,
    CASE WHEN kind = 'call' AND u(i, 12) >= 0.01 THEN
        CASE WHEN u(i, 7) < ok THEN r(i, 13, 1, 3) ELSE r(i, 13, 4, 9) END END AS rings,
    CASE WHEN kind = 'call' THEN
        CASE WHEN u(i, 10) < 1.2 - ok THEN r(i, 11, 31, 240)
             WHEN u(i, 10) < 0.75 THEN 0 ELSE r(i, 11, 5, 29) END END AS hold_seconds,
    CASE WHEN kind = 'call' THEN u(i, 10) < 1.2 - ok AND u(i, 14) < ok END AS callback_offered,
    CASE WHEN kind = 'email' AND u(i, 6) >= 0.01 THEN arrived_at + to_seconds(
        CASE WHEN u(i, 7) < ok THEN r(i, 8, 360, 85800) ELSE r(i, 8, 86700, 216000) END)
        END AS first_reply_at,
    CASE WHEN u(i, 15) < 0.03 THEN ['VIP guest', 'Returning guest, prefers high floor',
        'Asked for "quiet room"', 'Group booking, 4 rooms'][r(i, 16, 1, 4)] END AS note
FROM q
ORDER BY i
"""


def generate(rows: int, force: bool = False) -> dict[str, Path]:
    """Write the Parquet and CSV logs for ``rows`` (kept when they exist, unless ``force``)."""
    out = paths(rows)
    if not force and all(p.exists() for p in out.values()):
        return out
    DATA.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.sql(MACROS)
    sql = QUERY.format(rows=rows, branches=BRANCHES, period=PERIOD_SECONDS)
    tmp = {fmt: p.with_suffix(p.suffix + ".tmp") for fmt, p in out.items()}
    con.sql(f"COPY ({sql}) TO '{tmp['parquet']}' (FORMAT parquet)")
    con.sql(
        f"COPY (FROM read_parquet('{tmp['parquet']}')) TO '{tmp['csv']}' "
        "(HEADER, TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S')"
    )
    for fmt, p in tmp.items():
        p.rename(out[fmt])
    return out


def main() -> None:
    """Command line: --rows N [--force]."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args()
    start = time.perf_counter()
    for fmt, p in generate(args.rows, args.force).items():
        print(f"{fmt}: {p} ({p.stat().st_size / 1e6:.0f} MB)")
    print(f"{time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
