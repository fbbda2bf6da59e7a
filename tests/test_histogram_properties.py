"""Property: counting from the histogram (svcaudit.histogram) gives the direct query's counts.

The direct query tests every standard on every row with ``sum(CASE ...)``; the histogram
bins each measure by binary search over all its limits, counts rows per grouping set and
folds the sums in numpy. Random logs (missing, negative, implausibly long and boundary
values) and random standards (at most / at least, durations and plain numbers, checks,
limits by category, `when`, `missing:`) must give the same figures both ways.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svcaudit.compile import direct_query, plan_audit
from svcaudit.compile.histogram import histogram_query
from svcaudit.runner import tally_rows
from svcaudit.sources import Logs
from svcaudit.standards.loader import load_standards

ANSWER_DELAYS = [None, -5, 0, 1, 19, 20, 21, 59, 60, 61, 299, 300, 90_000, 10**7]
HOLDS = [None, "-1", "0", "10", "29.5", "30", "30.5", "100", "nan"]

rows = st.lists(
    st.tuples(
        st.sampled_from(["A", "B", "C", ""]),
        st.sampled_from(["phone", "chat", "email", ""]),
        st.sampled_from(ANSWER_DELAYS),
        st.sampled_from(HOLDS),
        st.sampled_from([None, 0, 1, 2, 3, 4, 6]),
        st.sampled_from([None, "true", "false"]),
    ),
    min_size=1,
    max_size=40,
)

SECONDS = [1, 20, 21, 30, 60, 61, 300]
standard = st.one_of(
    st.tuples(
        st.just("duration"),
        st.sampled_from(["answered_at - arrived_at", "hold"]),
        st.sampled_from(["at_most", "at_least"]),
        st.sampled_from(SECONDS),
    ),
    st.tuples(
        st.just("number"),
        st.just("rings"),
        st.sampled_from(["at_most", "at_least"]),
        st.sampled_from([0, 2, 3, 5]),
    ),
    st.tuples(st.just("check"), st.just("callback"), st.just(""), st.just(0)),
    st.tuples(
        st.just("by"),
        st.sampled_from(["answered_at - arrived_at", "hold"]),
        st.sampled_from(["at_most", "at_least"]),
        st.sampled_from(SECONDS),
    ),
)
standards = st.lists(
    st.tuples(
        standard,
        st.sampled_from([None, 'channel == "phone"', 'channel != "email"']),
        st.sampled_from(["fail", "skip"]),
    ),
    min_size=1,
    max_size=12,
)


def log_text(data: list[tuple[Any, ...]]) -> str:
    """The rows after one complete row (so that every column's type is detected)."""
    lines = ["branch,channel,arrived_at,answered_at,hold_seconds,rings,callback"]
    complete = ("A", "phone", 20, "10", 2, "true")
    for i, (branch, channel, delay, hold, rings, callback) in enumerate([complete, *data]):
        arrived = 1_741_000_000 + 3600 * i
        answered = "" if delay is None else _iso(arrived + delay)
        cells = [branch, channel, _iso(arrived), answered, hold or "", rings, callback or ""]
        lines.append(",".join("" if c is None else str(c) for c in cells))
    return "\n".join(lines) + "\n"


def _iso(epoch: int) -> str:
    from datetime import UTC, datetime  # noqa: PLC0415

    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S")


def standards_text(chosen: list[tuple[Any, ...]]) -> str:
    lines = ["svcaudit: 1", "name: Random", "time_zone: UTC", "standards:"]
    for i, ((kind, measure, limit_key, limit), when, missing) in enumerate(chosen):
        lines += [f"  - id: s{i}", f"    title: Standard {i}", f"    missing: {missing}"]
        if when:
            lines.append(f"    when: {when}")
        if kind == "check":
            lines.append(f"    check: {measure}")
            continue
        lines.append(f"    measure: {measure}")
        if kind == "by":
            lines += [
                "    by: channel",
                f"    {limit_key}: {{phone: {limit}s, chat: {limit * 2}s, '*': {limit + 1}s}}",
            ]
        elif kind == "duration":
            lines.append(f"    {limit_key}: {limit}s")
        else:
            lines.append(f"    {limit_key}: {limit}")
    return "\n".join(lines) + "\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=rows, chosen=standards)
def test_histogram_counts_like_the_direct_query(
    tmp_path_factory: Any, data: list[tuple[Any, ...]], chosen: list[tuple[Any, ...]]
) -> None:
    here: Path = tmp_path_factory.mktemp("h")
    (here / "log.csv").write_text(log_text(data), encoding="utf-8")
    (here / "rules.yaml").write_text(standards_text(chosen), encoding="utf-8")
    logs = Logs.open([str(here / "log.csv")])
    con = duckdb.connect(":memory:")
    try:
        plan = plan_audit(
            load_standards([str(here / "rules.yaml")]), logs.schema(con), logs.relation
        )
        one = direct_query(plan)
        direct = tally_rows(con.sql(one.sql).fetchall(), one.columns, len(plan.compiled))
        query = histogram_query(plan)
        assert query.fold is not None
        arrays = list(con.sql(query.sql).fetchnumpy().values())  # as DuckDB hands them over
        tuples = list(zip(*con.sql(query.sql).fetchall(), strict=True))  # as Spark does
        n = len(plan.compiled)
        folded = tally_rows(query.fold(arrays), query.columns, n)
        from_tuples = tally_rows(query.fold(tuples), query.columns, n)
    finally:
        con.close()
    # the counts read by name (the strategies lay their columns out differently)
    assert folded == direct
    assert from_tuples == direct
