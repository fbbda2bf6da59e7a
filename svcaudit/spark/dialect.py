"""Render svcaudit's sqlglot trees (written with DuckDB semantics) as Spark SQL.

The compiled plan is one set of sqlglot trees whose meaning is DuckDB's. sqlglot's ``spark``
dialect prints them, but where the two engines *mean* different things by the same SQL (or
sqlglot's transpiler guesses wrong: it turns DuckDB's ``epoch_ms(timestamp)`` into
``timestamp_millis``, the inverse function), one explicit transform below rewrites the tree
first. Each has a unit test in ``tests/spark/test_dialect.py``. See ``docs/spark.md``.

Handled differences:

- ``QUALIFY``: Spark has none; the condition becomes a column of a subquery, filtered outside.
- ``epoch_ms(ts)`` (milliseconds since the epoch) is ``unix_millis(ts)``.
- ``ts + to_milliseconds(n)`` (interval arithmetic) is ``timestamp_millis(unix_millis(ts) + n)``.
- ``timezone(zone, instant)`` (local wall-clock time) is ``convert_timezone(zone, instant)``.
- ``naive AT TIME ZONE zone`` (a column's declared ``time_zone:``: a local time as an instant)
  is made from the value as a TIMESTAMP_NTZ, never through the session zone.
- An instant cast to text (``compile.INSTANT_TEXT``) is DuckDB's text, with its UTC offset.
- ``EXTRACT(isodow ...)`` is ``EXTRACT(DAYOFWEEK_ISO ...)``; DuckDB ``dow`` (Sunday = 0) is
  Spark ``dayofweek - 1`` (Sunday = 1 there).
- ``strftime``/``try_strptime`` take strftime codes; Spark takes Java patterns.
- ``TRY_CAST`` to TIMESTAMPTZ, DOUBLE, BIGINT and BOOLEAN: Spark accepts other text than DuckDB
  (``'2025-03'`` as a timestamp, ``'1.5d'`` as a number, ``' true '`` as true) and rounds
  differently (DuckDB rounds ``'5.5'`` to 6, Spark refuses it); each is rewritten to accept
  exactly DuckDB's strings and give DuckDB's value.
- ``a / b``: DuckDB gives +-infinity (NaN for 0/0) on a zero divisor, Spark NULL or an error.
- ``a // b`` truncates toward zero on both (DuckDB 2 and Spark ``DIV``): kept, and tested.
- ``concat``: NULL in, NULL out on both since DuckDB 2; sqlglot's transpiler still wraps every
  argument in ``coalesce(x, '')`` (DuckDB 1 skipped NULLs), so it is printed as written.
- ``arg_min``/``to_timestamp(epoch)``/``strlen`` are ``min_by``/``timestamp_seconds``/
  ``octet_length``.
- percentiles: DuckDB ``quantile_cont`` is exact; it becomes Spark's exact ``percentile``,
  never ``percentile_approx``.
- Column names are case-sensitive in the session (``spark.sql.caseSensitive``), as svcaudit
  treats them.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from svcaudit.compile import INSTANT_TEXT
from svcaudit.errors import SvcauditError
from svcaudit.expressions.calendars import BusinessTime, days_of, signed, span

KEEP = "__keep"

# The text DuckDB's TRY_CAST reads as a timestamp: ISO 8601 date, optional time (1-2 digit
# fields), optional fraction and offset. Spark also reads '2025-03' or '2025', so a value must
# match this first.
TIMESTAMP_TEXT = (
    r"^\d{4}-\d{1,2}-\d{1,2}"
    r"([ T]\d{1,2}:\d{1,2}(:\d{1,2}(\.\d+)?)?)?"
    r"\s*(Z|[+-]\d{2}(:?\d{2})?)?$"
)
# The text DuckDB reads as a number: decimal (digits may be grouped with _), exponent,
# surrounding spaces, inf/infinity/nan. Java (Spark) also takes '1.5d', '0x1p3'.
NUMBER_TEXT = (
    r"^\s*[+-]?((\d+(_\d+)*)(\.(\d+(_\d+)*)?)?|\.\d+(_\d+)*)([eE][+-]?\d+)?\s*$"
    r"|^\s*[+-]?(?i:inf|infinity|nan)\s*$"
)
TRUE_TEXT = ("true", "t", "yes", "y", "1")
FALSE_TEXT = ("false", "f", "no", "n", "0")

# strftime code -> Java DateTimeFormatter pattern (those svcaudit's formats and users use).
_STRFTIME = {
    "%Y": "yyyy",
    "%y": "yy",
    "%m": "MM",
    "%d": "dd",
    "%H": "HH",
    "%I": "hh",
    "%M": "mm",
    "%S": "ss",
    "%p": "a",
    "%b": "MMM",
    "%B": "MMMM",
    "%a": "EEE",
    "%A": "EEEE",
    "%f": "SSSSSS",
    "%z": "XX",
    "%%": "%",
}


class SparkUnsupportedError(SvcauditError):
    """A construct the Spark engine cannot run with DuckDB's meaning (exit 2, with a hint)."""


