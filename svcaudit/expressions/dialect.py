"""svcaudit's DuckDB dialect: sqlglot's DuckDB, plus how it renders svcaudit's own nodes
(``BusinessTime``). Every tree the compiler makes is rendered for DuckDB through it."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlglot.dialects.duckdb import DuckDB
from sqlglot.generators.duckdb import DuckDBGenerator

from svcaudit.expressions.calendars import BusinessTime, duckdb_business_time


class _Generator(DuckDBGenerator):
    """DuckDB's generator, rendering ``BusinessTime`` as its correlated subquery."""

    TRANSFORMS: ClassVar[dict[Any, Any]] = {
        **DuckDBGenerator.TRANSFORMS,
        BusinessTime: lambda self, e: self.sql(duckdb_business_time(e)),
    }


class SvcauditDuckDB(DuckDB):
    """DuckDB, with svcaudit's nodes."""

    Generator = _Generator


#: what trees with svcaudit's nodes are rendered with: ``tree.sql(DUCKDB)``
DUCKDB = SvcauditDuckDB

__all__ = ["DUCKDB", "SvcauditDuckDB"]
