"""CSV and TSV logs, read by DuckDB's CSV reader with its reject tables."""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import duckdb
from sqlglot import exp

from svcaudit.errors import Location, SvcauditError
from svcaudit.expressions.types import Kind, kind_of_sql_type
from svcaudit.sources.base import (
    EPOCH,
    FILE,
    REJECT,
    REJECTS_SCAN,
    REJECTS_TABLE,
    LogReader,
    Reject,
    file_column,
    merge_types,
)
from svcaudit.sources.casting import (
    EPOCH_MAX,
    EPOCH_MIN,
    OffsetSpan,
    naive_readings,
    sample_spans,
    typed_projection,
)
from svcaudit.sources.files import LogFile, LogFormat, first_long_line
from svcaudit.sources.inference import ISO_LIKE, SAMPLE_ROWS
from svcaudit.sources.sql import (
    lit,
    named_arg,
    quoted_column,
    text_lines,
    union_all,
)


class CsvReader(LogReader):
    """CSV and TSV, optionally gzip-compressed; header row required.

    Read with DuckDB's CSV reader with ``store_rejects``: lines with the wrong number of fields
    and values that do not convert to the type a standard needs are listed with file and line.
    Several files are read one by one and stacked by column name.
    """

    formats = (LogFormat.CSV, LogFormat.TSV)
    narrow_rejects = True  # DuckDB converts only the columns a query reads
    _spans: list[OffsetSpan] | None = None  # UTC offsets over the sample's years

    def _call(self, f: LogFile, **extra: exp.Expr) -> exp.Expr:
        opts: dict[str, exp.Expr] = {
            "delim": lit("\t" if f.format == LogFormat.TSV else ","),
            "header": exp.true(),
            "encoding": lit("utf-8"),
            "max_line_size": exp.Literal.number(f.max_line_bytes),
            **extra,
        }
        args = [lit(f.path), *(named_arg(k, v) for k, v in opts.items())]
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
            if len(rel.columns) == 1:
                _check_delimiter(f, rel.columns[0])
            for name, t in zip(rel.columns, rel.types, strict=True):
                schema[name] = merge_types(schema.get(name, str(t)), str(t))
        return schema

    def _refine(self, con: duckdb.DuckDBPyConnection, raw: dict[str, str]) -> dict[str, str]:
        """Types from a sample, and Unix-epoch numbers in timestamp-named columns as times."""
        refined = super()._refine(con, self._sniffed_times_as_text(con, raw))
        self.epochs: set[str] = set()
        self._find_epochs(con, refined)
        self._spans = self._sample_spans(con, refined)
        return refined

    def _find_epochs(self, con: duckdb.DuckDBPyConnection, refined: dict[str, str]) -> None:
        """Numbers in timestamp-named columns that are Unix times: typed as instants."""
        candidates = [
            c
            for c, t in refined.items()
            if kind_of_sql_type(t) == Kind.NUMBER and _TIME_NAME.search(c)
        ]
        if not candidates:
            return
        probes: list[exp.Expr] = []
        for c in candidates:
            number = exp.TryCast(this=quoted_column(c), to=exp.DataType.build("DOUBLE"))
            probes += [exp.func("min", number), exp.func("max", number.copy())]
        row = con.sql(exp.select(*probes).from_(self._sampled(con)).sql("duckdb")).fetchall()[0]
        for i, c in enumerate(candidates):
            low, high = row[2 * i], row[2 * i + 1]
            if low is not None and low >= EPOCH_MIN and high < EPOCH_MAX:
                self.epochs.add(c)
                refined[c] = "TIMESTAMPTZ"

    def _sample_spans(
        self, con: duckdb.DuckDBPyConnection, refined: dict[str, str]
    ) -> list[OffsetSpan] | None:
        """Offset spans for the ISO timestamp columns (``casting.local_text``)."""
        columns = [
            c
            for c, t in refined.items()
            if kind_of_sql_type(t) == Kind.TIMESTAMP
            and c not in self.epochs
            and c not in self.time_formats
        ]
        return sample_spans(con, self._sampled(con), columns) if columns else None

    def timestamp_formats(self) -> dict[str, str]:
        found = super().timestamp_formats()
        return {c: EPOCH if c in getattr(self, "epochs", set()) else f for c, f in found.items()}

    def _sniffed_times_as_text(
        self, con: duckdb.DuckDBPyConnection, raw: dict[str, str]
    ) -> dict[str, str]:
        """DuckDB's CSV sniffer types ``03/01/2011 02:27:57 PM`` as a timestamp with a format
        the relation would not use (every row rejected), and may take 1/2/20 for the year 1:
        a column it calls a date or timestamp that holds a value not written as ISO 8601 is
        text here, so that svcaudit's own detection finds its one format, or refuses it."""
        times = [c for c, t in raw.items() if t in _SNIFFED_TIMES]
        if not times:
            return raw
        probes: list[exp.Expr] = []
        for c in times:
            iso = exp.func("regexp_matches", quoted_column(c), lit(ISO_LIKE))
            other = exp.and_(exp.not_(quoted_column(c).is_(exp.null())), exp.not_(iso))
            probes.append(exp.Count(this=exp.Case().when(other, exp.Literal.number(1))))
        row = con.sql(exp.select(*probes).from_(self._sampled(con)).sql("duckdb")).fetchall()[0]
        text = {c for c, others in zip(times, row, strict=True) if others}
        return {c: "VARCHAR" if c in text else t for c, t in raw.items()}

    def _any_row(self, f: LogFile) -> exp.Select:
        # any non-blank line after the header, read as plain lines (no CSV rules to trip on)
        text = exp.column("__json")
        nonblank = exp.NEQ(this=exp.func("trim", text), expression=lit(""))
        return exp.select(exp.Literal.number(1)).from_(text_lines(f)).where(nonblank).offset(1)

    def _sample(self) -> exp.Select:
        calls = [
            self._call(f, all_varchar=exp.true(), ignore_errors=exp.true()) for f in self.files
        ]
        parts = [exp.select("*").from_(c) for c in calls]
        return exp.select("*").from_(union_all(parts).subquery("s")).limit(SAMPLE_ROWS)

    def relation(self, needed: Mapping[str, str]) -> exp.Select:
        """Every field read as text (so that only a broken record is rejected), then the
        needed columns typed: a value that does not convert is an invalid value."""
        parts = []
        for f in self.files:
            call = self._call(
                f,
                all_varchar=exp.true(),
                store_rejects=exp.true(),
                rejects_table=lit(REJECTS_TABLE),
                rejects_scan=lit(REJECTS_SCAN),
            )
            reject = exp.alias_(_repeated_header(self._columns[f.path]), REJECT)
            parts.append(exp.select("*", file_column(f), reject).from_(call))
        union = union_all(parts).subquery("c")
        text = dict.fromkeys(self._schema or {}, "VARCHAR")
        formatted = {c: f for c, f in self.time_formats.items() if c in needed}
        epochs = {c for c in needed if c in getattr(self, "epochs", set())}
        plain = set(formatted) | epochs | set(self.rules.zones)  # read their own way
        naive = [
            c for c, t in needed.items() if t == "TIMESTAMPTZ" and c in text and c not in plain
        ]
        if self._spans and naive:  # each read once, below the typed columns that use it
            union = exp.select("*", *naive_readings(naive, self.rules)).from_(union).subquery("n")
        cols, _ = typed_projection(text, needed, formatted, self._spans, self.rules, epochs, naive)
        return exp.select(*cols, quoted_column(FILE), exp.column(REJECT)).from_(union)

    def has_lines(self, f: LogFile) -> bool:
        return True

    def record_lines(self, f: LogFile, column: str, ids: set[str]) -> dict[str, int]:
        """Physical lines (a record with a quoted line break starts where it starts)."""
        found: dict[str, int] = {}
        try:
            records = csv_records(f)
            _, header = next(records, (0, []))
            if column not in header:
                return found
            at = header.index(column)
            for line, row in records:
                if len(row) > at and row[at] in ids and row[at] not in found:
                    found[row[at]] = line
                    if len(found) == len(ids):
                        break
        except (OSError, EOFError, csv.Error, UnicodeDecodeError):
            pass  # lines are a convenience; the interaction id still finds the row
        return found

    def record_line_numbers(self, f: LogFile, records: set[int]) -> dict[int, int] | None:
        """Physical lines of records numbered as the relation numbers them: the records with
        the header's number of fields (DuckDB leaves the others out of the relation)."""
        found: dict[int, int] = {}
        number = 0
        try:
            rows = csv_records(f)
            _, header = next(rows, (0, []))
            for line, row in rows:
                if len(row) != len(header):
                    continue
                number += 1
                if number in records:
                    found[number] = line
                    if len(found) == len(records):
                        break
        except (OSError, EOFError, csv.Error, UnicodeDecodeError):
            pass  # lines are a convenience: the values are listed without them
        return found

    def value_lines(
        self, f: LogFile, values: Mapping[str, Mapping[str, int]], limit: int
    ) -> list[tuple[int, str, str]]:
        """Physical lines of the records holding the invalid values (records with the
        header's number of fields, as the audit read them)."""
        found: list[tuple[int, str, str]] = []
        left = {(c, v): n for c, by_value in values.items() for v, n in by_value.items()}
        try:
            records = csv_records(f)
            _, header = next(records, (0, []))
            header = [h.lstrip("\ufeff") for h in header]
            at = [(header.index(c), c) for c in values if c in header]
            for line, row in records:
                if len(row) != len(header):
                    continue
                for i, c in at:
                    key = (c, row[i])
                    if left.get(key, 0) > 0:
                        left[key] -= 1
                        found.append((line, c, row[i]))
                        if len(found) >= limit:
                            return found
        except (OSError, EOFError, csv.Error, UnicodeDecodeError):
            pass  # lines are a convenience: the values are listed without them
        return found

    def value_rejects(
        self, con: duckdb.DuckDBPyConnection, needed: Mapping[str, str], limit: int
    ) -> list[Reject]:
        """Repeated header rows (the only rejects made after DuckDB has split the fields; an
        epoch value out of range is an invalid value, not a reject)."""
        out: list[Reject] = []
        for f in self.files:
            out += [
                Reject(f.display, line, REPEATED_HEADER)
                for line in repeated_header_lines(f, limit - len(out))
            ]
            if len(out) >= limit:
                break
        return out

    def format_error(self, error: duckdb.Error, file: LogFile | None = None) -> SvcauditError:
        """DuckDB's CSV errors in words, with the line where DuckDB gives one."""
        text = str(error)
        f = file or (self.files[0] if self.files else None)
        name = f.display if f else "?"
        line_m = re.search(r"CSV Error on Line: (\d+)", text)
        line = int(line_m.group(1)) if line_m else None
        size = re.search(r"Maximum line size of (\d+) bytes exceeded", text)
        if size and f is not None:  # the line itself, not the one DuckDB's sniffer was on
            line = first_long_line(Path(f.path), f.compressed, int(size.group(1))) or line
        if size:
            return SvcauditError(
                f"a line is longer than {int(size.group(1)) >> 20} MB",
                location=Location(name, line),
                hint="the file is probably not a CSV export (or its quotes never close); "
                "check it with `head -c 1000`",
            )
        if "Invalid unicode" in text or "not utf-8 encoded" in text:
            return SvcauditError(
                "the file is not UTF-8 (probably Latin-1 or Windows-1252)",
                location=Location(name, line),
                hint="convert it first, e.g. iconv -f WINDOWS-1252 -t UTF-8 FILE > FILE-utf8.csv",
            )
        if "sniffing file" in text:
            return SvcauditError(
                "cannot work out the layout of this CSV file (quotes, fields per line)",
                location=Location(name),
                hint="check that it has a header row and one record per line with "
                f"{'tab' if f and f.format == LogFormat.TSV else 'comma'}-separated fields; "
                "run `svcaudit inspect` on it",
            )
        return super().format_error(error, file)

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