#: for parsing, numbers of one or two digits, as DuckDB's strptime reads them (1/2/20 8:43):
#: Java's two-letter patterns read exactly two digits, one letter reads either
_PARSING = {"%m": "M", "%d": "d", "%H": "H", "%I": "h", "%M": "m", "%S": "s"}
#: POSIX %y (DuckDB's): 69-99 are 1969-1999, 00-68 are 2000-2068; Java's yy is 2000-2099
POSIX_PIVOT_YEAR = 2069


def java_pattern(strftime: str, parsing: bool = False) -> str:
    """A strftime format as a Java DateTimeFormatter pattern ('%d/%m/%Y' -> 'dd/MM/yyyy';
    when ``parsing``, 'd/M/yyyy', which reads 1/2/2020 as DuckDB does)."""

    def width(code: str, after: str) -> str:
        # one letter reads one or two digits, but only where a separator ends the number:
        # %Y%m%d%H%M (digits run on) keeps Java's fixed widths
        return _PARSING[code] if parsing and code in _PARSING and after != "%" else _STRFTIME[code]

    out: list[str] = []
    literal: list[str] = []
    i = 0

    def flush() -> None:
        if literal:
            text = "".join(literal).replace("'", "''")
            out.append(text if all(not c.isalpha() for c in text) else f"'{text}'")
            literal.clear()

    while i < len(strftime):
        code = strftime[i : i + 2]
        if strftime[i] == "%" and code in _STRFTIME:
            flush()
            out.append(width(code, strftime[i + 2 : i + 3]))
            i += 2
            continue
        if strftime[i] == "%":
            raise SparkUnsupportedError(
                f"the time format '{strftime}' uses {code}, which the Spark engine cannot read",
                hint="use --engine duckdb, or a format with %Y %m %d %H %M %S %I %p",
            )
        literal.append(strftime[i])
        i += 1
    flush()
    return "".join(out)


def _name(node: exp.Expr) -> str:
    return node.name.lower() if isinstance(node, exp.Anonymous) else ""


def _lit_text(node: exp.Expr) -> str:
    if isinstance(node, exp.Literal) and node.is_string:
        return str(node.this)
    raise SparkUnsupportedError("a time format must be a literal text on the Spark engine")


def _fn(name: str, *args: exp.Expr) -> exp.Expr:
    return exp.Anonymous(this=name, expressions=list(args))


def _matches(value: exp.Expr, pattern: str) -> exp.Expr:
    return exp.RegexpLike(this=value, expression=exp.Literal.string(pattern))


def _type(cast: exp.Cast) -> str:
    return cast.to.this.name if isinstance(cast.to.this, exp.DataType.Type) else ""


def _try(value: exp.Expr, to: str) -> exp.Expr:
    """TRY_CAST in Spark (sqlglot prints a TryCast without ``safe`` as a plain CAST)."""
    return exp.TryCast(this=value, to=exp.DataType.build(to), safe=True)


