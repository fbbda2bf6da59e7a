"""Each DuckDB/Spark difference the Spark renderer handles: the rewrite, and the same values.

Every probe is a sqlglot tree with DuckDB's meaning. It runs on DuckDB as written and on Spark
through ``spark_sql``; the results must be equal. All probes of a kind run in one query per
engine, to keep Spark's per-query cost down.
"""

from __future__ import annotations

import math
from typing import Any

import duckdb
import pytest
from sqlglot import exp

from svcaudit.compile import INSTANT_TEXT
from svcaudit.expressions.calendars import CalendarSpec, business_time_sql
from svcaudit.expressions.compile import epoch_ms
from svcaudit.sources.casting import in_zone
from svcaudit.sources.values import DEFAULT_NULLS, without_markers
from svcaudit.spark.dialect import SparkUnsupportedError, java_pattern, spark_sql
from svcaudit.spark.session import configure

ZONE = "Europe/Warsaw"  # not UTC, with a summer-time change on 2025-03-30


def lit(v: str) -> exp.Expr:
    return exp.Literal.string(v)


def ts(text: str) -> exp.Expr:
    return exp.cast(lit(text), "TIMESTAMPTZ")


def try_cast(text: str | None, to: str) -> exp.Expr:
    value = lit(text) if text is not None else exp.cast(exp.null(), "VARCHAR")
    return exp.TryCast(this=value, to=exp.DataType.build(to))


def local(naive: exp.Expr) -> exp.Expr:
    return exp.cast(naive, "TIMESTAMPTZ")


def fn(name: str, *args: exp.Expr) -> exp.Expr:
    return exp.Anonymous(this=name, expressions=list(args))


def norm(v: Any) -> Any:
    if isinstance(v, float) and math.isnan(v):
        return "NaN"
    if isinstance(v, float) and not math.isinf(v) and v == int(v):
        return int(v)
    return v


def both(spark: Any, probes: dict[str, exp.Expr], source: exp.Select | None = None) -> None:
    """Evaluate the probes on DuckDB and on Spark and compare them one by one."""
    select = exp.select(*(exp.alias_(p, f"p{i}") for i, p in enumerate(probes.values())))
    if source is not None:
        select = select.from_(source.subquery("src"))
    con = duckdb.connect()
    con.sql(f"SET TimeZone = '{ZONE}'")
    expected = con.sql(select.sql("duckdb")).fetchall()
    configure(spark, ZONE)
    got = [tuple(r) for r in spark.sql(spark_sql(select)).collect()]
    assert len(got) == len(expected)
    for e_row, g_row in zip(expected, got, strict=True):
        for name, e, g in zip(probes, e_row, g_row, strict=True):
            assert norm(g) == norm(e), f"{name}: DuckDB {e!r}, Spark {g!r}"


TIMESTAMP_TEXT = [
    "2025-03-17 00:33:48",
    "2025-03-17T00:33:48Z",
    "2025-03-17T00:33:48+08:00",
    "2025-03-17T00:33:48-0530",
    "2025-03-17 00:33:48.250",
    "2025-03-17",
    "2025-3-7 1:2:3",
    "2025-03-30 02:30:00",  # does not exist in Warsaw (clocks jump 02:00 -> 03:00)
    "2025-03",  # Spark alone reads these three
    "2025",
    "2025-03-17T00:33",
    "2025-02-30 25:61:00",
    "2025-03-32T15:11:27+08:00",
    "not a date",
    "",
]
NUMBER_TEXT = ["60", " 5 ", "-4.5", "+3", ".5", "5.", "1e3", "1_000", "inf", "-Infinity", "nan",
               "1.5d", "0x10", "three", "", "#VALUE!"]  # fmt: skip
BOOLEAN_TEXT = ["true", "TRUE", "t", "yes", "y", "1", "false", "f", "no", "n", "0", " true ",
                "on", "maybe", ""]  # fmt: skip


def test_try_cast_timestamp_accepts_what_duckdb_accepts(spark: Any) -> None:
    probes = {f"ts {t!r}": epoch_ms(try_cast(t, "TIMESTAMPTZ")) for t in TIMESTAMP_TEXT}
    both(spark, probes)


