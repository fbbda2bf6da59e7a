"""Logs as Spark relations with the same columns, typing and rejects as the DuckDB readers.

Spark reads every file with its native reader (CSV with an all-text schema, text lines for
JSON Lines and queue_log, whole-file text for JSON documents, Parquet), registers a temporary
view per file, and the rest is SQL written as sqlglot trees with DuckDB's meaning, rendered by
``svcaudit.spark.dialect``: the typed projection (``typed_projection``: TRY_CAST per needed
column and the reject reason of a row) is the same function the DuckDB readers use.

What the DuckDB readers learnt while planning (column names per CSV file, JSON paths, the key
holding a JSON document's records, side-loaded arrays, detected time formats) is reused, so
both engines read exactly the same columns; the steps readers take over the rows they opened
(a JSON document's side-loads, queue_log's visits) are the readers' own ``prepare`` steps.

Every relation carries ``__file`` (the file as people know it, as in DuckDB's relation) and
``__pos`` (a position that orders the rows of one file) next to ``__reject``, to number
rejected rows for the report.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pyspark.sql import functions as F  # noqa: N812 (PySpark's convention)
from pyspark.sql.types import StringType, StructField, StructType
from sqlglot import exp

from svcaudit.sources import Logs
from svcaudit.sources.base import REJECT, LogReader, Reject, lit, quoted_column, typed_projection
from svcaudit.sources.csv_reader import CsvReader, csv_records
from svcaudit.sources.files import LogFile, LogFormat
from svcaudit.sources.json_reader import JsonReader
from svcaudit.sources.parquet_reader import ParquetReader
from svcaudit.sources.prepare import KIND, POSITION, QueueVisits
from svcaudit.sources.queue_log import QueueLogReader, queue_log_lines
from svcaudit.spark.dialect import SparkUnsupportedError, spark_sql

FILE = "__file"
POS = POSITION  # "__pos"
BAD = "__bad"  # a reason found while reading (wrong number of fields, malformed JSON)
RAW = "__raw"  # the raw record text, for the reasons listed in the report
CORRUPT = "__corrupt"
FIELD_COUNT = "wrong number of fields"
MALFORMED = "malformed JSON (a truncated or broken record)"


@dataclass
class _Part:
    """One file's rows: a select (DuckDB semantics) over its registered view."""

    file: LogFile
    index: int
    reader: LogReader
    select: exp.Select  # the typed rows with __reject, __file, __pos
    listing: exp.Select  # rows to number for the reject list: __pos, __reject, __raw


def _uri(f: LogFile, staged: Mapping[str, str]) -> str:
    """The URI a staged sample stands for, else an absolute path (Spark resolves relative
    paths against the directory its JVM started in)."""
    return staged.get(f.path) or os.path.abspath(f.path)


def _table(name: str) -> exp.Table:
    return exp.to_table(name)


def _null_text() -> exp.Expr:
    return exp.cast(exp.null(), "VARCHAR")


def _variant(path: Sequence[str]) -> exp.Expr:
    steps = ("['" + p.replace("\\", "\\\\").replace("'", "\\'") + "']" for p in path)
    return lit("$" + "".join(steps))


def _variant_get(value: exp.Expr, path: Sequence[str], typ: str = "string") -> exp.Expr:
    return exp.Anonymous(this="variant_get", expressions=[value, _variant(path), lit(typ)])


