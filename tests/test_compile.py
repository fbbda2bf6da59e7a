"""Compiling standards into one aggregate query: one scan, however many standards."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb
import pytest

import svcaudit.audit
import svcaudit.engine
import svcaudit.runner
from svcaudit.compile import (
    AuditQuery,
    LogResolver,
    compile_audit,
    compile_rules,
    direct_query,
    plan_audit,
)
from svcaudit.compile.histogram import histogram_query
from svcaudit.errors import SvcauditError
from svcaudit.runner import tally_rows
from svcaudit.sources import Logs
from svcaudit.standards.loader import load_standards
from tests.helpers import audit, chain, write

LOG = (
    "branch,channel,arrived_at,answered_at,hold_seconds,rings,callback\n"
    "A,phone,2025-03-03 09:00:00,2025-03-03 09:00:20,10,2,true\n"
    "A,phone,2025-03-03 09:00:00,2025-03-03 09:01:20,40,4,false\n"
    "B,chat,2025-03-03 09:00:00,2025-03-03 09:00:50,,1,\n"
)


def many_standards(n: int) -> str:
    """A standards file with ``n`` standards of three kinds, all with the same `when`."""
    lines = ["svcaudit: 1", "name: Many", "standards:"]
    for i in range(n):
        lines += [f"  - id: s{i}", f"    title: Standard {i}", '    when: channel == "phone"']
        if i % 3 == 0:
            lines += ["    measure: answered_at - arrived_at", f"    at_most: {i + 1}s"]
        elif i % 3 == 1:
            lines += ["    measure: hold", f"    at_most: {i + 1}s"]
        else:
            lines += ["    check: callback"]
    return "\n".join(lines) + "\n"


def compile_for(tmp_path: Path, n_standards: int, n_files: int) -> AuditQuery:
    rules = write(tmp_path / f"many{n_standards}.yaml", many_standards(n_standards))
    logs = [write(tmp_path / f"log{i}.csv", LOG) for i in range(n_files)]
    standards = load_standards([rules])
    sources = Logs.open([str(p) for p in logs])
    con = duckdb.connect(":memory:")
    try:
        return compile_audit(standards, sources.schema(con), sources.relation)
    finally:
        con.close()


@pytest.mark.parametrize("n_files", [1, 2])
@pytest.mark.parametrize("n_standards", [1, 30])
def test_the_audit_is_one_grouped_query(tmp_path: Path, n_standards: int, n_files: int) -> None:
    query = compile_for(tmp_path, n_standards, n_files)
    sql = query.sql
    assert len(query.standards) == n_standards
    assert len(re.findall(r"\bGROUP\s+BY\b", sql, flags=re.IGNORECASE)) == 1
    assert len(re.findall(r"\bread_csv\s*\(", sql, flags=re.IGNORECASE)) == n_files
    # A `when:` shared by all standards is computed once, not once per standard.
    assert sql.count("'phone'") == 1


def test_query_size_grows_slowly_with_standards(tmp_path: Path) -> None:
    one = compile_for(tmp_path, 1, 1).sql
    thirty = compile_for(tmp_path, 30, 1).sql
    # The source scan is shared: 30 standards add aggregates, not 30 copies of the read.
    assert len(thirty) < 30 * len(one)


def test_run_audit_executes_exactly_that_one_query(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    captured: list[AuditQuery] = []
    executed: list[str] = []

    real_compile = svcaudit.runner.aggregate_query

    def spy_compile(*args: Any, **kwargs: Any) -> AuditQuery:
        result = real_compile(*args, **kwargs)
        captured.append(result)
        return result

    real_connect = svcaudit.engine.connect

    class Spy:
        def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
            self._con = con

        def sql(self, text: str, *args: Any, **kwargs: Any) -> Any:
            executed.append(text)
            return self._con.sql(text, *args, **kwargs)

        def execute(self, text: str, *args: Any, **kwargs: Any) -> Any:
            executed.append(text)
            return self._con.execute(text, *args, **kwargs)

        def __getattr__(self, name: str) -> Any:
            return getattr(self._con, name)

    monkeypatch.setattr(svcaudit.runner, "aggregate_query", spy_compile)
    monkeypatch.setattr(svcaudit.engine, "connect", lambda tz, files: Spy(real_connect(tz, files)))

    rules = write(tmp_path / "many.yaml", many_standards(30))
    log = write(tmp_path / "log.csv", LOG)
    card = audit([log], [rules])
    assert len(card.standards) == 30
    assert len(captured) == 1
    assert executed.count(captured[0].sql) == 1
    # No other statement aggregates the data per branch.
    grouped = [q for q in executed if re.search(r"\bGROUP\s+BY\b", q, flags=re.IGNORECASE)]
    assert grouped == [captured[0].sql]


def test_one_query_gives_each_standard_its_own_counts(tmp_path: Path) -> None:
    rules = write(tmp_path / "many.yaml", many_standards(6))
    log = write(tmp_path / "log.csv", LOG)
    card = audit([log], [rules])
    # In scope: the two phone rows (branch A). Their waits are 20 s and 80 s, holds 10 s
    # and 40 s, callback true/false.
    #   s0: wait <= 1s   -> 0 passed     s3: wait <= 4s   -> 0 passed
    #   s1: hold <= 2s   -> 0 passed     s4: hold <= 5s   -> 0 passed
    #   s2: callback     -> 1 passed     s5: callback     -> 1 passed
    assert [chain(card, f"s{i}") for i in range(6)] == [
        (2, 0, 2, 0),
        (2, 0, 2, 0),
        (2, 1, 1, 0),
        (2, 0, 2, 0),
        (2, 0, 2, 0),
        (2, 1, 1, 0),
    ]


SCHEMA = {
    "branch": "VARCHAR",
    "channel": "VARCHAR",
    "arrived_at": "TIMESTAMP WITH TIME ZONE",
    "answered_at": "TIMESTAMP WITH TIME ZONE",
    "rings": "DOUBLE",
    "hold_seconds": "DOUBLE",
}


def compile_text(tmp_path: Path, body: str) -> None:
    rules = write(
        tmp_path / "r.yaml",
        "svcaudit: 1\nname: T\nstandards:\n  - id: a\n    title: A\n" + body,
        dedent=False,
    )
    compile_rules(load_standards([rules]), LogResolver(SCHEMA))


def test_plain_number_measure_with_a_duration_limit_needs_a_unit(tmp_path: Path) -> None:
    with pytest.raises(SvcauditError) as info:
        compile_text(tmp_path, "    measure: rings\n    at_most: 30s\n")
    assert info.value.location is not None and info.value.location.line == 6
    assert "unit" in (info.value.hint or "")


def test_duration_measure_with_a_plain_number_limit_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SvcauditError) as info:
        compile_text(tmp_path, "    measure: answered_at - arrived_at\n    at_most: 60\n")
    assert info.value.location is not None and info.value.location.line == 7  # at_most
    assert "60s" in (info.value.hint or "")


def test_unit_on_a_duration_measure_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SvcauditError):
        compile_text(tmp_path, "    measure: hold\n    unit: s\n    at_most: 30s\n")


def test_when_must_be_a_condition(tmp_path: Path) -> None:
    with pytest.raises(SvcauditError) as info:
        compile_text(tmp_path, "    when: rings\n    check: rings > 1\n")
    assert info.value.location is not None and info.value.location.line == 6


def test_unknown_column_in_a_standard_is_located_in_the_yaml(tmp_path: Path) -> None:
    with pytest.raises(SvcauditError) as info:
        compile_text(tmp_path, '    when: chanel == "phone"\n    check: rings > 1\n')
    loc = info.value.location
    assert loc is not None and (loc.line, loc.column) == (6, 11)  # "    when: " is 10 chars
    assert "did you mean 'channel'" in (info.value.hint or "")


def test_fields_referring_to_each_other_in_a_circle(tmp_path: Path) -> None:
    rules = write(
        tmp_path / "r.yaml",
        "svcaudit: 1\nname: T\nfields:\n  a: b + 1s\n  b: a - 1s\nstandards:\n"
        "  - id: x\n    title: X\n    measure: a\n    at_most: 1m\n",
        dedent=False,
    )
    with pytest.raises(SvcauditError) as info:
        compile_rules(load_standards([rules]), LogResolver(SCHEMA))
    assert "circle" in info.value.message
    assert info.value.location is not None and info.value.location.line in (4, 5)


@pytest.mark.parametrize("n_standards", [1, 30, 60])
def test_histogram_strategy_counts_like_the_direct_one(tmp_path: Path, n_standards: int) -> None:
    # Many standards are counted from a histogram of the rows; the counts must not change.
    rules = write(tmp_path / "many.yaml", many_standards(n_standards))
    logs = Logs.open([str(write(tmp_path / "log.csv", LOG))])
    con = duckdb.connect(":memory:")
    try:
        plan = plan_audit(load_standards([rules]), logs.schema(con), logs.relation)
        one = direct_query(plan)
        direct = tally_rows(con.sql(one.sql).fetchall(), one.columns, n_standards)
        query = histogram_query(plan)
        assert query.fold is not None
        rows = query.fold(list(con.sql(query.sql).fetchnumpy().values()))
        histogram = tally_rows(rows, query.columns, n_standards)
    finally:
        con.close()
    # read by name, both strategies give the same counts
    assert histogram == direct
    assert direct.evaluated > 0 and any(c.in_scope for cs in direct.branches.values() for c in cs)