def _try_cast(node: exp.TryCast) -> exp.Expr:
    """TRY_CAST from text with DuckDB's acceptance and rounding (see the module docs)."""
    target = _type(node)
    value = node.this
    text = exp.cast(value.copy(), "STRING")
    if target in ("TIMESTAMPTZ", "TIMESTAMP"):
        ok = _matches(text, TIMESTAMP_TEXT)
        cast = _try(text.copy(), "TIMESTAMP")
        return exp.Case().when(ok, cast)
    if target in ("DOUBLE", "FLOAT", "BIGINT", "INT", "INTEGER", "SMALLINT", "TINYINT"):
        ok = _matches(text, NUMBER_TEXT)
        digits = exp.RegexpReplace(
            this=text.copy(),
            expression=exp.Literal.string("_"),
            replacement=exp.Literal.string(""),
        )
        number: exp.Expr = _try(digits, "DOUBLE")
        if target not in ("DOUBLE", "FLOAT"):
            # DuckDB rounds half away from zero ('5.5' -> 6, '-4.5' -> -5); so does round()
            number = _try(exp.Round(this=number), target.replace("INTEGER", "INT"))
        return exp.Case().when(ok, number)
    if target == "BOOLEAN":
        low = exp.Lower(this=text)
        return (
            exp.Case()
            .when(exp.In(this=low, expressions=[exp.Literal.string(t) for t in TRUE_TEXT]),
                  exp.true())
            .when(
                exp.In(this=low.copy(), expressions=[exp.Literal.string(t) for t in FALSE_TEXT]),
                exp.false(),
            )
        )  # fmt: skip
    return _try(value, node.to.sql("spark"))


def _divide(node: exp.Div) -> exp.Expr:
    """a / b with DuckDB's result on a zero divisor: +inf, -inf, or NaN for 0 / 0."""
    a, b = node.this, node.expression
    zero = exp.EQ(this=b.copy(), expression=exp.Literal.number(0))

    def special(word: str) -> exp.Expr:
        return exp.cast(exp.Literal.string(word), "DOUBLE")

    on_zero = (
        exp.Case()
        .when(exp.GT(this=a.copy(), expression=exp.Literal.number(0)), special("Infinity"))
        .when(exp.LT(this=a.copy(), expression=exp.Literal.number(0)), special("-Infinity"))
        .else_(special("NaN"))
    )
    quotient = exp.Div(
        this=exp.cast(a.copy(), "DOUBLE"), expression=b.copy(), typed=False, safe=False
    )
    return exp.Case().when(zero, on_zero).else_(quotient)


def _shift(node: exp.Add | exp.Sub) -> exp.Expr | None:
    """ts +/- to_milliseconds(n): interval arithmetic as epoch milliseconds."""
    right = node.expression
    if _name(right) != "to_milliseconds":
        return None
    ms = right.expressions[0]
    cls = exp.Add if isinstance(node, exp.Add) else exp.Sub
    total = cls(this=_fn("unix_millis", node.this.copy()), expression=exp.paren(ms.copy()))
    return _fn("timestamp_millis", total)


def _anonymous(node: exp.Anonymous) -> exp.Expr:
    name, args = _name(node), node.expressions
    if name == "epoch_ms" and len(args) == 1:
        return _fn("unix_millis", args[0])
    if name == "timezone" and len(args) == 2:
        # DuckDB: the wall-clock time of an instant in a zone. Spark's convert_timezone takes
        # the instant as a local timestamp of the session zone and converts it to `zone`.
        return _fn("convert_timezone", args[0], args[1])
    if name == "strftime" and len(args) == 2:
        return _fn("date_format", args[0], exp.Literal.string(java_pattern(_lit_text(args[1]))))
    if name == "try_strptime" and len(args) == 2:
        return _try_strptime(args[0], _lit_text(args[1]))
    if name == "strlen":  # bytes (DuckDB's length counts characters, as Spark's does)
        return _fn("octet_length", *args)
    if name == "arg_min":
        return _fn("min_by", *args)
    if name == "to_timestamp" and len(args) == 1:
        return _fn("timestamp_seconds", *args)
    if name in ("quantile_cont", "median"):
        q = args[1] if len(args) > 1 else exp.Literal.number(0.5)
        return _fn("percentile", args[0], q)
    if name == "epoch":
        raise SparkUnsupportedError(
            "the Spark engine cannot read INTERVAL columns yet",
            hint="run this audit with --engine duckdb (the default)",
        )
    return node


