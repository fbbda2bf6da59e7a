"""The reader interface and what every format shares: rejects, typing, type inference.

Every reader yields the same shape: the file's columns (those the standards need cast to the
types they are used as) plus ``__reject``, the reason a row cannot be evaluated (NULL when it
can). Rows DuckDB cannot even split into fields (a CSV line with too many fields, a value that
does not convert) are caught by DuckDB's reject tables and listed by ``rejects()`` with their
file and line. Nothing is dropped silently: the engine counts both kinds.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

import duckdb
from sqlglot import exp

from svcaudit.errors import Location, SvcauditError, out_of_memory
from svcaudit.expressions.types import Kind, kind_of_sql_type
from svcaudit.sources.files import LogFile, LogFormat

REJECT = "__reject"
FILE = "__file"  # the log file a row came from, as shown to people
SAMPLE_ROWS = 20_000
INFER_SHARE = 0.5  # a text column is read as a type when most sampled values fit it
REJECTS_TABLE = "svcaudit_reject_errors"
REJECTS_SCAN = "svcaudit_reject_scans"


@dataclass(frozen=True)
class Reject:
    """A row that could not be evaluated: where it is and why."""

    file: str
    line: int | None
    reason: str


def lit(value: str) -> exp.Expr:
    return exp.Literal.string(value)


def file_column(f: LogFile) -> exp.Expr:
    """The ``__file`` column of rows read from ``f``."""
    return exp.alias_(lit(f.display), FILE)


def named_arg(name: str, value: exp.Expr) -> exp.Expr:
    return exp.EQ(this=exp.var(name), expression=value)


def struct_literal(mapping: Mapping[str, str]) -> exp.Expr:
    return exp.Struct(
        expressions=[exp.PropertyEQ(this=lit(k), expression=lit(v)) for k, v in mapping.items()]
    )


def quoted_column(name: str) -> exp.Column:
    return exp.column(name, quoted=True)


TIMESTAMP_FORMATS = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d.%m.%Y",
)


_DATE_LIKE = r"^\s*\d+[./-]\d+[./-]\d+"  # what every format in TIMESTAMP_FORMATS begins with


def _unknown_format_note(column: str, sample: object) -> str:
    return (
        f"its values (e.g. {sample!r}) are not numbers or timestamps in a format "
        f'svcaudit knows; convert them with parse_time({column}, "...") in `columns:`'
    )


def _field_order(fmt: str) -> str:
    """'dm' when the day comes before the month in a format, else 'md'."""
    return "dm" if fmt.find("%d") < fmt.find("%m") else "md"


def merge_types(a: str, b: str) -> str:
    """One type for a column two files (or formats) type differently: widen, else text."""
    if a == b:
        return a
    ka, kb = kind_of_sql_type(a), kind_of_sql_type(b)
    if ka == kb == Kind.TIMESTAMP:
        return "TIMESTAMPTZ"
    if ka == kb == Kind.NUMBER:
        return "DOUBLE"
    return "VARCHAR"


def target_type(kind: Kind, physical: str) -> str:
    """The DuckDB type a needed column is read as, given how the standards use it."""
    if kind == Kind.TIMESTAMP:
        return "TIMESTAMPTZ"
    if kind == Kind.NUMBER:
        return "DOUBLE"  # never BIGINT: DuckDB would round "5.5" to 6 without a word
    return physical


class LogReader(ABC):
    """Reads the files of one format. Subclasses: one per entry in ``READERS``."""

    formats: ClassVar[tuple[LogFormat, ...]]
    #: whether a row's bad value is rejected only by a query that reads its column (a reader
    #: that converts while reading); the others compute ``__reject`` from every needed column
    narrow_rejects: ClassVar[bool] = False

    def __init__(self, files: Sequence[LogFile]) -> None:
        self.files = list(files)
        self.time_formats = {}  # column -> strptime format of its timestamps (31/03/2025 10:00)
        self.notes = {}  # column -> why it stays text (ambiguous dates)
        self._schema: dict[str, str] | None = None
        self._raw: dict[str, str] = {}
        self._sample_held = False  # the sample is in its temporary table (``_sampled``)

    def schema(self, con: duckdb.DuckDBPyConnection) -> dict[str, str]:
        """Column name -> DuckDB type, with text columns inferred from a sample."""
        if self._schema is None:
            self._stats = {f.path: _stat(f.path) for f in self.files}
            try:
                self._raw = self._describe(con)
                self._schema = self._refine(con, self._raw)
            except duckdb.Error as e:
                raise self.read_error(e) from None
        return self._schema

    def changed_files(self) -> list[LogFile]:
        """Files whose size or modification time changed since their layout was read."""
        stats = getattr(self, "_stats", {})
        return [f for f in self.files if f.path in stats and _stat(f.path) != stats[f.path]]

    def changed_error(self) -> SvcauditError | None:
        """The error for a file that changed under the audit, if one did."""
        changed = self.changed_files()
        if not changed:
            return None
        return SvcauditError(
            "the file changed while it was being read (its columns are no longer the ones "
            "detected a moment before)",
            location=Location(changed[0].display),
            hint="audit a finished export; copy a file that is still being written first",
        )

    @abstractmethod
    def _describe(self, con: duckdb.DuckDBPyConnection) -> dict[str, str]:
        """The column types DuckDB detects."""

    @abstractmethod
    def _sample(self) -> exp.Select:
        """A query over a sample of rows with every column as text, for type inference."""

    def _sampled(self, con: duckdb.DuckDBPyConnection) -> exp.Expr:
        """The sample, held in a temporary table the first time: type inference reads it
        several times with hundreds of probes, and reading the files for each (JSON records
        parsed again per probe) held a gigabyte for a few megabytes of JSON."""
        name = f"__svcaudit_sample_{id(self)}"
        if not self._sample_held:
            con.execute(f'CREATE TEMP TABLE "{name}" AS {self._sample().sql("duckdb")}')
            self._sample_held = True
        return exp.to_table(f'"{name}"').as_("sample")

    @abstractmethod
    def relation(self, needed: Mapping[str, str]) -> exp.Select:
        """All rows, ``needed`` columns (name -> DuckDB type) typed, plus ``__reject``."""

    def has_lines(self, f: LogFile) -> bool:
        """Whether ``record_lines`` can find lines in ``f`` (a line-based format)."""
        return False

    def record_lines(self, f: LogFile, column: str, ids: set[str]) -> dict[str, int]:
        """The line where each of ``ids`` (values of ``column``) first appears in ``f``.

        Only line-based formats have lines; the others return nothing.
        """
        return {}

    def rejects(self, con: duckdb.DuckDBPyConnection, limit: int) -> tuple[int, list[Reject]]:
        """Rows rejected while reading (before the relation): their count and the first few."""
        return 0, []

    @abstractmethod
    def _any_row(self, f: LogFile) -> exp.Select:
        """A query returning one row when the file has any data row (good or bad)."""

    def empty_files(self, con: duckdb.DuckDBPyConnection) -> list[LogFile]:
        """Files with a header (or nothing) but no data rows."""
        empty = []
        for f in self.files:
            try:
                rows = con.sql(self._any_row(f).limit(1).sql("duckdb")).fetchall()
            except duckdb.Error as e:
                raise self.read_error(e, f) from None
            if not rows:
                empty.append(f)
        return empty

    def value_rejects(
        self, con: duckdb.DuckDBPyConnection, needed: Mapping[str, str], limit: int
    ) -> list[Reject]:
        """The first rows of the relation with a ``__reject`` reason, with file and line."""
        return []

    time_formats: dict[str, str]
    notes: dict[str, str]

    #: Types a text column may turn out to hold. JSON keeps its own numbers and booleans, so
    #: there only timestamps (always strings in JSON) are looked for.
    text_types: ClassVar[tuple[str, ...]] = ("TIMESTAMPTZ", "DOUBLE", "BOOLEAN")

    def _refine(self, con: duckdb.DuckDBPyConnection, raw: dict[str, str]) -> dict[str, str]:
        text_cols = [c for c, t in raw.items() if kind_of_sql_type(t) in (Kind.STRING, Kind.ANY)]
        if not text_cols:
            return raw
        probes: list[exp.Expr] = []
        for c in text_cols:
            probes.append(exp.Count(this=quoted_column(c)))
            for t in ("TIMESTAMPTZ", "DOUBLE", "BOOLEAN"):
                probes.append(
                    exp.Count(this=exp.TryCast(this=quoted_column(c), to=exp.DataType.build(t)))
                )
            # values that could be a local date at all: every format starts digits/digits/digits
            date_like = exp.func("regexp_matches", quoted_column(c), lit(_DATE_LIKE))
            probes += [exp.func("count_if", date_like), exp.func("min", quoted_column(c))]
        sample = exp.select(*probes).from_(self._sampled(con))
        row = con.sql(sample.sql("duckdb")).fetchall()[0]
        refined = {c: "VARCHAR" if t == "JSON" else t for c, t in raw.items()}
        undecided: dict[str, int] = {}
        for i, c in enumerate(text_cols):
            total, ts, dbl, boolean, date_like, sample = row[i * 6 : i * 6 + 6]
            if not total:
                self.notes[c] = f"it is empty in every row sampled (the first {SAMPLE_ROWS:,})"
                continue
            # a mixed JSON value (numbers with a stray string) may be any type; text only some
            allowed = self.text_types if raw[c] != "JSON" else ("TIMESTAMPTZ", "DOUBLE", "BOOLEAN")
            for t, n in (("TIMESTAMPTZ", ts), ("DOUBLE", dbl), ("BOOLEAN", boolean)):
                if t in allowed and n >= INFER_SHARE * total:
                    refined[c] = t
                    break
            else:
                if date_like >= INFER_SHARE * total:
                    undecided[c] = total
                else:  # no format can read most values: skip trying them all (15 per value)
                    self.notes[c] = _unknown_format_note(c, sample)
        if undecided:
            self._detect_formats(con, undecided, refined)
        return refined

    def _detect_formats(
        self, con: duckdb.DuckDBPyConnection, columns: dict[str, int], refined: dict[str, str]
    ) -> None:
        """Timestamps written like 31/03/2025 10:00: find the one format that reads them.

        A column whose values read equally well day-first and month-first (every day <= 12)
        is left as text with a note, never guessed: 03/04 must not silently become April.
        """
        probes: list[exp.Expr] = []
        for c in columns:
            probes.append(exp.func("min", quoted_column(c)))
            for fmt in TIMESTAMP_FORMATS:
                probes.append(exp.Count(this=exp.func("try_strptime", quoted_column(c), lit(fmt))))
        query = exp.select(*probes).from_(self._sampled(con))
        row = con.sql(query.sql("duckdb")).fetchall()[0]
        width = len(TIMESTAMP_FORMATS) + 1
        for i, (c, total) in enumerate(columns.items()):
            sample, counts = row[i * width], row[i * width + 1 : (i + 1) * width]
            best = max(counts)
            if not best or best < INFER_SHARE * total:
                self.notes[c] = _unknown_format_note(c, sample)
                continue
            winners = [f for f, n in zip(TIMESTAMP_FORMATS, counts, strict=True) if n == best]
            orders = {_field_order(f) for f in winners}
            if len(orders) > 1:
                self.notes[c] = (
                    f"its values (e.g. {sample!r}) read both day-first and month-first; "
                    f'map it explicitly, e.g. columns: {{x: parse_time({c}, "{winners[0]}")}}'
                )
                continue
            self.time_formats[c] = winners[0]
            refined[c] = (
                "DATE" if "%H" not in winners[0] and "%I" not in winners[0] else "TIMESTAMP"
            )

    def read_error(self, error: duckdb.Error, file: LogFile | None = None) -> SvcauditError:
        """A user-facing error for a file DuckDB could not read (or had no memory to)."""
        if isinstance(error, duckdb.OutOfMemoryException):
            return out_of_memory(error)
        return self.format_error(error, file)

    def format_error(self, error: duckdb.Error, file: LogFile | None = None) -> SvcauditError:
        """What went wrong reading ``file``, in words (formats add their own cases)."""
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        first = first.split("Error: ", 1)[-1]
        names = file.display if file else ", ".join(f.display for f in self.files[:3])
        fmt = (file or self.files[0]).format.value if self.files else "?"
        return SvcauditError(
            f"cannot read as {fmt}: {first}",
            location=Location(names),
            hint="check that the file really is the format its name says (or pass a matching "
            "suffix); run `svcaudit inspect` on it",
        )


def _stat(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


def typed_projection(
    schema: Mapping[str, str],
    needed: Mapping[str, str],
    formats: Mapping[str, str] | None = None,
    spans: Sequence[OffsetSpan] | None = None,
) -> tuple[list[exp.Expr], exp.Expr]:
    """Columns with the needed ones cast (TRY_CAST), and the reject reason of a row.

    A value present in the file that does not convert gives its row a reason such as
    ``column "greeted_at": cannot read "yesterday" as a timestamp``; values are data here,
    never SQL text.
    """
    cols: list[exp.Expr] = []
    case = exp.Case()
    for c, physical in schema.items():
        want = needed.get(c)
        if not want or want == physical:
            cols.append(quoted_column(c))
            continue
        if want == "TIMESTAMPTZ" and physical == "TIMESTAMP" and not (formats and c in formats):
            cols.append(exp.alias_(local_to_instant(quoted_column(c), spans), c, quoted=True))
            continue  # cannot fail: no reject reason to look for
        cast: exp.Expr = exp.TryCast(this=quoted_column(c), to=exp.DataType.build(want))
        if want == "DOUBLE" and physical in _NUMBERS:
            cols.append(exp.alias_(cast, c, quoted=True))
            continue
        if formats and c in formats:
            parsed = exp.func(
                "try_strptime", exp.cast(quoted_column(c), "VARCHAR"), lit(formats[c])
            )
            cast = exp.cast(parsed, want)
        cols.append(exp.alias_(cast, c, quoted=True))
        bad = exp.and_(exp.not_(quoted_column(c).is_(exp.null())), cast.copy().is_(exp.null()))
        what = _TYPE_WORDS.get(kind_of_sql_type(want), want)
        value = exp.cast(quoted_column(c), "VARCHAR")
        case = case.when(
            bad,
            exp.func("concat", lit(f'column "{c}": cannot read "'), value, lit(f'" as {what}')),
        )
    reject = case if case.args.get("ifs") else exp.cast(exp.null(), "VARCHAR")
    return cols, reject


_NUMBERS = frozenset(
    (
        "TINYINT",
        "SMALLINT",
        "INTEGER",
        "BIGINT",
        "UTINYINT",
        "USMALLINT",
        "UINTEGER",
        "UBIGINT",
        "FLOAT",
        "DOUBLE",
    )
)


@dataclass(frozen=True)
class OffsetSpan:
    """Local times in [start, end) that are all at one UTC offset in the session time zone."""

    start: datetime
    end: datetime
    offset_us: int  # local minus UTC, in microseconds


MAX_SPANS = 12  # more (data over many years): every value goes through DuckDB's cast


def offset_spans(
    con: duckdb.DuckDBPyConnection, low: datetime, high: datetime
) -> list[OffsetSpan] | None:
    """The session time zone's constant-offset spans covering local times ``low``..``high``.

    Offsets are DuckDB's own (its cast at the start, middle and end of each local day); a day
    on which they differ (a DST switch) belongs to no span, so its values keep the cast.
    None when there are too many spans to be worth it.
    """
    rows = con.execute(
        """
        SELECT d, CASE WHEN o0 = o12 AND o12 = o24 THEN o0 END FROM (
            SELECT d,
                epoch_us(d) - epoch_us(d::TIMESTAMPTZ) AS o0,
                epoch_us(d + INTERVAL 12 HOUR) - epoch_us((d + INTERVAL 12 HOUR)::TIMESTAMPTZ)
                    AS o12,
                epoch_us(d + INTERVAL 1 DAY) - epoch_us((d + INTERVAL 1 DAY)::TIMESTAMPTZ)
                    AS o24
            FROM range(date_trunc('day', ?::TIMESTAMP), ?::TIMESTAMP + INTERVAL 1 DAY,
                       INTERVAL 1 DAY) t(d))
        ORDER BY d
        """,
        [low, high],
    ).fetchall()
    spans: list[OffsetSpan] = []
    for day, offset in rows:
        if offset is None:
            continue
        end = day + timedelta(days=1)
        if spans and spans[-1].end == day and spans[-1].offset_us == offset:
            spans[-1] = OffsetSpan(spans[-1].start, end, offset)
        else:
            spans.append(OffsetSpan(day, end, int(offset)))
    return spans if len(spans) <= MAX_SPANS else None


def local_to_instant(column: exp.Expr, spans: Sequence[OffsetSpan] | None) -> exp.Expr:
    """A naive TIMESTAMP read in the session time zone, as TIMESTAMPTZ.

    ``CAST(column AS TIMESTAMPTZ)`` converts every value through ICU (about a second per
    column per 5 M rows on one core). Within a span of one UTC offset (``offset_spans``, from
    the column's range) the instant is plain arithmetic; other values keep the cast, so the
    result is the cast's, DST switches included.
    """
    cast = exp.cast(column.copy(), "TIMESTAMPTZ")
    if not spans:
        return cast
    case = exp.Case()
    for span in spans:
        inside = exp.and_(
            exp.GTE(this=column.copy(), expression=_timestamp(span.start)),
            exp.LT(this=column.copy(), expression=_timestamp(span.end)),
        )
        shifted = exp.Sub(
            this=exp.func("epoch_us", column.copy()),
            expression=exp.Literal.number(span.offset_us),
        )
        case = case.when(inside, exp.func("make_timestamptz", shifted))
    return case.else_(cast)


def _timestamp(value: datetime) -> exp.Expr:
    return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), "TIMESTAMP")


_TYPE_WORDS = {Kind.TIMESTAMP: "a timestamp", Kind.NUMBER: "a number", Kind.BOOLEAN: "true/false"}


def union_all(parts: Sequence[exp.Select]) -> exp.Query:
    """Stack selects by column name (``UNION ALL BY NAME``): files may order columns apart."""
    union: exp.Query = parts[0]
    for p in parts[1:]:
        union = exp.Union(this=union, expression=p, distinct=False, by_name=True)
    return union


def text_lines(f: LogFile) -> exp.Expr:
    """The file as one text column ``__json``, one row per physical line."""
    args = [
        lit(f.path),
        named_arg("columns", struct_literal({"__json": "VARCHAR"})),
        named_arg("header", exp.false()),
        named_arg("delim", lit("\x01")),  # never in valid JSON text: control chars are escaped
        named_arg("quote", lit("")),
        named_arg("escape", lit("")),
        named_arg("auto_detect", exp.false()),
        named_arg("strict_mode", exp.false()),  # lines end in \n or \r\n; nothing else is parsed
        named_arg("max_line_size", exp.Literal.number(f.max_line_bytes)),
    ]
    return exp.Table(this=exp.Anonymous(this="read_csv", expressions=args))


def numbered_rejects(
    con: duckdb.DuckDBPyConnection, sources: Sequence[tuple[LogFile, exp.Select]], limit: int
) -> list[Reject]:
    """The first rows with a ``__reject`` reason in each file's select, numbered in file order."""
    out: list[Reject] = []
    for f, select in sources:
        numbered = exp.select(
            exp.alias_(exp.Window(this=exp.RowNumber()), "__line"), exp.column(REJECT)
        ).from_(select.subquery("t"))
        query = (
            exp.select("__line", REJECT)
            .from_(numbered.subquery("n"))
            .where(exp.not_(exp.column(REJECT).is_(exp.null())))
            .limit(limit - len(out))
        )
        rows = con.sql(query.sql("duckdb")).fetchall()
        out += [Reject(f.display, int(n), str(r)) for n, r in rows]
        if len(out) >= limit:
            break
    return out
