"""Readers: one class per file format, turning log files into one relation of interactions.

Every reader yields the same shape: the file's columns (those the standards need cast to the
types they are used as) plus ``__reject``, the reason a row cannot be evaluated (NULL when it
can). Rows DuckDB cannot even split into fields (a CSV line with too many fields, a value that
does not convert) are caught by DuckDB's reject tables and listed by ``rejects()`` with their
file and line. Nothing is dropped silently: the engine counts both kinds.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

import duckdb
from duckdb.sqltypes import DuckDBPyType
from sqlglot import exp

from svcaudit.errors import Location, SvcauditError
from svcaudit.expressions.types import Kind, kind_of_sql_type
from svcaudit.sources.files import LogFile, LogFormat

REJECT = "__reject"
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


def _lit(value: str) -> exp.Expr:
    return exp.Literal.string(value)


def _arg(name: str, value: exp.Expr) -> exp.Expr:
    return exp.EQ(this=exp.var(name), expression=value)


def _struct(mapping: Mapping[str, str]) -> exp.Expr:
    return exp.Struct(
        expressions=[exp.PropertyEQ(this=_lit(k), expression=_lit(v)) for k, v in mapping.items()]
    )


def _col(name: str) -> exp.Column:
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

    def __init__(self, files: Sequence[LogFile]) -> None:
        self.files = list(files)
        self.time_formats = {}  # column -> strptime format of its timestamps (31/03/2025 10:00)
        self.notes = {}  # column -> why it stays text (ambiguous dates)
        self._schema: dict[str, str] | None = None
        self._raw: dict[str, str] = {}

    def schema(self, con: duckdb.DuckDBPyConnection) -> dict[str, str]:
        """Column name -> DuckDB type, with text columns inferred from a sample."""
        if self._schema is None:
            try:
                raw = self._describe(con)
                self._schema = self._refine(con, raw)
            except duckdb.Error as e:
                raise self.read_error(e) from None
        return self._schema

    @abstractmethod
    def _describe(self, con: duckdb.DuckDBPyConnection) -> dict[str, str]:
        """The column types DuckDB detects."""

    @abstractmethod
    def _sample(self) -> exp.Select:
        """A query over a sample of rows with every column as text, for type inference."""

    @abstractmethod
    def relation(self, needed: Mapping[str, str]) -> exp.Select:
        """All rows, ``needed`` columns (name -> DuckDB type) typed, plus ``__reject``."""

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
            probes.append(exp.Count(this=_col(c)))
            for t in ("TIMESTAMPTZ", "DOUBLE", "BOOLEAN"):
                probes.append(exp.Count(this=exp.TryCast(this=_col(c), to=exp.DataType.build(t))))
        sample = exp.select(*probes).from_(self._sample().subquery("sample"))
        row = con.sql(sample.sql("duckdb")).fetchall()[0]
        refined = {c: "VARCHAR" if t == "JSON" else t for c, t in raw.items()}
        undecided: dict[str, int] = {}
        for i, c in enumerate(text_cols):
            total, ts, dbl, boolean = row[i * 4 : i * 4 + 4]
            if not total:
                continue
            # a mixed JSON value (numbers with a stray string) may be any type; text only some
            allowed = self.text_types if raw[c] != "JSON" else ("TIMESTAMPTZ", "DOUBLE", "BOOLEAN")
            for t, n in (("TIMESTAMPTZ", ts), ("DOUBLE", dbl), ("BOOLEAN", boolean)):
                if t in allowed and n >= INFER_SHARE * total:
                    refined[c] = t
                    break
            else:
                undecided[c] = total
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
            probes.append(exp.func("min", _col(c)))
            for fmt in TIMESTAMP_FORMATS:
                probes.append(exp.Count(this=exp.func("try_strptime", _col(c), _lit(fmt))))
        query = exp.select(*probes).from_(self._sample().subquery("sample"))
        row = con.sql(query.sql("duckdb")).fetchall()[0]
        width = len(TIMESTAMP_FORMATS) + 1
        for i, (c, total) in enumerate(columns.items()):
            sample, counts = row[i * width], row[i * width + 1 : (i + 1) * width]
            best = max(counts)
            if not best or best < INFER_SHARE * total:
                self.notes[c] = (
                    f"its values (e.g. {sample!r}) are not numbers or timestamps in a format "
                    f'svcaudit knows; convert them with parse_time({c}, "...") in `columns:`'
                )
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
        """A user-facing error for a file DuckDB could not read."""
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


class CsvReader(LogReader):
    """CSV and TSV, optionally gzip-compressed; header row required.

    Read with DuckDB's CSV reader with ``store_rejects``: lines with the wrong number of fields
    and values that do not convert to the type a standard needs are listed with file and line.
    Several files are read one by one and stacked by column name.
    """

    formats = (LogFormat.CSV, LogFormat.TSV)

    def _call(self, f: LogFile, **extra: exp.Expr) -> exp.Expr:
        opts: dict[str, exp.Expr] = {
            "delim": _lit("\t" if f.format == LogFormat.TSV else ","),
            "header": exp.true(),
            "encoding": _lit("utf-8"),
            **extra,
        }
        args = [_lit(f.path), *(_arg(k, v) for k, v in opts.items())]
        return exp.Table(this=exp.Anonymous(this="read_csv", expressions=args))

    def _describe(self, con: duckdb.DuckDBPyConnection) -> dict[str, str]:
        schema: dict[str, str] = {}
        self._columns: dict[str, list[str]] = {}
        for f in self.files:
            query = exp.select("*").from_(self._call(f, ignore_errors=exp.true())).limit(0)
            try:
                rel = con.sql(query.sql("duckdb"))
            except duckdb.Error as e:
                raise self.read_error(e, f) from None
            self._columns[f.path] = list(rel.columns)
            for name, t in zip(rel.columns, rel.types, strict=True):
                schema[name] = merge_types(schema.get(name, str(t)), str(t))
        return schema

    def _any_row(self, f: LogFile) -> exp.Select:
        # any non-blank line after the header, read as plain lines (no CSV rules to trip on)
        text = exp.column("__json")
        nonblank = exp.NEQ(this=exp.func("trim", text), expression=_lit(""))
        return exp.select(exp.Literal.number(1)).from_(text_lines(f)).where(nonblank).offset(1)

    def _sample(self) -> exp.Select:
        calls = [
            self._call(f, all_varchar=exp.true(), ignore_errors=exp.true()) for f in self.files
        ]
        parts = [exp.select("*").from_(c) for c in calls]
        return exp.select("*").from_(_union_all(parts).subquery("s")).limit(SAMPLE_ROWS)

    def relation(self, needed: Mapping[str, str]) -> exp.Select:
        parts = []
        formatted = {c: self.time_formats[c] for c in needed if c in self.time_formats}
        options: dict[str, exp.Expr] = {}
        for kind in ("timestampformat", "dateformat"):
            fmts = {
                f
                for c, f in formatted.items()
                if (kind == "dateformat") == ("%H" not in f and "%I" not in f)
            }
            if len(fmts) > 1:
                raise SvcauditError(
                    f"the columns {', '.join(sorted(formatted))} write timestamps in different "
                    f"formats ({', '.join(sorted(fmts))})",
                    location=Location(self.files[0].display),
                    hint='convert one with parse_time(column, "format") in `columns:`',
                )
            if fmts:
                options[kind] = _lit(fmts.pop())
        for f in self.files:
            types = {c: needed.get(c, "VARCHAR") for c in self._columns[f.path]}
            for c in formatted:
                if c in types:  # read with the detected format, then place in the time zone
                    types[c] = self._schema[c] if self._schema else "TIMESTAMP"
            call = self._call(
                f,
                types=_struct(types),
                store_rejects=exp.true(),
                rejects_table=_lit(REJECTS_TABLE),
                rejects_scan=_lit(REJECTS_SCAN),
                **options,
            )
            parts.append(exp.select("*").from_(call))
        reject = exp.alias_(exp.cast(exp.null(), "VARCHAR"), REJECT)
        union = _union_all(parts).subquery("c")
        if not formatted:
            return exp.select("*", reject).from_(union)
        cols = [
            exp.alias_(exp.cast(_col(c), "TIMESTAMPTZ"), c, quoted=True)
            if c in formatted
            else _col(c)
            for c in self._schema or {}
        ]
        return exp.select(*cols, reject).from_(union)

    def rejects(self, con: duckdb.DuckDBPyConnection, limit: int) -> tuple[int, list[Reject]]:
        query = f"""
            SELECT s.file_path, e.line, e.error_type::VARCHAR, e.error_message, e.csv_line,
                   count(*) OVER () AS total, e.line_byte_position
            FROM (SELECT DISTINCT ON (scan_id, file_id, line) * FROM {REJECTS_TABLE}
                  ORDER BY scan_id, file_id, line, column_idx) e
            JOIN {REJECTS_SCAN} s USING (scan_id, file_id)
            ORDER BY s.file_path, e.line
            LIMIT {int(limit)}
        """  # fixed identifiers and an int only: no user text reaches this SQL
        try:
            rows = con.sql(query).fetchall()
        except duckdb.CatalogException:
            return 0, []
        files = {f.path: f for f in self.files}
        physical: dict[tuple[str, int], int] = {}
        for path in {r[0] for r in rows}:
            f = files.get(path)
            offsets = sorted(int(r[6]) for r in rows if r[0] == path and r[6] is not None)
            if f is not None:
                physical.update({(path, o): n for o, n in physical_lines(f, offsets).items()})
        out = [
            Reject(
                files[path].display if path in files else path,
                physical.get((path, int(offset) if offset is not None else -1), int(line)),
                _csv_reason(kind, message, raw, self._columns.get(path, []), self.files[0].format),
            )
            for path, line, kind, message, raw, _total, offset in rows
        ]
        return (int(rows[0][5]) if rows else 0), out


def physical_lines(f: LogFile, offsets: Sequence[int]) -> dict[int, int]:
    """1-based line numbers of byte ``offsets`` in a (possibly gzip) file, in one pass.

    DuckDB numbers CSV records, so a quoted field with a line break shifts every later
    record; people (and editors) count physical lines.
    """
    result: dict[int, int] = {}
    if not offsets:
        return result
    opener = gzip.open if f.compressed else open
    pending = sorted(set(offsets))
    newlines, consumed, i = 0, 0, 0
    try:
        with opener(f.path, "rb") as stream:
            while i < len(pending):
                chunk = stream.read(1 << 20)
                if not chunk:
                    break
                end = consumed + len(chunk)
                while i < len(pending) and pending[i] <= end:
                    result[pending[i]] = newlines + chunk.count(b"\n", 0, pending[i] - consumed) + 1
                    i += 1
                newlines += chunk.count(b"\n")
                consumed = end
    except (OSError, EOFError):
        pass  # keep DuckDB's record numbers for what could not be counted
    return result


def _csv_reason(kind: str, message: str, raw: str, columns: list[str], fmt: LogFormat) -> str:
    if kind == "CAST":
        # DuckDB may name the wrong column when only some columns are read; the value is
        # right, so find the column holding it in the raw line.
        m = re.search(r'Could not convert string "(.*)" to \'(.+)\'', message, re.S)
        value, target = (m.group(1), m.group(2)) if m else ("?", "the needed type")
        what = {
            "TIMESTAMP": "a timestamp",
            "DATE": "a date",
            "TIMESTAMP WITH TIME ZONE": "a timestamp",
            "DOUBLE": "a number",
            "BIGINT": "a whole number",
            "BOOLEAN": "true/false",
        }.get(target, target)
        delim = "\t" if fmt == LogFormat.TSV else ","
        fields = next(csv.reader(io.StringIO(raw.strip("\r\n")), delimiter=delim), [])
        where = next(
            (
                f'column "{columns[i]}": '
                for i, v in enumerate(fields)
                if v == value and i < len(columns)
            ),
            "",
        )
        return f'{where}cannot read "{value}" as {what}'
    if kind in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
        counts = re.findall(r"\d+", message)
        if len(counts) == 2:
            return f"wrong number of fields: expected {counts[0]}, found {counts[1]}"
        return f"wrong number of fields: {message}"
    return f"{kind.lower()}: {message}"


def typed_projection(
    schema: Mapping[str, str],
    needed: Mapping[str, str],
    formats: Mapping[str, str] | None = None,
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
            cols.append(_col(c))
            continue
        cast: exp.Expr = exp.TryCast(this=_col(c), to=exp.DataType.build(want))
        if formats and c in formats:
            parsed = exp.func("try_strptime", exp.cast(_col(c), "VARCHAR"), _lit(formats[c]))
            cast = exp.cast(parsed, want)
        cols.append(exp.alias_(cast, c, quoted=True))
        bad = exp.and_(exp.not_(_col(c).is_(exp.null())), cast.copy().is_(exp.null()))
        what = _TYPE_WORDS.get(kind_of_sql_type(want), want)
        value = exp.cast(_col(c), "VARCHAR")
        case = case.when(
            bad,
            exp.func("concat", _lit(f'column "{c}": cannot read "'), value, _lit(f'" as {what}')),
        )
    reject = case if case.args.get("ifs") else exp.cast(exp.null(), "VARCHAR")
    return cols, reject


_TYPE_WORDS = {Kind.TIMESTAMP: "a timestamp", Kind.NUMBER: "a number", Kind.BOOLEAN: "true/false"}


def _union_all(parts: Sequence[exp.Select]) -> exp.Query:
    """Stack selects by column name (``UNION ALL BY NAME``): files may order columns apart."""
    union: exp.Query = parts[0]
    for p in parts[1:]:
        union = exp.Union(this=union, expression=p, distinct=False, by_name=True)
    return union


def text_lines(f: LogFile) -> exp.Expr:
    """The file as one text column ``__json``, one row per physical line."""
    args = [
        _lit(f.path),
        _arg("columns", _struct({"__json": "VARCHAR"})),
        _arg("header", exp.false()),
        _arg("delim", _lit("\x01")),  # never in valid JSON text: control chars are escaped
        _arg("quote", _lit("")),
        _arg("escape", _lit("")),
        _arg("auto_detect", exp.false()),
        _arg("strict_mode", exp.false()),  # lines end in \n or \r\n; nothing else is parsed
    ]
    return exp.Table(this=exp.Anonymous(this="read_csv", expressions=args))


RECORD_KEYS = ("tickets", "records", "contacts", "ContactTraceRecords", "data", "items", "results")


def flatten(
    name: str, typ: DuckDBPyType, prefix: tuple[str, ...] = ()
) -> dict[tuple[str, ...], str]:
    """Leaf fields of a (possibly nested) JSON value: ('Agent', 'Username') -> VARCHAR."""
    path = (*prefix, name)
    if typ.id == "struct":
        out: dict[tuple[str, ...], str] = {}
        for child, child_type in typ.children:
            if isinstance(child_type, DuckDBPyType):
                out.update(flatten(str(child), child_type, path))
        return out
    text = str(typ)
    return {path: "VARCHAR" if text.endswith("[]") else text}


class JsonReader(LogReader):
    """JSON Lines (one object per line) and JSON documents, optionally gzip-compressed.

    A JSON document is an array of records, or an object wrapping one (``{"tickets": [...]}``
    as helpdesk exports write it). Nested objects are flattened into dotted column names
    (``Agent.CustomerHoldDuration``, quoted in expressions with backticks). Every record is read
    as text and each field taken out with DuckDB's JSON functions, so a malformed line (a
    truncated export) or a value that does not fit the type a standard needs rejects that row
    with its record number instead of failing the whole read.
    """

    formats = (LogFormat.JSONL, LogFormat.JSON)
    text_types = ("TIMESTAMPTZ",)

    def __init__(self, files: Sequence[LogFile]) -> None:
        super().__init__(files)
        self._paths: dict[str, tuple[str, ...]] = {}
        self._records: dict[str, str | None] = {}  # JSON documents: the key holding the records
        self._sideloads: dict[str, list[tuple[str, str]]] = {}  # (array, attach as) per file

    def _json(self, f: LogFile, **extra: exp.Expr) -> exp.Expr:
        fmt = "newline_delimited" if f.format == LogFormat.JSONL else "auto"
        args = [_lit(f.path), _arg("format", _lit(fmt)), *(_arg(k, v) for k, v in extra.items())]
        return exp.Table(this=exp.Anonymous(this="read_json", expressions=args))

    def _records_query(self, f: LogFile) -> exp.Select:
        """One row per record of a JSON document, as a struct column ``r``."""
        key = self._records.get(f.path)
        if key is None:  # an array of records (or one record)
            table = self._json(f)
            table.set("alias", exp.TableAlias(this=exp.to_identifier("t")))
            return exp.select(exp.alias_(exp.column("t"), "r")).from_(table)
        unnest = exp.Unnest(expressions=[_col(key)])
        records = exp.select(exp.alias_(unnest, "r")).from_(self._json(f))
        for i, (array, attach) in enumerate(self._sideloads.get(f.path, [])):
            side = exp.select(exp.alias_(exp.Unnest(expressions=[_col(array)]), "s")).from_(
                self._json(f)
            )
            link = f"{_singular(key)}_id"
            on = exp.EQ(
                this=exp.func("struct_extract", exp.column("s", table=f"m{i}"), _lit(link)),
                expression=exp.func("struct_extract", exp.column("r", table="t"), _lit("id")),
            )
            merged = exp.func(
                "struct_insert",
                exp.column("r", table="t"),
                exp.PropertyEQ(
                    this=exp.to_identifier(attach, quoted=True),
                    expression=exp.column("s", table=f"m{i}"),
                ),
            )
            records = (
                exp.select(exp.alias_(merged, "r"))
                .from_(records.subquery("t"))
                .join(side.subquery(f"m{i}"), on=on, join_type="left")
            )
        return records

    def _docs(self, f: LogFile) -> exp.Select:
        """Records as JSON text ``__json`` with ``__malformed``; blank lines dropped."""
        if f.format == LogFormat.JSON:
            doc = exp.func("to_json", exp.column("r"))
            return exp.select(
                exp.alias_(doc, "__json"), exp.alias_(exp.false(), "__malformed")
            ).from_(self._records_query(f).subquery("rec"))
        line = exp.column("__json")
        nonblank = exp.NEQ(this=exp.func("trim", line), expression=_lit(""))
        malformed = exp.not_(exp.func("json_valid", line))
        return (
            exp.select(line, exp.alias_(malformed, "__malformed"))
            .from_(text_lines(f))
            .where(nonblank)
        )

    def _fields(self, f: LogFile) -> exp.Select:
        """Every (flattened) key of the records as a text column, plus ``__malformed``."""
        doc = exp.column("__json")
        ok = exp.not_(exp.column("__malformed"))
        cols: list[exp.Expr] = []
        for c in self._schema or {}:
            path = "$." + ".".join(_json_key(part) for part in self._paths.get(c, (c,)))
            value = exp.JSONExtractScalar(this=doc, expression=_lit(path))
            cols.append(exp.alias_(exp.Case().when(ok, value), c, quoted=True))
        return exp.select(*cols, exp.column("__malformed")).from_(self._docs(f).subquery("d"))

    def _describe(self, con: duckdb.DuckDBPyConnection) -> dict[str, str]:
        schema: dict[str, str] = {}
        for f in self.files:
            try:
                leaves = self._leaves(con, f)
            except duckdb.Error as e:
                raise self.read_error(e, f) from None
            for path, typ in leaves.items():
                name = ".".join(path)
                self._paths[name] = path
                schema[name] = merge_types(schema.get(name, typ), typ)
        self._schema = schema
        return schema

    def _leaves(self, con: duckdb.DuckDBPyConnection, f: LogFile) -> dict[tuple[str, ...], str]:
        if f.format == LogFormat.JSONL:
            rel = con.sql(
                exp.select("*")
                .from_(self._json(f, ignore_errors=exp.true()))
                .limit(0)
                .sql("duckdb")
            )
            leaves: dict[tuple[str, ...], str] = {}
            for name, t in zip(rel.columns, rel.types, strict=True):
                leaves.update(flatten(name, t))
            return leaves
        top = con.sql(exp.select("*").from_(self._json(f)).limit(0).sql("duckdb"))
        lists = [
            n
            for n, t in zip(top.columns, top.types, strict=True)
            if t.id == "list" and t.child.id == "struct"
        ]
        key: str | None = None
        if lists:
            count = exp.select(exp.Count(this=exp.Star())).from_(self._json(f))
            single = con.sql(count.sql("duckdb")).fetchall()[0][0] == 1
            preferred = [n for n in RECORD_KEYS if n in lists]
            if single and (preferred or len(lists) == 1):
                key = (preferred or lists)[0]  # {"tickets": [...], "next_page": ...}
        self._records[f.path] = key
        if key is not None:
            self._sideloads[f.path] = self._find_sideloads(con, f, key, top)
        rel = con.sql(self._records_query(f).limit(0).sql("duckdb"))
        return {path[1:]: t for path, t in flatten("r", rel.types[0]).items()}

    def _find_sideloads(
        self, con: duckdb.DuckDBPyConnection, f: LogFile, key: str, top: duckdb.DuckDBPyRelation
    ) -> list[tuple[str, str]]:
        """Side-loaded arrays (Zendesk's ``metric_sets``) with one item per record.

        An array whose items carry ``<record>_id`` (``ticket_id`` for ``tickets``) and at most
        one item per record is attached to each record as ``<array singular>``
        (``metric_set``); arrays with several items per record are left alone.
        """
        link = f"{_singular(key)}_id"
        found = []
        for name, t in zip(top.columns, top.types, strict=True):
            if name == key or t.id != "list" or t.child.id != "struct":
                continue
            if link not in [str(c) for c, _ in t.child.children]:
                continue
            ids = exp.func("struct_extract", exp.column("s"), _lit(link))
            check = exp.select(
                exp.Count(this=ids.copy()), exp.Count(this=exp.Distinct(expressions=[ids]))
            ).from_(
                exp.select(exp.alias_(exp.Unnest(expressions=[_col(name)]), "s"))
                .from_(self._json(f))
                .subquery("side")
            )
            total, distinct = con.sql(check.sql("duckdb")).fetchall()[0]
            if total == distinct:
                found.append((name, _singular(name)))
        return found

    def _any_row(self, f: LogFile) -> exp.Select:
        return exp.select(exp.Literal.number(1)).from_(self._docs(f).subquery("d"))

    def _sample(self) -> exp.Select:
        parts = [self._fields(f) for f in self.files]
        return exp.select("*").from_(_union_all(parts).subquery("s")).limit(SAMPLE_ROWS)

    def _typed(self, f: LogFile, needed: Mapping[str, str]) -> exp.Select:
        text = dict.fromkeys(self._schema or {}, "VARCHAR")
        cols, reject = typed_projection(text, needed, self.time_formats)
        malformed = _lit("malformed JSON (a truncated or broken record)")
        reject = exp.Case().when(exp.column("__malformed"), malformed).else_(reject)
        return exp.select(*cols, exp.alias_(reject, REJECT)).from_(self._fields(f).subquery("f"))

    def relation(self, needed: Mapping[str, str]) -> exp.Select:
        parts = [self._typed(f, needed) for f in self.files]
        return exp.select("*").from_(_union_all(parts).subquery("j"))

    def value_rejects(
        self, con: duckdb.DuckDBPyConnection, needed: Mapping[str, str], limit: int
    ) -> list[Reject]:
        return numbered_rejects(con, [(f, self._typed(f, needed)) for f in self.files], limit)


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


def _singular(name: str) -> str:
    """tickets -> ticket, metric_sets -> metric_set (side-loading naming)."""
    return name[:-1] if name.endswith("s") else name


def _json_key(name: str) -> str:
    """A JSON path step for a key, quoted so any characters are safe."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ParquetReader(LogReader):
    """Parquet files: typed already; columns stored as text are cast like JSON values."""

    formats = (LogFormat.PARQUET,)

    def _call(self, files: Sequence[LogFile] | None = None) -> exp.Expr:
        paths = exp.Array(expressions=[_lit(f.path) for f in files or self.files])
        args = [paths, _arg("union_by_name", exp.true())]
        return exp.Table(this=exp.Anonymous(this="read_parquet", expressions=args))

    def _describe(self, con: duckdb.DuckDBPyConnection) -> dict[str, str]:
        rel = con.sql(exp.select("*").from_(self._call()).limit(0).sql("duckdb"))
        return dict(zip(rel.columns, [str(t) for t in rel.types], strict=True))

    def _any_row(self, f: LogFile) -> exp.Select:
        return exp.select(exp.Literal.number(1)).from_(self._call([f]))

    def _sample(self) -> exp.Select:
        cols = [exp.alias_(exp.cast(_col(c), "VARCHAR"), c, quoted=True) for c in self._raw]
        return exp.select(*cols).from_(self._call()).limit(SAMPLE_ROWS)

    def schema(self, con: duckdb.DuckDBPyConnection) -> dict[str, str]:
        if self._schema is None:
            try:
                self._raw = self._describe(con)
                self._schema = self._refine(con, self._raw)
            except duckdb.Error as e:
                raise self.read_error(e) from None
        return self._schema

    def relation(
        self, needed: Mapping[str, str], files: Sequence[LogFile] | None = None
    ) -> exp.Select:
        cols, reject = typed_projection(self._raw, needed, self.time_formats)
        return exp.select(*cols, exp.alias_(reject, REJECT)).from_(self._call(files))

    def value_rejects(
        self, con: duckdb.DuckDBPyConnection, needed: Mapping[str, str], limit: int
    ) -> list[Reject]:
        sources = [(f, self.relation(needed, [f])) for f in self.files]
        return numbered_rejects(con, sources, limit)


_EXITS = ("ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY", "EXITWITHKEY")
_ENDS = ("COMPLETEAGENT", "COMPLETECALLER", "TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER")


class QueueLogReader(LogReader):
    """Asterisk ``queue_log`` event files, folded into one row per call.

    Lines are ``epoch|callid|queue|agent|event|data1|...``. Each call (callid) with an
    ENTERQUEUE becomes one interaction: ``queued_at`` (ENTERQUEUE), ``answered_at`` (CONNECT),
    ``ended_at``, ``wait_seconds`` (CONNECT's holdtime, or the waittime of ABANDON,
    EXITWITHTIMEOUT, EXITEMPTY, EXITWITHKEY), ``talk_seconds`` (COMPLETEAGENT/COMPLETECALLER or
    TRANSFER calltime), ``abandoned`` (no CONNECT, and one of those exits), ``exit_event``,
    ``transferred``; the queue is the branch. Lines of queue and agent events (callid NONE)
    are not interactions; a line whose time is not a UNIX epoch or that has too few fields
    is rejected with its line number.
    """

    formats = (LogFormat.QUEUE_LOG,)
    FIELDS = 10

    SCHEMA: ClassVar[dict[str, str]] = {
        "id": "VARCHAR",
        "branch": "VARCHAR",
        "channel": "VARCHAR",
        "agent": "VARCHAR",
        "queued_at": "TIMESTAMPTZ",
        "answered_at": "TIMESTAMPTZ",
        "ended_at": "TIMESTAMPTZ",
        "wait_seconds": "DOUBLE",
        "talk_seconds": "DOUBLE",
        "abandoned": "BOOLEAN",
        "transferred": "BOOLEAN",
        "exit_event": "VARCHAR",
    }

    def _lines(self, f: LogFile) -> exp.Select:
        columns = {f"c{i}": "VARCHAR" for i in range(self.FIELDS)}
        args = [
            _lit(f.path),
            _arg("columns", _struct(columns)),
            _arg("header", exp.false()),
            _arg("delim", _lit("|")),
            _arg("quote", _lit("")),
            _arg("escape", _lit("")),
            _arg("auto_detect", exp.false()),
            _arg("null_padding", exp.true()),
            _arg("strict_mode", exp.false()),
        ]
        table = exp.Table(this=exp.Anonymous(this="read_csv", expressions=args))
        epoch = exp.TryCast(this=exp.column("c0"), to=exp.DataType.build("BIGINT"))
        reason = (
            exp.Case()
            .when(epoch.copy().is_(exp.null()), _lit("time is not a UNIX epoch"))
            .when(exp.column("c4").is_(exp.null()), _lit("too few fields for a queue_log line"))
        )
        return exp.select(
            exp.alias_(epoch, "t"),
            *(
                exp.alias_(exp.column(f"c{i}"), name)
                for i, name in enumerate(
                    ("c0", "callid", "queue", "agent", "event", "d1", "d2", "d3", "d4", "d5")
                )
                if i
            ),
            exp.alias_(reason, REJECT),
        ).from_(table)

    def _describe(self, con: duckdb.DuckDBPyConnection) -> dict[str, str]:
        for f in self.files:
            con.sql(self._lines(f).limit(1).sql("duckdb")).fetchall()  # readable at all?
        self._schema = dict(self.SCHEMA)
        return self._schema

    def _refine(self, con: duckdb.DuckDBPyConnection, raw: dict[str, str]) -> dict[str, str]:
        return raw

    def _sample(self) -> exp.Select:
        return self.relation({})

    def _any_row(self, f: LogFile) -> exp.Select:
        return exp.select(exp.Literal.number(1)).from_(self._lines(f).subquery("l"))

    def _calls(self, f: LogFile) -> exp.Select:
        ev = exp.column("event")

        def when(events: Sequence[str]) -> exp.Expr:
            return exp.In(this=ev.copy(), expressions=[_lit(e) for e in events])

        at = exp.func("to_timestamp", exp.column("t"))

        def pick(cond: exp.Expr, value: exp.Expr, agg: str = "max") -> exp.Expr:
            return exp.func(agg, exp.Case().when(cond, value))

        def num(name: str) -> exp.Expr:
            return exp.TryCast(this=exp.column(name), to=exp.DataType.build("DOUBLE"))

        is_enter = exp.EQ(this=ev.copy(), expression=_lit("ENTERQUEUE"))
        is_connect = exp.EQ(this=ev.copy(), expression=_lit("CONNECT"))
        connected = exp.GT(
            this=exp.func("count", exp.Case().when(is_connect.copy(), exp.Literal.number(1))),
            expression=exp.Literal.number(0),
        )
        exited = exp.GT(
            this=exp.func("count", exp.Case().when(when(_EXITS), exp.Literal.number(1))),
            expression=exp.Literal.number(0),
        )
        first_queue = exp.func(
            "arg_min",
            exp.Case().when(is_enter.copy(), exp.column("queue")),
            exp.Case().when(is_enter.copy(), exp.column("t")),
        )
        first_agent = exp.func(
            "arg_min",
            exp.Case().when(is_connect.copy(), exp.column("agent")),
            exp.Case().when(is_connect.copy(), exp.column("t")),
        )
        wait = exp.func(
            "coalesce",
            pick(is_connect.copy(), num("d1")),
            pick(when(_EXITS[:3]), num("d3")),
            pick(exp.EQ(this=ev.copy(), expression=_lit("EXITWITHKEY")), num("d4")),
        )
        talk = exp.func(
            "coalesce",
            pick(when(_ENDS[:2]), num("d2")),
            pick(when(_ENDS[2:]), num("d4")),
        )
        good = exp.column(REJECT).is_(exp.null())
        calls = (
            exp.select(
                exp.alias_(exp.column("callid"), "id"),
                exp.alias_(first_queue, "branch"),
                exp.alias_(_lit("phone"), "channel"),
                exp.alias_(first_agent, "agent"),
                exp.alias_(pick(is_enter.copy(), at.copy(), "min"), "queued_at"),
                exp.alias_(pick(is_connect.copy(), at.copy(), "min"), "answered_at"),
                exp.alias_(pick(when(_EXITS + _ENDS), at.copy()), "ended_at"),
                exp.alias_(wait, "wait_seconds"),
                exp.alias_(talk, "talk_seconds"),
                exp.alias_(exp.and_(exp.not_(connected), exited), "abandoned"),
                exp.alias_(exp.func("bool_or", when(_ENDS[2:])), "transferred"),
                exp.alias_(exp.func("lower", pick(when(_EXITS), ev.copy())), "exit_event"),
                exp.alias_(exp.cast(exp.null(), "VARCHAR"), REJECT),
            )
            .from_(self._lines(f).subquery("ev"))
            .where(exp.and_(good, exp.NEQ(this=exp.column("callid"), expression=_lit("NONE"))))
            .group_by(exp.column("callid"))
            .having(
                exp.GT(
                    this=exp.func("count", exp.Case().when(is_enter.copy(), exp.Literal.number(1))),
                    expression=exp.Literal.number(0),
                )
            )
        )
        nulls = [
            exp.alias_(exp.cast(exp.null(), t), c, quoted=True) for c, t in self.SCHEMA.items()
        ]
        bad = (
            exp.select(*nulls, exp.column(REJECT))
            .from_(self._lines(f).subquery("bad"))
            .where(exp.not_(exp.column(REJECT).is_(exp.null())))
        )
        return exp.select("*").from_(exp.union(calls, bad, distinct=False).subquery("q"))

    def relation(self, needed: Mapping[str, str]) -> exp.Select:
        return exp.select("*").from_(
            _union_all([self._calls(f) for f in self.files]).subquery("calls")
        )

    def value_rejects(
        self, con: duckdb.DuckDBPyConnection, needed: Mapping[str, str], limit: int
    ) -> list[Reject]:
        return numbered_rejects(con, [(f, self._lines(f)) for f in self.files], limit)


READERS: dict[LogFormat, type[LogReader]] = {
    fmt: reader
    for reader in (CsvReader, JsonReader, ParquetReader, QueueLogReader)
    for fmt in reader.formats
}