def _try_strptime(value: exp.Expr, strftime: str) -> exp.Expr:
    """DuckDB's try_strptime on Spark: try_to_timestamp, with POSIX's century for %y."""
    parsed = _fn("try_to_timestamp", value, exp.Literal.string(java_pattern(strftime, True)))
    if "%y" not in strftime:
        return parsed
    late = exp.GTE(this=_fn("year", parsed.copy()), expression=exp.Literal.number(POSIX_PIVOT_YEAR))
    century = exp.Interval(this=exp.Literal.string("100"), unit=exp.var("YEAR"))
    earlier = exp.Sub(this=parsed.copy(), expression=century)
    return exp.Case().when(late, earlier).else_(parsed)


def _local_in_zone(node: exp.Expr) -> exp.Expr:
    """DuckDB's ``naive AT TIME ZONE zone`` (a local time of ``zone`` as an instant) on Spark,
    whatever the session's zone: the naive value as a TIMESTAMP_NTZ (parsed as such, never
    through the session zone, whose DST gap would shift it), its UTC wall-clock time by
    ``convert_timezone``, and in the hour a DST end repeats the later of the two instants, as
    DuckDB (ICU) reads it; a time in a DST gap moves forward by the gap on both."""
    if not isinstance(node, exp.AtTimeZone):
        return node
    naive, zone = node.this, node.args["zone"]
    if _name(naive) == "try_strptime":
        ntz = _ntz_strptime(naive.expressions[0], _lit_text(naive.expressions[1]))
    else:  # TRY_CAST(text AS TIMESTAMP) (ISO 8601 without an offset), a DATE or TIMESTAMP column
        value = naive.this if isinstance(naive, exp.Cast) else naive
        ntz = _try(value.copy(), "TIMESTAMP_NTZ")
    utc = exp.Literal.string("UTC")
    earlier = _fn("convert_timezone", zone.copy(), utc, ntz)
    hour = exp.Interval(this=exp.Literal.string("1"), unit=exp.var("HOUR"))
    later = exp.Add(this=earlier.copy(), expression=hour)
    local_later = _fn("convert_timezone", utc.copy(), zone.copy(), later)
    repeated = exp.EQ(this=local_later, expression=ntz.copy())
    wall = exp.Case().when(repeated, later.copy()).else_(earlier)
    parts = [exp.func(f, wall.copy()) for f in ("year", "month", "day", "hour", "minute")]
    second = exp.Extract(this=exp.var("SECOND"), expression=wall.copy())
    return _fn("make_timestamp", *parts, second, utc.copy())


def _ntz_strptime(value: exp.Expr, strftime: str) -> exp.Expr:
    """DuckDB's try_strptime as a TIMESTAMP_NTZ: ``to_timestamp_ntz`` where
    ``try_to_timestamp`` reads the text (the same pattern, so the same values), NULL
    elsewhere; POSIX's century for %y."""
    pattern = exp.Literal.string(java_pattern(strftime, True))
    readable = exp.not_(_fn("try_to_timestamp", value.copy(), pattern).is_(exp.null()))
    parsed = exp.Case().when(readable, _fn("to_timestamp_ntz", value.copy(), pattern.copy()))
    if "%y" not in strftime:
        return parsed
    pivot = exp.Literal.number(POSIX_PIVOT_YEAR)
    late = exp.GTE(this=_fn("year", parsed.copy()), expression=pivot)
    century = exp.Interval(this=exp.Literal.string("100"), unit=exp.var("YEAR"))
    return exp.Case().when(late, exp.Sub(this=parsed.copy(), expression=century)).else_(parsed)