def test_try_cast_numbers_accepts_and_rounds_like_duckdb(spark: Any) -> None:
    probes = {f"double {t!r}": try_cast(t, "DOUBLE") for t in NUMBER_TEXT}
    probes |= {
        f"bigint {t!r}": try_cast(t, "BIGINT")
        for t in ["5.5", "4.5", "-4.5", "-0.5", "1e3", "7", " 7 ", "1_000", "seven"]
    }
    both(spark, probes)


def test_try_cast_boolean_words(spark: Any) -> None:
    both(spark, {f"bool {t!r}": try_cast(t, "BOOLEAN") for t in BOOLEAN_TEXT})


def test_epoch_ms_is_unix_millis_not_timestamp_millis(spark: Any) -> None:
    tree = epoch_ms(ts("2025-03-17 00:33:48"))
    assert "UNIX_MILLIS" in spark_sql(tree).upper()
    probes = {
        "naive in the session zone": tree,
        "with offset": epoch_ms(ts("2025-03-17T00:33:48Z")),
        "difference": exp.Sub(
            this=epoch_ms(ts("2025-03-30 03:00:00")), expression=epoch_ms(ts("2025-03-30 01:59:00"))
        ),
    }
    both(spark, probes)


def test_interval_arithmetic_to_milliseconds(spark: Any) -> None:
    shift = fn("to_milliseconds", exp.cast(exp.Literal.number(90_000), "BIGINT"))
    plus = exp.Add(this=ts("2025-03-30 01:59:00"), expression=shift)
    minus = exp.Sub(this=ts("2025-03-30 03:00:30"), expression=shift.copy())
    assert "TO_MILLISECONDS" not in spark_sql(plus).upper()
    both(spark, {"plus": epoch_ms(plus), "minus": epoch_ms(minus)})


def test_timezone_gives_local_wall_clock(spark: Any) -> None:
    instant = ts("2025-03-30T00:30:00Z")
    probes = {
        f"{zone}": fn("strftime", fn("timezone", lit(zone), instant.copy()), lit("%Y-%m-%d %H:%M"))
        for zone in ("Asia/Tokyo", "America/New_York", "Europe/Warsaw", "UTC")
    }
    both(spark, probes)


def test_a_local_time_in_a_columns_zone(spark: Any) -> None:
    # naive text read as a local time of another zone than the session's (Warsaw): around
    # both cities' DST switches, the repeated hour (later instant) and the skipped one
    probes = {}
    for zone in ("America/New_York", "Europe/Warsaw", "Asia/Tokyo"):
        for i, text in enumerate(
            ["2025-03-09 02:30", "2025-03-30 02:30", "2025-10-26 02:30", "2025-11-02 01:30",
             "2025-11-02 01:59:59.25", "2025-06-01", "not a date"]
        ):  # fmt: skip
            naive = try_cast(text, "TIMESTAMP")
            probes[f"{zone} {i}"] = epoch_ms(in_zone(naive, zone))
        fmt = "%m/%d/%y %I:%M %p"
        parsed = fn("try_strptime", lit("10/26/25 2:30 AM"), lit(fmt))
        probes[f"{zone} format"] = epoch_ms(in_zone(parsed, zone))
        probes[f"{zone} bad"] = epoch_ms(in_zone(fn("try_strptime", lit("x"), lit(fmt)), zone))
    both(spark, probes)


def test_day_of_week_numbering(spark: Any) -> None:
    days = [f"2025-03-{d:02d} 12:00:00" for d in range(2, 9)]  # Sunday .. Saturday
    probes: dict[str, exp.Expr] = {}
    for day in days:
        probes[f"isodow {day}"] = exp.Extract(this=exp.var("isodow"), expression=ts(day))
        probes[f"dow {day}"] = exp.Extract(this=exp.var("dow"), expression=ts(day))
    probes["hour across DST"] = exp.Extract(
        this=exp.var("hour"), expression=ts("2025-03-30T01:30:00Z")
    )
    both(spark, probes)