class SparkLogs:
    """Registers the files of ``logs`` as Spark views and builds the relation over them."""

    def __init__(self, spark: Any, logs: Logs, staged: Mapping[str, str] | None = None) -> None:
        self.spark = spark
        self.staged = dict(staged or {})
        self.prefix = "svcaudit"
        self.logs = logs
        self._views: dict[str, str] = {}
        self.files: list[LogFile] = [f for r in logs.readers for f in r.files]

    # -- reading -----------------------------------------------------------------------------

    def _view(self, f: LogFile, key: str, df: Any) -> str:
        name = f"{self.prefix}_{len(self._views)}_{key}"
        df.createOrReplaceTempView(name)
        self._views[f"{f.path}:{key}"] = name
        return name

    def _positioned(self, df: Any) -> Any:
        """``__pos``: the split's first byte + the row's index in its partition (the low 33 bits
        of monotonically_increasing_id). A row takes at least one byte, so positions grow
        through the file across splits, without overflow."""
        in_partition = F.monotonically_increasing_id().bitwiseAND(F.lit((1 << 33) - 1))
        return df.withColumn(POS, F.col("_metadata.file_block_start") + in_partition)

    def _text(self, f: LogFile, whole: bool = False) -> str:
        reader = self.spark.read
        uri = _uri(f, self.staged)
        df = reader.text(uri, wholetext=True) if whole else reader.text(uri)
        return self._view(f, "text", self._positioned(df))

    def _csv(self, f: LogFile, columns: Sequence[str]) -> str:
        fields = [StructField(c, StringType()) for c in columns]
        schema = StructType([*fields, StructField(CORRUPT, StringType())])
        df = self.spark.read.csv(
            _uri(f, self.staged),
            schema=schema,
            header=True,
            sep="\t" if f.format == LogFormat.TSV else ",",
            quote='"',
            escape='"',
            multiLine=True,  # quoted fields may hold line breaks, as DuckDB reads them
            encoding="UTF-8",
            mode="PERMISSIVE",
            columnNameOfCorruptRecord=CORRUPT,
            enforceSchema=True,
        )
        return self._view(f, "csv", self._positioned(df))

    # -- one select per file -----------------------------------------------------------------

    def relation(self, needed: Mapping[str, str]) -> exp.Select:
        """All rows: the schema's columns (needed ones typed), ``__reject``, file and position."""
        self.parts = []
        index = 0
        for reader in self.logs.readers:
            for f in reader.files:
                self.parts.append(self._part(reader, f, index, needed))
                index += 1
        # Spark SQL has no UNION ALL BY NAME (DuckDB's readers stack files by it): every part
        # gives the same columns in the same order, NULL where its file has no such column
        names = list(dict.fromkeys(n for p in self.parts for n in p.select.named_selects))
        union: exp.Query | None = None
        for p in self.parts:
            has = set(p.select.named_selects)
            aligned = exp.select(
                *(
                    _global_position(p.index)
                    if n == POS
                    else quoted_column(n)
                    if n in has
                    else exp.alias_(exp.null(), n)
                    for n in names
                )
            ).from_(p.select.subquery("part"))
            union = aligned if union is None else exp.union(union, aligned, distinct=False)
        assert union is not None
        return exp.select("*").from_(union.subquery("logs"))

    def _part(self, reader: LogReader, f: LogFile, index: int, needed: Mapping[str, str]) -> _Part:
        if isinstance(reader, CsvReader):
            return self._csv_part(reader, f, index, needed)
        if isinstance(reader, JsonReader):
            return self._json_part(reader, f, index, needed)
        if isinstance(reader, QueueLogReader):
            return self._queue_log_part(reader, f, index)
        if isinstance(reader, ParquetReader):
            return self._parquet_part(reader, f, index, needed)
        raise SparkUnsupportedError(f"the Spark engine cannot read {f.format.value} files")

    def _typed(
        self,
        reader: LogReader,
        rows: exp.Select,
        f: LogFile,
        needed: Mapping[str, str],
    ) -> exp.Select:
        """The typed projection over text columns, with a reason from reading (``__bad``)."""
        schema = reader._schema or {}
        text = dict.fromkeys(schema, "VARCHAR")  # every format is read as text first
        cols, typed_reject = typed_projection(text, needed, reader.time_formats, rules=reader.rules)
        bad = exp.column(BAD)
        reject = exp.Case().when(bad.is_(exp.null()).not_(), bad.copy()).else_(typed_reject)
        return exp.select(
            *cols,
            exp.alias_(reject, REJECT),
            exp.alias_(lit(f.display), FILE),
            exp.column(POS),
        ).from_(rows.subquery("rows"))

    def _listing(self, typed: exp.Select, raw: exp.Expr | None = None) -> exp.Select:
        cols = [exp.column(POS), exp.column(REJECT), exp.alias_(raw or _null_text(), RAW)]
        # Spark refuses a query of a CSV file reading only its corrupt-record column (as the
        # reject reason does, now that a bad value is no reject): read a data column too
        data = [n for n in typed.named_selects if not n.startswith("__")][:1]
        cols += [exp.alias_(quoted_column(n), "__read") for n in data]
        return exp.select(*cols).from_(typed.subquery("typed"))

    def _csv_part(
        self, reader: CsvReader, f: LogFile, index: int, needed: Mapping[str, str]
    ) -> _Part:
        columns = reader._columns[f.path]
        view = self._csv(f, columns)
        bad = exp.Case().when(exp.column(CORRUPT).is_(exp.null()).not_(), lit(FIELD_COUNT))
        present = set(columns)
        cols = [
            # DuckDB reads a quoted empty field ("") as NULL, Spark as ''
            exp.alias_(exp.func("nullif", quoted_column(c), lit("")), c, quoted=True)
            if c in present
            else exp.alias_(_null_text(), c, quoted=True)
            for c in reader._schema or {}
        ]
        rows = exp.select(*cols, exp.alias_(bad, BAD), exp.column(POS), exp.column(CORRUPT)).from_(
            _table(view)
        )
        typed = self._typed(reader, rows, f, needed)
        typed = typed.select(exp.column(CORRUPT), copy=False)
        return _Part(f, index, reader, typed, self._listing(typed, exp.column(CORRUPT)))

    def _json_part(
        self, reader: JsonReader, f: LogFile, index: int, needed: Mapping[str, str]
    ) -> _Part:
        paths = reader._paths
        if f.format == LogFormat.JSONL:
            view = self._text(f)
            line = exp.column("value")
            parsed = exp.Anonymous(this="try_parse_json", expressions=[line])
            docs = (
                exp.select(exp.alias_(parsed, "__v"), exp.column(POS), line)
                .from_(_table(view))
                .where(exp.NEQ(this=exp.func("trim", line.copy()), expression=lit("")))
            )
            ok = exp.column("__v").is_(exp.null()).not_()
            cols = [
                exp.alias_(
                    exp.Case().when(ok.copy(), _variant_get(exp.column("__v"), paths.get(c, (c,)))),
                    c,
                    quoted=True,
                )
                for c in reader._schema or {}
            ]
            bad = exp.Case().when(exp.not_(ok), lit(MALFORMED))
            rows = exp.select(*cols, exp.alias_(bad, BAD), exp.column(POS)).from_(
                docs.subquery("docs")
            )
            typed = self._typed(reader, rows, f, needed)
            return _Part(f, index, reader, typed, self._listing(typed))
        return self._json_document_part(reader, f, index, needed)

    def _json_document_part(
        self, reader: JsonReader, f: LogFile, index: int, needed: Mapping[str, str]
    ) -> _Part:
        """A JSON document: an array of records, or an object wrapping one, whose side-loaded
        items the reader's step attaches (``prepare.SideLoads``, the same step as on DuckDB)."""
        whole = self.spark.read.text(_uri(f, self.staged), wholetext=True)
        docs = whole.selectExpr("try_parse_json(value) AS __doc")
        key = reader._records.get(f.path)
        doc = exp.column("__doc")
        if key is not None:
            array = _variant_get(doc, (key,), "array<variant>")
        else:  # an array of records, or a single record
            as_array = exp.Anonymous(
                this="try_variant_get", expressions=[doc.copy(), lit("$"), lit("array<variant>")]
            )
            array = exp.func("coalesce", as_array, exp.Array(expressions=[doc.copy()]))
        records = docs.selectExpr(f"posexplode({_spark(array)}) AS ({POS}, __r)")
        step = reader.side_loads(f, (POS,))
        names = list(reader._schema or {})
        attached = {c for side in step.sides for c in side.columns} if step else set()
        cols = [
            exp.alias_(
                _null_text()
                if c in attached
                else _variant_get(exp.column("__r"), reader._paths.get(c, (c,))),
                c,
                quoted=True,
            )
            for c in names
        ]
        rows = exp.select(*cols, exp.column(POS)).from_(_table(self._view(f, "records", records)))
        if step is not None:
            rows = step.apply(self._with_sides(reader, f, docs, rows, step.records))
        rows = exp.select(
            *(quoted_column(c) for c in names), exp.alias_(_null_text(), BAD), exp.column(POS)
        ).from_(rows.subquery("recs"))
        typed = self._typed(reader, rows, f, needed)
        return _Part(f, index, reader, typed, self._listing(typed))

    def _with_sides(
        self, reader: JsonReader, f: LogFile, docs: Any, records: exp.Select, kind: str
    ) -> exp.Select:
        """The ``records`` rows and the items of each side-loaded array of the document, every
        column as text and each row's array in ``KIND`` (``SideLoads`` reads these)."""
        union: exp.Query = records.select(exp.alias_(lit(kind), KIND), copy=False)
        for i, (array, attach) in enumerate(reader._sideloads[f.path]):
            items = _spark(_variant_get(exp.column("__doc"), (array,), "array<variant>"))
            view = self._view(f, f"side{i}", docs.selectExpr(f"explode({items}) AS __s"))
            cols = []
            for c in reader._schema or {}:
                path = reader.side_path(c, attach)
                value = _null_text() if path is None else _variant_get(exp.column("__s"), path)
                cols.append(exp.alias_(value, c, quoted=True))
            side = exp.select(
                *cols, exp.alias_(exp.cast(exp.null(), "BIGINT"), POS), exp.alias_(lit(array), KIND)
            ).from_(_table(view))
            union = exp.union(union, side, distinct=False)
        return exp.select("*").from_(union.subquery("docs"))

    def _queue_log_part(self, reader: QueueLogReader, f: LogFile, index: int) -> _Part:
        """The lines split as the DuckDB reader splits them, then the same ``QueueVisits``."""
        view = self._text(f)
        line = exp.column("value")
        parts = exp.func("split", line, lit("|"))  # a literal separator: sqlglot quotes it
        fields = [
            exp.alias_(
                exp.func(
                    "nullif",
                    exp.Anonymous(
                        this="try_element_at", expressions=[parts.copy(), exp.Literal.number(i + 1)]
                    ),
                    lit(""),
                ),
                f"c{i}",
            )
            for i in range(reader.FIELDS)
        ]
        nonblank = exp.NEQ(this=exp.func("trim", line.copy()), expression=lit(""))
        split = exp.select(*fields, exp.column(POS)).from_(_table(view)).where(nonblank)
        lines = queue_log_lines(split, f)
        visits = QueueVisits().apply(exp.select("*").from_(lines.subquery("lines")))
        typed = exp.select(
            *(quoted_column(c) for c in reader.SCHEMA),
            exp.column(REJECT),
            exp.column(FILE),
            exp.column(POS),
        ).from_(visits.subquery("calls"))
        listing = exp.select(
            exp.column(POS), exp.column(REJECT), exp.alias_(_null_text(), RAW)
        ).from_(lines.subquery("lines"))
        return _Part(f, index, reader, typed, listing)

    def _parquet_part(
        self, reader: ParquetReader, f: LogFile, index: int, needed: Mapping[str, str]
    ) -> _Part:
        df = self.spark.read.parquet(_uri(f, self.staged))
        # every column as text in the session's zone, then typed as the other formats are
        df = df.select(*(F.col(f"`{c}`").cast("string").alias(c) for c in df.columns))
        view = self._view(f, "parquet", self._positioned(df))
        present = set(df.columns)
        cols = [
            quoted_column(c) if c in present else exp.alias_(_null_text(), c, quoted=True)
            for c in reader._schema or {}
        ]
        rows = exp.select(*cols, exp.alias_(_null_text(), BAD), exp.column(POS)).from_(_table(view))
        typed = self._typed(reader, rows, f, needed)
        return _Part(f, index, reader, typed, self._listing(typed))

    # -- rejects -----------------------------------------------------------------------------

    def rejects(self, limit: int) -> list[Reject]:
        """The first rejected rows, numbered as the DuckDB readers number them."""
        out: list[Reject] = []
        for part in self.parts:
            # a data column read along (see ``_listing``), kept to the end so that it is read
            read = [exp.column("__read")] if "__read" in part.listing.named_selects else []
            numbered = exp.select(
                exp.alias_(
                    exp.Window(
                        this=exp.RowNumber(),
                        order=exp.Order(expressions=[exp.Ordered(this=exp.column(POS))]),
                    ),
                    "__line",
                ),
                exp.column(REJECT),
                exp.column(RAW),
                *read,
            ).from_(part.listing.subquery("l"))
            query = (
                exp.select("__line", REJECT, RAW, *(r.copy() for r in read))
                .from_(numbered.subquery("n"))
                .where(exp.column(REJECT).is_(exp.null()).not_())
                .order_by("__line")
                .limit(limit - len(out))
            )
            rows = self.spark.sql(spark_sql(query)).collect()
            found = [(int(r[0]), str(r[1]), r[2]) for r in rows]
            out += _reasons(part, found, part.file.path in self.staged)
            if len(out) >= limit:
                break
        return out