def _extract(node: exp.Extract) -> exp.Expr:
    part = node.this.name.lower()
    if part == "isodow":
        return exp.Extract(this=exp.var("DAYOFWEEK_ISO"), expression=node.expression)
    if part in ("dow", "dayofweek"):  # DuckDB Sunday = 0; Spark dayofweek Sunday = 1
        return exp.Sub(
            this=exp.Extract(this=exp.var("DAYOFWEEK"), expression=node.expression),
            expression=exp.Literal.number(1),
        )
    return node


def _instant_text(instant: exp.Expr) -> exp.Expr:
    """DuckDB's text of a TIMESTAMPTZ, ``2025-03-26 15:06:24.5+01`` (fraction only when not
    zero, its trailing zeros dropped; offset ``+05:30``, or ``+01`` on the hour), where Spark's
    cast gives ``2025-03-26 15:06:24.5`` without the offset."""
    text = exp.Literal.string
    micros = _fn("pmod", _fn("unix_micros", instant.copy()), exp.Literal.number(1_000_000))
    digits = _fn("lpad", exp.cast(micros.copy(), "STRING"), exp.Literal.number(6), text("0"))
    fraction = (
        exp.Case()
        .when(exp.EQ(this=micros, expression=exp.Literal.number(0)), text(""))
        .else_(_fn("concat", text("."), _fn("regexp_replace", digits, text("0+$"), text(""))))
    )
    offset = _fn("date_format", instant.copy(), text("xxxxx"))  # +01:00, +05:30, +05:53:28
    return _fn(
        "concat",
        _fn("date_format", instant.copy(), text("yyyy-MM-dd HH:mm:ss")),
        fraction,
        _fn("regexp_replace", offset, text(":00$"), text("")),
    )


def _rewrite(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.TryCast):
        return _try_cast(node)
    if isinstance(node, exp.Cast) and node.meta.get(INSTANT_TEXT):
        return _instant_text(node.this)
    if isinstance(node, exp.Cast) and _type(node) == "TIMESTAMPTZ":
        return exp.cast(node.this, "TIMESTAMP")
    if isinstance(node, exp.Div):
        return _divide(node)
    if isinstance(node, exp.Add | exp.Sub):
        return _shift(node) or node
    if isinstance(node, exp.Anonymous):
        return _anonymous(node)
    if type(node) is exp.Concat:  # NULL in, NULL out on both (sqlglot would add coalesce)
        return _fn("concat", *node.expressions)
    if isinstance(node, exp.Extract):
        return _extract(node)
    if isinstance(node, exp.ArgMin):
        return _fn("min_by", node.this, node.expression)
    if isinstance(node, exp.GenerateSeries | exp.Unnest | exp.DayOfWeekIso):
        raise SparkUnsupportedError(
            "the Spark engine cannot run business_time() yet",
            hint="run this audit with --engine duckdb (the default)",
        )
    if isinstance(node, exp.PercentileCont | exp.Quantile):
        raise SparkUnsupportedError("percentiles must be written as quantile_cont(x, q)")
    if isinstance(node, exp.ApproxQuantile):
        raise SparkUnsupportedError(
            "approximate percentiles differ between engines; svcaudit uses exact ones"
        )
    return node


