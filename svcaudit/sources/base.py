"""The reader interface and what every format shares: rejects, type widening, read errors.

Every reader yields the same shape: the file's columns (those the standards need cast to the
types they are used as) plus ``__reject``, the reason a row cannot be evaluated (NULL when it
can). Rows DuckDB cannot even split into fields (a CSV line with too many fields, a value that
does not convert) are caught by DuckDB's reject tables and listed by ``rejects()`` with their
file and line. Nothing is dropped silently: the engine counts both kinds. Type inference
(``inference``), casting (``casting``) and SQL pieces (``sql``) have modules of their own.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

import duckdb
from sqlglot import exp

from svcaudit.errors import Location, SvcauditError, out_of_memory
from svcaudit.expressions.types import Kind, kind_of_sql_type
from svcaudit.sources.casting import typed_projection
from svcaudit.sources.files import LogFile, LogFormat
from svcaudit.sources.inference import SAMPLE_ROWS, infer_types
from svcaudit.sources.names import check_header
from svcaudit.sources.sql import lit, quoted_column
from svcaudit.sources.values import DEFAULT_RULES, ColumnReading, ValueRules
from svcaudit.sources.width import MAX_COLUMNS, first_record_width, too_wide

REJECT = "__reject"
FILE = "__file"  # the log file a row came from, as shown to people
REJECTS_TABLE = "svcaudit_reject_errors"
REJECTS_SCAN = "svcaudit_reject_scans"
#: How timestamps are read when no other format was detected or declared (``timestamp_formats``)
ISO_8601 = "ISO 8601"  # 2025-03-01, T or a space, a time, a fraction, an offset: DuckDB's cast
EPOCH = "Unix epoch (seconds; milliseconds from 10^11)"
NATIVE = "the file's own timestamp type"


@dataclass(frozen=True)
class Reject:
    """A row that could not be evaluated: where it is and why."""

    file: str
    line: int | None
    reason: str


@dataclass(frozen=True)
class InvalidValue:
    """A value present in the log that cannot be read as its column's type: missing for its
    row (which stays in every standard not reading it). ``rows``: how many rows hold it
    where their lines are not known (a JSON document, Parquet); else 1, at ``line``."""

    file: str
    line: int | None
    column: str
    value: str
    expected: str  # "a timestamp", "a number", "true/false"
    rows: int = 1

    @property
    def reason(self) -> str:
        """What is wrong, naming the column."""
        return f'column "{self.column}": cannot read "{self.value}" as {self.expected}'


TYPE_WORDS = {Kind.TIMESTAMP: "a timestamp", Kind.NUMBER: "a number", Kind.BOOLEAN: "true/false"}


def file_column(f: LogFile) -> exp.Expr:
    """The ``__file`` column of rows read from ``f``."""
    return exp.alias_(lit(f.display), FILE)


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
    #: whether the relation flags invalid values (``invalid_column``) of the needed typed
    #: columns; a reader that builds its own typed columns (queue_log) has none
    flags_invalid: ClassVar[bool] = True

    def can_be_invalid(self, column: str, want: str) -> bool:
        """Whether a value of ``column`` read as ``want`` can be invalid (flagged in
        ``invalid_column``); a column the file types itself cannot (Parquet), and the
        aggregate then counts no invalid values for it."""
        return self.flags_invalid

    def __init__(self, files: Sequence[LogFile]) -> None:
        self.files = list(files)
        self.time_formats = {}  # column -> strptime format of its timestamps (31/03/2025 10:00)
        self.notes = {}  # column -> why it stays text (ambiguous dates)
        self.rules = DEFAULT_RULES  # null markers and true/false words (`columns:`)
        self._schema: dict[str, str] | None = None
        self._raw: dict[str, str] = {}
        self._sample_held = False  # the sample is in its temporary table (``_sampled``)

    def schema(self, con: duckdb.DuckDBPyConnection) -> dict[str, str]:
        """Column name -> DuckDB type, with text columns inferred from a sample."""
        if self._schema is None:
            self._stats = {f.path: _stat(f.path) for f in self.files}
            for f in self.files:  # before DuckDB's sniffer meets a 10,000-column header
                width = first_record_width(f)
                if width is not None and width > MAX_COLUMNS:
                    raise too_wide(width, f.display)
                check_header(f)
            try:
                self._raw = self._describe(con)
                self._check_width(self._raw)
                self._schema = self._refine(con, self._raw)
            except duckdb.Error as e:
                raise self.read_error(e) from None
        return self._schema

    def declare(self, readings: Mapping[str, ColumnReading]) -> None:
        """Read the declared columns as declared (after ``schema``): their type and
        timestamp format replace what was detected, their words join the value rules."""
        if self._schema is None:
            return
        nulls = dict(self.rules.nulls)
        trues, falses = dict(self.rules.true_words), dict(self.rules.false_words)
        zones = dict(self.rules.zones)
        for c, r in readings.items():
            if c not in self._schema:
                continue
            if r.type is not None:
                self._schema[c] = r.type
                self.notes.pop(c, None)
                self.time_formats.pop(c, None)
                getattr(self, "epochs", set()).discard(c)
            if r.format is not None:
                self.time_formats[c] = r.format
            if r.nulls is not None:
                nulls[c] = r.nulls
            if r.true_words or r.false_words:
                trues[c], falses[c] = r.true_words, r.false_words
            if r.time_zone is not None:
                zones[c] = r.time_zone
        self.rules = ValueRules(nulls, trues, falses, self.rules.default_nulls, zones)

    def zone_problem(self, column: str) -> str | None:
        """Why a declared ``time_zone:`` cannot apply to ``column`` (after ``declare``): it
        is not read as written timestamps; None when it can."""
        typ = (self._schema or {}).get(column)
        if typ is None:
            return None
        kind = kind_of_sql_type(typ)
        if kind != Kind.TIMESTAMP:
            words = {Kind.NUMBER: "numbers", Kind.BOOLEAN: "true/false"}
            return f"it is read as {words.get(kind, 'text')}, not as timestamps"
        if column in getattr(self, "epochs", set()):
            return "it holds Unix times, which are instants already"
        raw = self._raw.get(column, "VARCHAR") if LogFormat.PARQUET in self.formats else "VARCHAR"
        if kind_of_sql_type(raw) == Kind.TIMESTAMP and raw.upper() not in ("TIMESTAMP", "DATE"):
            return f"the file stores it as instants ({raw}), which carry their own zone"
        return None

    def _check_width(self, raw: Mapping[str, str]) -> None:
        """Refuse a log with more than ``MAX_COLUMNS`` columns before reading its values."""
        if len(raw) > MAX_COLUMNS:
            raise too_wide(len(raw), self.files[0].display if self.files else "the log")

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

    def record_line_numbers(self, f: LogFile, records: set[int]) -> dict[int, int] | None:
        """The physical line where each of ``records`` (``prepare.RECORD``: 1 = the first
        record after the header, among those of the header's width) starts in ``f``; None
        where the format cannot tell (then ``value_lines`` finds lines by their text)."""
        return None

    def value_lines(
        self, f: LogFile, values: Mapping[str, Mapping[str, int]], limit: int
    ) -> list[tuple[int, str, str]]:
        """The lines of ``f`` where a column holds one of its invalid ``values`` (column ->
        raw text -> how many rows of the audit hold it: no more are listed), in file order,
        as (line, column, value); formats without lines per record find none."""
        return []

    time_formats: dict[str, str]
    notes: dict[str, str]
    rules: ValueRules

    def timestamp_formats(self) -> dict[str, str]:
        """How each timestamp column's values are read (after ``schema()``): the strptime
        format detection chose (``%m/%d/%Y %I:%M:%S %p``), else ISO 8601. ``inspect``
        shows these, and the relation reads every value with them."""
        return {
            c: self.time_formats.get(c, ISO_8601)
            for c, t in (self._schema or {}).items()
            if kind_of_sql_type(t) == Kind.TIMESTAMP
        }

    #: Types a text column may turn out to hold. JSON keeps its own numbers and booleans, so
    #: there only timestamps (always strings in JSON) are looked for.
    text_types: ClassVar[tuple[str, ...]] = ("TIMESTAMPTZ", "DOUBLE", "BOOLEAN")

    def _refine(self, con: duckdb.DuckDBPyConnection, raw: dict[str, str]) -> dict[str, str]:
        """The detected types, text columns refined from the sample (``inference``)."""
        found = infer_types(con, self._sampled, raw, self.text_types)
        self.notes.update(found.notes)
        self.time_formats.update(found.time_formats)
        return found.types

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


#: lit, quoted_column, typed_projection and SAMPLE_ROWS live in sql, casting and inference;
#: they are re-exported here for svcaudit.spark (sources, staging), which imports them from here.
__all__ = [
    "FILE",
    "REJECT",
    "REJECTS_SCAN",
    "REJECTS_TABLE",
    "SAMPLE_ROWS",
    "TYPE_WORDS",
    "InvalidValue",
    "LogReader",
    "Reject",
    "file_column",
    "lit",
    "merge_types",
    "numbered_rejects",
    "quoted_column",
    "target_type",
    "typed_projection",
]
