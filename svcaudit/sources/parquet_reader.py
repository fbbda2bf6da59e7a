"""Parquet logs: typed already; text columns are cast like JSON values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb
from sqlglot import exp

from svcaudit.expressions.types import Kind, kind_of_sql_type
from svcaudit.sources.base import FILE, NATIVE, REJECT, LogReader, Reject, numbered_rejects
from svcaudit.sources.casting import OffsetSpan, offset_spans, reads_natively, typed_projection
from svcaudit.sources.files import LogFile, LogFormat
from svcaudit.sources.inference import SAMPLE_ROWS
from svcaudit.sources.sql import lit, named_arg, quoted_column


class ParquetReader(LogReader):
    """Parquet files: typed already; columns stored as text are cast like JSON values."""

    formats = (LogFormat.PARQUET,)
    _spans: list[OffsetSpan] | None = None  # UTC offsets over the naive timestamps' range

    def _call(self, files: Sequence[LogFile] | None = None, **extra: exp.Expr) -> exp.Expr:
        paths = exp.Array(expressions=[lit(f.path) for f in files or self.files])
        args = [paths, named_arg("union_by_name", exp.true())]
        args += [named_arg(k, v) for k, v in extra.items()]
        return exp.Table(this=exp.Anonymous(this="read_parquet", expressions=args))

    def can_be_invalid(self, column: str, want: str) -> bool:
        """Only a column stored as text (or cast through text) can hold an invalid value."""
        physical = self._raw.get(column)
        if physical is None:
            return True
        return not reads_natively(
            column, physical, want, self.time_formats, self._spans, self.rules
        )

    def _describe(self, con: duckdb.DuckDBPyConnection) -> dict[str, str]:
        rel = con.sql(exp.select("*").from_(self._call()).limit(0).sql("duckdb"))
        raw = dict(zip(rel.columns, [str(t) for t in rel.types], strict=True))
        self._spans = self._offset_spans(con, [c for c, t in raw.items() if t == "TIMESTAMP"])
        return raw

    def timestamp_formats(self) -> dict[str, str]:
        found = super().timestamp_formats()
        native = {c for c, t in self._raw.items() if kind_of_sql_type(t) == Kind.TIMESTAMP}
        return {c: NATIVE if c in native else f for c, f in found.items()}

    def _offset_spans(
        self, con: duckdb.DuckDBPyConnection, columns: list[str]
    ) -> list[OffsetSpan] | None:
        """Offset spans over the range of the naive timestamp columns, from the files' stats."""
        if not columns:
            return None
        meta = exp.Table(
            this=exp.Anonymous(
                this="parquet_metadata",
                expressions=[exp.Array(expressions=[lit(f.path) for f in self.files])],
            )
        )
        low, high = exp.column("stats_min_value"), exp.column("stats_max_value")
        has_stats = exp.or_(
            exp.not_(low.is_(exp.null())),
            exp.EQ(this=exp.column("stats_null_count"), expression=exp.column("num_values")),
        )
        query = (
            exp.select(
                exp.func("min", exp.TryCast(this=low.copy(), to=exp.DataType.build("TIMESTAMP"))),
                exp.func("max", exp.TryCast(this=high.copy(), to=exp.DataType.build("TIMESTAMP"))),
                exp.func("bool_and", has_stats),
            )
            .from_(meta)
            .where(exp.In(this=exp.column("path_in_schema"), expressions=[lit(c) for c in columns]))
        )
        try:
            found = con.sql(query.sql("duckdb")).fetchall()
        except duckdb.Error:
            return None  # no statistics to go by: every value goes through the cast
        if not found or found[0][0] is None or not found[0][2]:
            return None
        return offset_spans(con, found[0][0], found[0][1])

    def _any_row(self, f: LogFile) -> exp.Select:
        return exp.select(exp.Literal.number(1)).from_(self._call([f]))

    def _sample(self) -> exp.Select:
        cols = [
            exp.alias_(exp.cast(quoted_column(c), "VARCHAR"), c, quoted=True) for c in self._raw
        ]
        return exp.select(*cols).from_(self._call()).limit(SAMPLE_ROWS)

    def relation(
        self, needed: Mapping[str, str], files: Sequence[LogFile] | None = None
    ) -> exp.Select:
        cols, reject = typed_projection(
            self._raw, needed, self.time_formats, self._spans, rules=self.rules
        )
        shown = exp.Case()  # read_parquet names the file by its path; people by its display
        for f in files or self.files:
            shown = shown.when(
                exp.EQ(this=quoted_column(FILE), expression=lit(f.path)), lit(f.display)
            )
        named = exp.alias_(shown.else_(quoted_column(FILE)), FILE)
        call = self._call(files, filename=lit(FILE))
        return exp.select(*cols, named, exp.alias_(reject, REJECT)).from_(call)

    def value_rejects(
        self, con: duckdb.DuckDBPyConnection, needed: Mapping[str, str], limit: int
    ) -> list[Reject]:
        sources = [(f, self.relation(needed, [f])) for f in self.files]
        return numbered_rejects(con, sources, limit)