def _local_instant(day: exp.Expr, minutes: int, zone: exp.Expr) -> exp.Expr:
    """The instant of a local wall-clock time on ``day`` in ``zone`` (24:00 = next day)."""
    if minutes >= 1440:
        day, minutes = exp.func("date_add", day, exp.Literal.number(1)), minutes - 1440
    parts = [exp.func(f, day.copy()) for f in ("year", "month", "day")]
    clock = [exp.Literal.number(minutes // 60), exp.Literal.number(minutes % 60)]
    return _fn("make_timestamp", *parts, *clock, exp.Literal.number(0), zone.copy())


def _business_time(node: exp.Expr) -> exp.Expr:
    """A ``BusinessTime`` node (``expressions.calendars``) as one Spark expression.

    DuckDB renders it as a correlated subquery over ``unnest(generate_series(first day,
    last day))`` joined with the opening hours. Spark cannot correlate a generator in FROM,
    so the same sum is ``aggregate(sequence(first day, last day), 0, (acc, d) -> acc +
    overlap(d))``, with the opening and closing instants of each day made in the calendar's
    zone from the node's calendar itself.
    """
    if not isinstance(node, BusinessTime):
        return node
    cal = node.calendar
    lo, hi = span(node)
    zone = exp.Literal.string(cal.time_zone)
    day = exp.column("d")
    per_day: list[exp.Expr] = []
    for dow, o_min, c_min in cal.hours:
        overlap_ms = exp.func(
            "greatest",
            exp.Literal.number(0),
            exp.Sub(
                this=_fn(
                    "epoch_ms", exp.func("least", hi.copy(), _local_instant(day, c_min, zone))
                ),
                expression=_fn(
                    "epoch_ms", exp.func("greatest", lo.copy(), _local_instant(day, o_min, zone))
                ),
            ),
        )
        is_day = exp.EQ(
            this=exp.Extract(this=exp.var("isodow"), expression=day.copy()),
            expression=exp.Literal.number(dow),
        )
        per_day.append(exp.Case().when(is_day, overlap_ms).else_(exp.Literal.number(0)))
    total: exp.Expr = per_day[0]
    for more in per_day[1:]:
        total = exp.Add(this=total, expression=more)
    if cal.holidays:
        closed = exp.In(
            this=day.copy(),
            expressions=[exp.cast(exp.Literal.string(d.isoformat()), "DATE") for d in cal.holidays],
        )
        total = exp.Case().when(closed, exp.Literal.number(0)).else_(total)
    step = exp.Lambda(
        this=exp.Add(this=exp.column("acc"), expression=exp.cast(total, "BIGINT")),
        expressions=[exp.to_identifier("acc"), exp.to_identifier("d")],
    )
    days = _fn("sequence", *days_of(node, cal.time_zone))
    summed = _fn("aggregate", days, exp.cast(exp.Literal.number(0), "BIGINT"), step)
    return signed(node, summed)


def _unqualify(node: exp.Expr) -> exp.Expr:
    """SELECT ... QUALIFY cond -> SELECT * FROM (SELECT ..., cond AS __keep) WHERE __keep."""
    if not isinstance(node, exp.Select) or not node.args.get("qualify"):
        return node
    condition = node.args["qualify"].this
    inner = node.copy()
    inner.set("qualify", None)
    inner = inner.select(exp.alias_(condition.copy(), KEEP), copy=False)
    return exp.select("*").from_(inner.subquery("qualified")).where(exp.column(KEEP))


TOP_DOWN: tuple[Callable[[exp.Expr], exp.Expr], ...] = (_business_time, _local_in_zone)
TRANSFORMS: tuple[Callable[[exp.Expr], exp.Expr], ...] = (_unqualify, _rewrite)


def _bottom_up(node: exp.Expr, fun: Callable[[exp.Expr], exp.Expr]) -> exp.Expr:
    """Apply ``fun`` to every node, children first, each original node exactly once.

    (sqlglot's ``transform`` does not descend into a node it has replaced, so an
    ``epoch_ms`` inside a rewritten division would stay DuckDB's.)
    """
    for child in list(node.iter_expressions()):
        new = _bottom_up(child, fun)
        if new is not child:
            child.replace(new)
    return fun(node)


def to_spark(tree: exp.Expr) -> exp.Expr:
    """A copy of ``tree`` with every DuckDB-specific construct rewritten for Spark."""
    out = tree.copy()
    for rewrite in TOP_DOWN:  # whole constructs, before their parts are rewritten
        out = out.transform(rewrite, copy=False)
    for transform in TRANSFORMS:
        out = _bottom_up(out, transform)
    return out


def spark_sql(tree: exp.Expr) -> str:
    """Spark SQL text for a tree with DuckDB semantics."""
    return to_spark(tree).sql("spark")