_SNIFFED_TIMES = frozenset(("DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE"))  # dates, not TIME
_TIME_NAME = re.compile(r"(_at|_time|time_|timestamp|_ts|epoch|^ts)$|^(ts|time|timestamp)$", re.I)

REPEATED_HEADER = "repeated header row (exports concatenated with their headers?)"
_OTHER_DELIMITERS = {";": "semicolons", "|": "pipes", "\t": "tabs", ",": "commas"}


def _check_delimiter(f: LogFile, header: str) -> None:
    """A header read as one column that holds another delimiter: say so, not 'no column X'."""
    own = "\t" if f.format == LogFormat.TSV else ","
    for delim, word in _OTHER_DELIMITERS.items():
        if delim != own and header.count(delim) >= 1:
            expected = "tabs (.tsv)" if own == "\t" else "commas (.csv)"
            raise SvcauditError(
                f"the header is one column: its fields seem separated by {word}, "
                f"and svcaudit reads {f.format.value} files separated by {expected}",
                location=Location(f.display, 1),
                hint=(
                    "name a tab-separated file .tsv"
                    if delim == "\t"
                    else f"export it again with commas, or convert it, e.g. with Python's csv "
                    f"module (delimiter='{delim}')"
                ),
            )


def _repeated_header(text_columns: Sequence[str]) -> exp.Expr:
    """The reject reason of a row whose text fields are the column names themselves."""
    if not text_columns:
        return exp.cast(exp.null(), "VARCHAR")
    tests = [_header_field(quoted_column(c), c) for c in text_columns]
    return exp.Case().when(exp.and_(*tests), lit(REPEATED_HEADER)).else_(exp.null())