def _global_position(index: int) -> exp.Expr:
    """A file's ``__pos`` made to order the rows of every file, the files in the order given
    (``prepare.POSITION``): a position within a file stays below 2**44 (16 TiB)."""
    offset = exp.Literal.number(index * 2**44)
    return exp.alias_(exp.Add(this=offset, expression=exp.column(POS)), POS)


def _spark(tree: exp.Expr) -> str:
    return spark_sql(tree)


def _reasons(
    part: _Part, rows: list[tuple[int, str, str | None]], staged: bool = False
) -> list[Reject]:
    """Rejects with DuckDB's wording and line numbers (physical lines for CSV).

    A CSV file staged from a URI is not at hand to count lines in: there a reject's line is
    its record number + 1 (right unless a quoted field before it holds a line break)."""
    f = part.file
    if not isinstance(part.reader, CsvReader):
        return [Reject(f.display, n, reason) for n, reason, _ in rows]
    columns = part.reader._columns[f.path]
    lines = {} if staged else _csv_physical_lines(f, {n for n, _, _ in rows})
    delim = "\t" if f.format == LogFormat.TSV else ","
    out = []
    for n, reason, raw in rows:
        text = reason
        if reason == FIELD_COUNT and raw is not None:
            found = next(csv.reader(io.StringIO(raw.strip("\r\n")), delimiter=delim), [])
            text = f"wrong number of fields: expected {len(columns)}, found {len(found)}"
        out.append(Reject(f.display, lines.get(n, n + 1), text))
    return out


def _csv_physical_lines(f: LogFile, records: set[int]) -> dict[int, int]:
    """Record number (1 = first after the header) -> the physical line it starts on."""
    found: dict[int, int] = {}
    if not records:
        return found
    try:
        for number, (line, _) in enumerate(csv_records(f)):  # the header is record 0
            if number in records:
                found[number] = line
                if len(found) == len(records):
                    break
    except (OSError, EOFError, csv.Error, UnicodeDecodeError):
        pass  # keep record numbers for what could not be counted
    return found