def test_strftime_and_strptime_formats(spark: Any) -> None:
    assert java_pattern("%d/%m/%Y %H:%M") == "dd/MM/yyyy HH:mm"
    assert java_pattern("%m/%d/%Y %I:%M %p") == "MM/dd/yyyy hh:mm a"
    assert java_pattern("%d.%m.%Y at %H") == "dd.MM.yyyy' at 'HH"
    with pytest.raises(SparkUnsupportedError):
        java_pattern("%j")
    probes = {
        "date": fn("strftime", ts("2025-03-30T23:30:00Z"), lit("%Y-%m-%d")),
        # as svcaudit uses it (parse_time, typed columns): local time in the session's zone
        "parse": epoch_ms(
            local(fn("try_strptime", lit("31/03/2025 10:00"), lit("%d/%m/%Y %H:%M")))
        ),
        "parse pm": epoch_ms(
            local(fn("try_strptime", lit("03/31/2025 10:00 PM"), lit("%m/%d/%Y %I:%M %p")))
        ),
        "no match": epoch_ms(local(fn("try_strptime", lit("31-03-2025"), lit("%d/%m/%Y %H:%M")))),
    }
    both(spark, probes)


def test_division_by_zero_and_integer_division(spark: Any) -> None:
    one, zero = exp.Literal.number(1), exp.Literal.number(0)
    probes = {
        "1/0": exp.Div(this=one, expression=zero),
        "-1/0": exp.Div(this=exp.Neg(this=one.copy()), expression=zero.copy()),
        "0/0": exp.Div(this=zero.copy(), expression=zero.copy()),
        "7/2": exp.Div(this=exp.Literal.number(7), expression=exp.Literal.number(2)),
        "-7//2": exp.IntDiv(this=exp.Literal.number(-7), expression=exp.Literal.number(2)),
        "7//2": exp.IntDiv(this=exp.Literal.number(7), expression=exp.Literal.number(2)),
    }
    both(spark, probes)


def test_concat_null_in_null_out(spark: Any) -> None:
    assert "COALESCE" not in spark_sql(exp.func("concat", lit("a"), exp.column("b"))).upper()
    probes = {
        "concat": exp.func("concat", lit("a"), exp.cast(exp.null(), "VARCHAR"), lit("b")),
        "concat_ws": exp.func(
            "concat_ws", lit(" / "), lit("a"), exp.cast(exp.null(), "VARCHAR"), lit("b")
        ),
    }
    both(spark, probes)


def test_percentiles_are_exact(spark: Any) -> None:
    source = exp.select("x").from_(
        exp.values(
            [exp.tuple_(exp.Literal.number(v)) for v in (1, 2, 3, 4, 10)], "t", columns=["x"]
        )
    )
    tree = fn("quantile_cont", exp.column("x"), exp.Literal.number(0.5))
    text = spark_sql(tree).upper()
    assert "PERCENTILE(" in text and "APPROX" not in text
    both(
        spark,
        {"median": tree, "p90": fn("quantile_cont", exp.column("x"), exp.Literal.number(0.9))},
        source,
    )
    with pytest.raises(SparkUnsupportedError):
        spark_sql(exp.ApproxQuantile(this=exp.column("x"), quantile=exp.Literal.number(0.5)))


def test_qualify_becomes_a_filtered_subquery(spark: Any) -> None:
    rows = [("a", 1, 10), ("a", 2, 20), ("b", 1, 5), ("c", None, 7)]
    source = exp.select("k", "o", "v").from_(
        exp.values(
            [
                exp.tuple_(
                    lit(k), exp.Literal.number(o) if o else exp.null(), exp.Literal.number(n)
                )
                for k, o, n in rows
            ],
            "t",
            columns=["k", "o", "v"],
        )
    )
    rank = exp.Window(
        this=exp.RowNumber(),
        partition_by=[exp.column("k")],
        order=exp.Order(expressions=[exp.Ordered(this=exp.column("o"), desc=True)]),
    )
    latest = (
        exp.select("k", "v")
        .from_(source.subquery("s"))
        .qualify(exp.EQ(this=rank, expression=exp.Literal.number(1)))
    )
    assert "QUALIFY" not in spark_sql(latest).upper()
    outer = exp.select(exp.func("sum", exp.column("v")), exp.Count(this=exp.Star())).from_(
        latest.subquery("l")
    )
    con = duckdb.connect()
    expected = con.sql(outer.sql("duckdb")).fetchall()
    got = [tuple(r) for r in spark.sql(spark_sql(outer)).collect()]
    assert [tuple(map(int, r)) for r in got] == [tuple(map(int, r)) for r in expected]


