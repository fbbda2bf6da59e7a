"""Parquet logs: typed already; text columns are cast like JSON values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb
from sqlglot import exp

from svcaudit.sources.base import (
    FILE,
    REJECT,
    SAMPLE_ROWS,
    LogReader,
    Reject,
    lit,
    named_arg,
    numbered_rejects,
    quoted_column,
    typed_projection,
)
from svcaudit.sources.files import LogFile, LogFormat


class ParquetReader(LogReader):
    """Parquet files: typed already; columns stored as text are cast like JSON values."""

    formats = (LogFormat.PARQUET,)

    def _call(self, files: Sequence[LogFile] | None = None, **extra: exp.Expr) -> exp.Expr:
        paths = exp.Array(expressions=[lit(f.path) for f in files or self.files])
        args = [paths, named_arg("union_by_name", exp.true())]
        args += [named_arg(k, v) for k, v in extra.items()]
        return exp.Table(this=exp.Anonymous(this="read_parquet", expressions=args))

    def _describe(self, con: duckdb.DuckDBPyConnection) -> dict[str, str]:
        rel = con.sql(exp.select("*").from_(self._call()).limit(0).sql("duckdb"))
        return dict(zip(rel.columns, [str(t) for t in rel.types], strict=True))

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
        cols, reject = typed_projection(self._raw, needed, self.time_formats)
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
