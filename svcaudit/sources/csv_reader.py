"""CSV and TSV logs, read by DuckDB's CSV reader with its reject tables."""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections.abc import Mapping, Sequence

import duckdb
from sqlglot import exp

from svcaudit.errors import Location, SvcauditError
from svcaudit.sources.base import (
    FILE,
    REJECT,
    REJECTS_SCAN,
    REJECTS_TABLE,
    SAMPLE_ROWS,
    LogReader,
    Reject,
    file_column,
    lit,
    merge_types,
    named_arg,
    quoted_column,
    struct_literal,
    text_lines,
    union_all,
)
from svcaudit.sources.files import LogFile, LogFormat


class CsvReader(LogReader):
    """CSV and TSV, optionally gzip-compressed; header row required.

    Read with DuckDB's CSV reader with ``store_rejects``: lines with the wrong number of fields
    and values that do not convert to the type a standard needs are listed with file and line.
    Several files are read one by one and stacked by column name.
    """

    formats = (LogFormat.CSV, LogFormat.TSV)

    def _call(self, f: LogFile, **extra: exp.Expr) -> exp.Expr:
        opts: dict[str, exp.Expr] = {
            "delim": lit("\t" if f.format == LogFormat.TSV else ","),
            "header": exp.true(),
            "encoding": lit("utf-8"),
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
            for name, t in zip(rel.columns, rel.types, strict=True):
                schema[name] = merge_types(schema.get(name, str(t)), str(t))
        return schema

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
                options[kind] = lit(fmts.pop())
        for f in self.files:
            types = {c: needed.get(c, "VARCHAR") for c in self._columns[f.path]}
            for c in formatted:
                if c in types:  # read with the detected format, then place in the time zone
                    types[c] = self._schema[c] if self._schema else "TIMESTAMP"
            call = self._call(
                f,
                types=struct_literal(types),
                store_rejects=exp.true(),
                rejects_table=lit(REJECTS_TABLE),
                rejects_scan=lit(REJECTS_SCAN),
                **options,
            )
            parts.append(exp.select("*", file_column(f)).from_(call))
        reject = exp.alias_(exp.cast(exp.null(), "VARCHAR"), REJECT)
        union = union_all(parts).subquery("c")
        if not formatted:
            return exp.select("*", reject).from_(union)
        cols = [
            exp.alias_(exp.cast(quoted_column(c), "TIMESTAMPTZ"), c, quoted=True)
            if c in formatted
            else quoted_column(c)
            for c in self._schema or {}
        ]
        return exp.select(*cols, quoted_column(FILE), reject).from_(union)

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