def _header_field(field: exp.Expr, name: str) -> exp.Expr:
    """``field`` is ``name``, after any byte-order marks (a file's header pasted in): the
    marks stripped only from a field starting with one (``ltrim`` with a character set costs
    about 0.4 s of CPU per 5 M values, a comparison almost nothing)."""
    marked = exp.and_(
        exp.Like(this=field.copy(), expression=lit("\ufeff%")),
        exp.EQ(this=exp.func("ltrim", field.copy(), lit("\ufeff")), expression=lit(name)),
    )
    return exp.or_(exp.EQ(this=field, expression=lit(name)), marked)


def csv_records(f: LogFile) -> Iterator[tuple[int, list[str]]]:
    """Each record of a CSV/TSV file, the header first, with the physical line it starts on.

    Blank lines are skipped, as DuckDB's and Spark's readers skip them. Read errors (a bad
    gzip stream, bytes that are not UTF-8, a broken quote) reach the caller.
    """
    opener = gzip.open if f.compressed else open
    with opener(f.path, "rt", encoding="utf-8-sig", newline="") as stream:
        rows = csv.reader(stream, delimiter="\t" if f.format == LogFormat.TSV else ",")
        start = 1
        for row in rows:
            if row:
                yield start, row
            start = rows.line_num + 1