def test_arg_min_and_epoch_seconds(spark: Any) -> None:
    source = exp.select("a", "b").from_(
        exp.values(
            [
                exp.tuple_(lit("x"), exp.null()),
                exp.tuple_(lit("y"), exp.Literal.number(3)),
                exp.tuple_(lit("z"), exp.Literal.number(2)),
            ],
            "t",
            columns=["a", "b"],
        )
    )
    probes = {
        "arg_min": exp.func("arg_min", exp.column("a"), exp.column("b")),
        "to_timestamp": exp.func(
            "max", epoch_ms(fn("to_timestamp", exp.Literal.number(1741588112)))
        ),
    }
    both(spark, probes, source)


def test_business_time_is_an_aggregate_over_days() -> None:
    """DuckDB's correlated subquery over generate_series becomes aggregate(sequence(...));
    its values are checked on both engines in test_parity.test_business_time_on_both_engines."""
    cal = CalendarSpec("office", "Europe/Warsaw", ((1, 480, 1020), (6, 600, 1440)), (), ())
    tree = business_time_sql(ts("2025-03-03 08:00:00"), ts("2025-03-04 08:00:00"), cal)
    text = spark_sql(tree).upper()
    assert "AGGREGATE(SEQUENCE(" in text and "MAKE_TIMESTAMP(" in text
    assert "GENERATE_SERIES" not in text and "UNNEST" not in text
    with pytest.raises(SparkUnsupportedError):
        spark_sql(exp.Unnest(expressions=[exp.column("x")]))


def test_an_instant_as_text_is_duckdbs_text(spark: Any) -> None:
    # explain, --violations and the HTML report show a standard's timestamp columns as text:
    # DuckDB's, with the fraction when there is one and the UTC offset, on both engines.
    instants = [
        "2025-03-17 00:33:48",  # winter: +01
        "2025-07-01 12:00:00",  # summer: +02
        "2025-03-17 00:33:48.250",  # a fraction: .25
        "2025-03-17 00:33:48.000001",
        "2025-03-17 00:33:48.123456",
        "2025-03-30 01:59:59.5",  # just before the change to summer time
        "2025-10-26 02:30:00+00",  # the hour that repeats in Warsaw (03:30+02 -> 02:30+01)
        "1969-12-31 23:59:59.75",  # before the epoch: the fraction is still .75
        "0099-03-26 15:06:24",
    ]
    probes: dict[str, exp.Expr] = {}
    for text in instants:
        cast = exp.cast(ts(text), "VARCHAR")
        cast.meta[INSTANT_TEXT] = True
        probes[text] = cast
    null = exp.cast(exp.cast(exp.null(), "TIMESTAMPTZ"), "VARCHAR")
    null.meta[INSTANT_TEXT] = True
    probes["NULL"] = null
    both(spark, probes)


def test_parsing_patterns_read_one_or_two_digits_where_a_separator_follows() -> None:
    # DuckDB's strptime reads 1/2/20 8:43 with %m/%d/%y %H:%M; Java's MM/dd read exactly two
    # digits, so parsing uses one letter, except where digits run on into the next field
    assert java_pattern("%m/%d/%y %H:%M", parsing=True) == "M/d/yy H:m"
    assert java_pattern("%m/%d/%Y %I:%M:%S %p", parsing=True) == "M/d/yyyy h:m:s a"
    assert java_pattern("%Y%m%d%H%M", parsing=True) == "yyyyMMddHHm"
    assert java_pattern("%m/%d/%y %H:%M") == "MM/dd/yy HH:mm"  # formatting keeps the widths


MARKER_TEXT = ["", " ", "N/A", "  N/A ", "\u00a0-\u00a0", "NA\t", "null", "Zürich", "Ż", "-",
               "2025-03-17 00:33:48", "  ?", "None ", "\u3000n/a"]  # fmt: skip


def test_byte_length_and_null_markers(spark: Any) -> None:
    """``strlen`` counts bytes on both (Spark's ``octet_length``); a null marker, padded or
    not, is found on both (DuckDB also trims Unicode spaces: compared where both trim)."""
    probes: dict[str, exp.Expr] = {}
    for i, text in enumerate(MARKER_TEXT):
        probes[f"strlen {i}"] = fn("strlen", lit(text))
        probes[f"length {i}"] = exp.Length(this=lit(text))
        if "\u00a0" not in text and "\u3000" not in text:
            probes[f"marker {i}"] = without_markers(lit(text), DEFAULT_NULLS)
    both(spark, probes)
