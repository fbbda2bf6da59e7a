"""Compiling expressions: types, units, hints, and SQL that DuckDB evaluates as expected."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from svcaudit.compile import LogicalResolver, LogResolver
from svcaudit.expressions.compile import compile_expression
from svcaudit.expressions.errors import ExpressionError
from svcaudit.expressions.functions import FUNCTIONS
from svcaudit.expressions.parser import parse_expression
from svcaudit.expressions.types import Kind, Typed

ODD = 'a"b`c'  # a column name with a double quote and a backtick
INJECTION = "x'); DROP TABLE t; --"

# The columns of the test table, as DuckDB names their types.
SCHEMA = {
    "n": "INTEGER",
    "channel": "VARCHAR",
    "arrived_at": "TIMESTAMP WITH TIME ZONE",
    "answered_at": "TIMESTAMP WITH TIME ZONE",
    "hold_seconds": "DOUBLE",  # readable as the duration `hold`
    "rings": "DOUBLE",
    "callback": "BOOLEAN",
    "vru+line": "VARCHAR",
    ODD: "VARCHAR",
}

# Four hand-made rows (all on Saturday 2025-03-01, UTC):
#  n  channel      arrived   answered  hold_s  rings  callback  vru+line  a"b`c
#  1  phone        10:00:00  10:00:45  31      2      true      A         v
#  2  in-person    10:00:00  10:01:00  NULL    NULL   false     B         NULL
#  3  email        10:00:00  NULL      0       5      NULL      NULL      v
#  4  <INJECTION>  10:00:00  10:00:10  30      3      true      A         NULL
ROWS = [
    (1, "phone", "2025-03-01 10:00:00+00", "2025-03-01 10:00:45+00", 31, 2, True, "A", "v"),
    (
        2,
        "in-person",
        "2025-03-01 10:00:00+00",
        "2025-03-01 10:01:00+00",
        None,
        None,
        False,
        "B",
        None,
    ),
    (3, "email", "2025-03-01 10:00:00+00", None, 0, 5, None, None, "v"),
    (4, INJECTION, "2025-03-01 10:00:00+00", "2025-03-01 10:00:10+00", 30, 3, True, "A", None),
]


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect(":memory:")
    c.execute("SET TimeZone = 'UTC'")
    cols = ", ".join(f"{quote(k)} {v}" for k, v in SCHEMA.items())
    c.execute(f"CREATE TABLE t ({cols})")
    c.executemany(f"INSERT INTO t VALUES ({', '.join('?' * len(SCHEMA))})", ROWS)
    yield c
    c.close()


def compiled(text: str, schema: dict[str, str] | None = None) -> Typed:
    return compile_expression(parse_expression(text), LogResolver(schema or SCHEMA))


def evaluate(con: duckdb.DuckDBPyConnection, text: str) -> list[object]:
    typed = compiled(text)
    sql = typed.sql.sql("duckdb")
    return [r[0] for r in con.sql(f"SELECT {sql} FROM t ORDER BY n").fetchall()]


T, F, N = True, False, None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('channel == "phone"', [T, F, F, F]),
        ('channel != "phone"', [F, T, T, T]),
        ('channel in ["phone", "email"]', [T, F, T, F]),
        ('channel not in ["phone"]', [F, T, T, T]),
        # answered - arrived: 45 s, 60 s, NULL, 10 s
        ("answered_at - arrived_at <= 60s", [T, T, N, T]),
        ("answered_at - arrived_at < 1m", [T, F, N, T]),
        ("answered_at - arrived_at >= 45s", [T, T, N, F]),
        ("answered_at - arrived_at == 45000ms", [T, F, N, F]),
        ("(answered_at - arrived_at) / 1s >= 45", [T, T, N, F]),
        # hold = hold_seconds as a duration: 31 s, NULL, 0 s, 30 s
        ("hold > 30s", [T, N, F, F]),
        ("hold <= 30s", [F, N, T, T]),
        ("-hold < -30s", [T, N, F, F]),
        ("hold is null", [F, T, F, F]),
        ("hold is not null", [T, F, T, T]),
        # rings: 2, NULL, 5, 3
        ("not (rings > 3)", [T, N, F, T]),
        ("rings * 2 + 1 >= 5", [T, N, T, T]),
        ("abs(rings - 4) <= 1", [F, N, T, T]),
        ("seconds(rings) <= 2s", [T, N, F, F]),
        # and binds tighter than or; SQL three-valued logic for NULLs
        ('channel == "phone" and hold > 30s or rings >= 5', [T, N, T, F]),
        ('channel == "phone" and (hold > 30s or rings >= 5)', [T, F, F, F]),
        # booleans and quoted names
        ("callback", [T, F, N, T]),
        ("callback == true", [T, F, N, T]),
        ("not callback", [F, T, N, F]),
        ('`vru+line` == "A"', [T, F, N, T]),
        ('`a"b``c` == "v"', [T, N, T, N]),
        # timestamps: shifting by a duration, comparing with a literal date-time
        ("arrived_at + 45s == answered_at", [T, F, N, F]),
        ("answered_at - 45s == arrived_at", [T, F, N, F]),
        ('answered_at > "2025-03-01 10:00:50+00:00"', [F, T, N, F]),
        ("hour(arrived_at) == 10", [T, T, T, T]),
        ("weekday(arrived_at) == 6", [T, T, T, T]),  # 1 March 2025 was a Saturday
        ('date(arrived_at) == "2025-03-01"', [T, T, T, T]),
        ('lower(channel) == "phone" or upper(channel) == "EMAIL"', [T, F, T, F]),
        ("coalesce(answered_at, arrived_at) - arrived_at >= 45s", [T, T, F, F]),
    ],
)
def test_compiled_sql_gives_hand_expected_values(
    con: duckdb.DuckDBPyConnection, text: str, expected: list[object]
) -> None:
    assert evaluate(con, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        f'channel == "{INJECTION}"',
        f'channel in ["a", "{INJECTION}"]',
        f"channel == '{INJECTION.replace(chr(39), chr(92) + chr(39))}'",
    ],
)
def test_sql_injection_in_string_literals_stays_a_literal(
    con: duckdb.DuckDBPyConnection, text: str
) -> None:
    # Only row 4 has that exact text as its channel.
    assert evaluate(con, text) == [F, F, F, T]
    assert con.sql("SELECT count(*) FROM t").fetchall() == [(4,)]


def test_other_injection_shapes_compare_as_plain_text(con: duckdb.DuckDBPyConnection) -> None:
    for text in (
        'channel == "phone\'; DROP TABLE t; --"',
        'channel == "phone\\"; DROP TABLE t; --"',
        "channel == \"'' OR 1=1 --\"",
    ):
        assert evaluate(con, text) == [F, F, F, F], text
    assert con.sql("SELECT count(*) FROM t").fetchall() == [(4,)]


def test_names_are_quoted_identifiers_not_sql_text(con: duckdb.DuckDBPyConnection) -> None:
    schema = {**SCHEMA, "x; DROP TABLE t; --": "VARCHAR"}
    sql = compiled("`x; DROP TABLE t; --` is null", schema).sql.sql("duckdb")
    assert '"x; DROP TABLE t; --"' in sql


def test_timestamp_minus_timestamp_is_a_duration() -> None:
    assert compiled("answered_at - arrived_at").kind == Kind.DURATION
    assert compiled("answered_at - arrived_at <= 60s").kind == Kind.BOOLEAN
    assert compiled("arrived_at + 30s").kind == Kind.TIMESTAMP
    assert compiled("hold").kind == Kind.DURATION  # from hold_seconds
    assert compiled("hold_seconds").kind == Kind.NUMBER
    assert compiled("hours(rings)").kind == Kind.DURATION
    assert compiled("(answered_at - arrived_at) / 1s").kind == Kind.NUMBER
    assert compiled("hour(arrived_at)").kind == Kind.NUMBER


def test_unknown_column_did_you_mean() -> None:
    with pytest.raises(ExpressionError) as info:
        compiled('chanel == "phone"')
    assert "unknown column 'chanel'" in info.value.message
    assert info.value.span == (0, 6)
    assert "did you mean 'channel'" in (info.value.hint or "")


def test_unknown_column_suggests_unit_suffixed_duration() -> None:
    # `hodl` is close to `hold`, the duration that hold_seconds provides.
    with pytest.raises(ExpressionError) as info:
        compiled("hodl > 30s")
    assert "'hold'" in (info.value.hint or "")


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("rings > 30s", (0, 11)),
        ("hold > 30", (0, 9)),
        ("answered_at - arrived_at <= 60", (0, 30)),
        ("hold + 1", (0, 8)),
    ],
)
def test_number_with_duration_needs_a_unit(text: str, span: tuple[int, int]) -> None:
    with pytest.raises(ExpressionError) as info:
        compiled(text)
    assert info.value.span == span
    assert "duration" in info.value.message and "number" in info.value.message
    hint = info.value.hint or ""
    assert "unit" in hint and "30s" in hint


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("answered_at + arrived_at", "timestamp"),
        ("channel - 1", "text"),
        ("channel == null", "null"),
        ("rings and callback", "and"),
        ("not rings", "not"),
        ("callback < true", "true/false"),
        ("hour()", "argument"),
        ("hour(channel)", "hour()"),
        ("coalesce(rings, channel)", "coalesce"),
        ('arrived_at > "not a date"', "not a date"),
        ("rings in [1, null]", "null"),
    ],
)
def test_type_errors(text: str, fragment: str) -> None:
    with pytest.raises(ExpressionError) as info:
        compiled(text)
    assert fragment in info.value.message
    start, end = info.value.span
    assert 0 <= start < end <= len(text)


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("__import__('os')", (0, 10)),
        ("read_csv('/etc/passwd')", (0, 8)),
        ("eval('1')", (0, 4)),
        ("getattr(channel, 'x')", (0, 7)),
    ],
)
def test_unknown_functions_are_refused(text: str, span: tuple[int, int]) -> None:
    with pytest.raises(ExpressionError) as info:
        compiled(text)
    assert "unknown function" in info.value.message
    assert info.value.span == span
    assert info.value.hint


def test_function_registry_documents_itself_and_examples_compile() -> None:
    assert {"lower", "hour", "weekday", "date", "coalesce"} <= set(FUNCTIONS)
    for name, fn in FUNCTIONS.items():
        assert fn.name == name
        assert fn.summary and fn.example and fn.avoid, name
        typed = compile_expression(parse_expression(fn.example), LogicalResolver())
        assert typed.kind in (Kind.BOOLEAN, Kind.DURATION, Kind.ANY), (name, typed.kind)


def test_dividing_by_zero_is_missing_never_a_pass(tmp_path: Path) -> None:
    # DuckDB makes 5/0 inf and 0/0 NaN, and both compare as >= 0.8: two silent passes.
    # Divided by zero, a value is missing: unmeasured (and, with missing: fail, not passed).
    # Rows: 0/0 and 5/0 unmeasured, 4/10 fails, 9/10 passes.
    from tests.invoke import invoke  # noqa: PLC0415

    log = tmp_path / "log.csv"
    log.write_text("id,site,answered,offered\n1,A,0,0\n2,A,5,0\n3,A,4,10\n4,A,9,10\n")
    rules = tmp_path / "s.yaml"
    rules.write_text(
        "svcaudit: 1\nname: t\nbranch: site\nstandards:\n"
        "  - id: sl\n    title: service level\n    check: answered / offered >= 0.8\n"
    )
    run = invoke("audit", str(log), "-s", str(rules), "--format", "json")
    std = json.loads(run.stdout)["standards"][0]
    assert (std["in_scope"], std["passed"], std["failed"], std["unmeasured"]) == (4, 1, 1, 2)