def repeated_header_lines(f: LogFile, limit: int) -> list[int]:
    """Physical line numbers (after line 1) that repeat the file's header line."""
    opener = gzip.open if f.compressed else open
    found: list[int] = []
    try:
        with opener(f.path, "rb") as stream:
            header: bytes | None = None
            for number, raw in enumerate(stream, start=1):
                line = raw.rstrip(b"\r\n").removeprefix(b"\xef\xbb\xbf")
                if header is None:
                    header = line
                elif line == header and line:
                    found.append(number)
                    if len(found) >= limit:
                        break
    except (OSError, EOFError):
        pass
    return found


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
    delim = "\t" if fmt == LogFormat.TSV else ","
    if kind == "CAST":
        fields = next(csv.reader(io.StringIO(raw.strip("\r\n")), delimiter=delim), [])
        if [v.lstrip("\ufeff") for v in fields] == columns:
            return REPEATED_HEADER
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
        where = next(
            (
                f'column "{columns[i]}": '
                for i, v in enumerate(fields)
                if v == value and i < len(columns)
            ),
            "",
        )
        return f'{where}cannot read "{value}" as {what}'
    if kind == "INVALID ENCODING" or "Invalid unicode" in message:
        return (
            "not UTF-8 text (Latin-1 or Windows-1252?): convert the file, e.g. "
            "iconv -f WINDOWS-1252 -t UTF-8"
        )
    if kind == "LINE SIZE OVER MAXIMUM":
        size = re.search(r"(\d+) bytes", message)
        return f"line longer than {int(size.group(1)) >> 20 if size else '?'} MB"
    if kind in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
        counts = re.findall(r"\d+", message)
        if len(counts) == 2:
            return f"wrong number of fields: expected {counts[0]}, found {counts[1]}"
        return f"wrong number of fields: {message}"
    return f"{kind.lower()}: {message}"
