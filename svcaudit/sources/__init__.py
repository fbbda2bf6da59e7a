"""Sources: log files of any supported format, read as one relation of interactions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace

import duckdb
from sqlglot import exp

from svcaudit.sources.files import LogFile, LogFormat, expand_inputs
from svcaudit.sources.readers import READERS, InvalidValue, LogReader, Reject, merge_types
from svcaudit.sources.values import ColumnReading


class Logs:
    """All log files of an audit, grouped into one reader per format."""

    def __init__(self, files: Sequence[LogFile]) -> None:
        self.files = list(files)
        by_format: dict[type[LogReader], list[LogFile]] = {}
        for f in self.files:
            by_format.setdefault(READERS[f.format], []).append(f)
        self.readers = [cls(group) for cls, group in by_format.items()]

    @classmethod
    def open(
        cls,
        args: Sequence[str],
        stdin_format: LogFormat | None = None,
        fmt: LogFormat | None = None,
    ) -> Logs:
        """Expand paths and globs (``-`` is standard input) and check the files exist;
        ``fmt``: read every file as that format (a profile's), whatever its name."""
        return cls(expand_inputs(list(args), stdin_format=stdin_format, fmt=fmt))

    def schema(self, con: duckdb.DuckDBPyConnection) -> dict[str, str]:
        """Every column of every file with its (inferred) DuckDB type."""
        merged: dict[str, str] = {}
        for reader in self.readers:
            for name, t in reader.schema(con).items():
                merged[name] = merge_types(merged.get(name, t), t)
        return merged

    def declare(
        self, con: duckdb.DuckDBPyConnection, readings: Mapping[str, ColumnReading]
    ) -> dict[str, str]:
        """Read the declared columns as declared; the schema after it."""
        for reader in self.readers:
            reader.schema(con)
            reader.declare(readings)
        return self.schema(con)

    def zone_problem(self, column: str) -> str | None:
        """Why a declared ``time_zone:`` cannot apply to ``column`` in some file (after
        ``declare``), or None."""
        return next((p for r in self.readers if (p := r.zone_problem(column))), None)

    def notes(self) -> dict[str, str]:
        """Why some columns stay text (after schema()): column -> explanation."""
        return {c: n for reader in self.readers for c, n in reader.notes.items()}

    def timestamp_formats(self) -> dict[str, str]:
        """How each timestamp column is read (after schema()): column -> its format (the
        strptime pattern detection chose, ISO 8601, epoch...); files of several formats: each
        reader's, joined."""
        found: dict[str, list[str]] = {}
        for reader in self.readers:
            for c, f in reader.timestamp_formats().items():
                if f not in found.setdefault(c, []):
                    found[c].append(f)
        return {c: "; ".join(fs) for c, fs in found.items()}

    def all_empty(self, con: duckdb.DuckDBPyConnection) -> list[LogFile]:
        """The files without data rows, when no file has any (else an empty list)."""
        empty = [f for reader in self.readers for f in reader.empty_files(con)]
        return empty if len(empty) == len(self.files) else []

    def locate(
        self,
        values: Sequence[InvalidValue],
        limit: int,
        rows: Sequence[tuple[str, int, str, str]] = (),
    ) -> list[InvalidValue]:
        """The invalid values of the audit (each with its rows, no line) at their lines, in
        the order of the files, up to ``limit``. ``rows``: the first counted rows holding
        them, (file, record number, column, raw text): a reader that knows its records'
        lines lists those rows, at their lines; the others find the lines holding the
        values' text. A format without lines keeps them as they are."""
        out: list[InvalidValue] = []
        for reader in self.readers:
            for f in reader.files:
                mine = [v for v in values if v.file == f.display]
                if not mine:
                    continue
                found = self._found(reader, f, mine, rows, limit - len(out))
                expected = {v.column: v.expected for v in mine}
                out += [InvalidValue(f.display, n, c, v, expected[c]) for n, c, v in found]
                seen = Counter((c, v) for _, c, v in found)
                for v in mine:  # those not found at a line (or lines not known): as they are
                    if v.rows > seen[(v.column, v.value)] and len(out) < limit:
                        out.append(replace(v, rows=v.rows - seen[(v.column, v.value)]))
                if len(out) >= limit:
                    return out
        return out

    @staticmethod
    def _found(
        reader: LogReader,
        f: LogFile,
        mine: Sequence[InvalidValue],
        rows: Sequence[tuple[str, int, str, str]],
        limit: int,
    ) -> list[tuple[int, str, str]]:
        """(line, column, raw text) of ``f``'s invalid values: the counted rows' lines where
        the reader can number its records, else the lines holding the text."""
        if not reader.has_lines(f):
            return []
        listed = [(r, c, v) for file, r, c, v in rows if file == f.display]
        lines = reader.record_line_numbers(f, {r for r, _, _ in listed}) if listed else None
        if lines is None:
            wanted: dict[str, dict[str, int]] = {}
            for v in mine:
                wanted.setdefault(v.column, {})[v.value] = v.rows
            return reader.value_lines(f, wanted, limit)
        return [(lines[r], c, v) for r, c, v in listed if r in lines][:limit]

    def relation(self, needed: Mapping[str, str]) -> exp.Select:
        """All interactions, needed columns typed, plus the ``__reject`` reason column."""
        parts = [reader.relation(needed) for reader in self.readers]
        if len(parts) == 1:
            return parts[0]
        union: exp.Query = parts[0]
        for p in parts[1:]:
            union = exp.Union(this=union, expression=p, distinct=False, by_name=True)
        return exp.select("*").from_(union.subquery("logs"))


__all__ = ["InvalidValue", "LogFile", "LogFormat", "LogReader", "Logs", "Reject"]
