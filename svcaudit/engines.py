"""The engine registry: where the compiled audit runs (``--engine duckdb|spark``).

An engine is a connection plus a dialect: it executes SQL it renders from the plan's trees
(which have DuckDB's meaning), streams a result in batches and holds a temporary result.
Everything else (which queries, how their rows become counts) is the runner's
(``svcaudit.runner``), the same for every engine; ``tests/spark/test_parity.py`` checks the
figures are identical. Adding an engine is one module implementing ``Engine`` and one
``ENGINES`` entry.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

import duckdb
from sqlglot import exp

from svcaudit import engine
from svcaudit.compile import Plan
from svcaudit.errors import Location, SvcauditError, did_you_mean
from svcaudit.expressions.dialect import DUCKDB
from svcaudit.sources import Logs
from svcaudit.sources.readers import Reject
from svcaudit.steps import HELD_TABLE, Progress, Steps, read_out, step


class Engine(Protocol):
    """Runs SQL over the logs: a connection plus a dialect."""

    name: str
    dialect: str  # sqlglot's name of the SQL it runs

    def prepare(self, plan: Plan) -> Plan:
        """The plan over this engine's relation of the logs (DuckDB: the plan itself)."""

    def render(self, tree: exp.Expr) -> str:
        """SQL text in this engine's dialect for a tree with DuckDB's meaning."""

    def execute(self, sql: str, progress: Progress | None = None) -> list[tuple[Any, ...]]:
        """The rows of a query (read errors become located ``SvcauditError``)."""

    def execute_columns(self, sql: str, progress: Progress | None = None) -> Sequence[Any]:
        """The columns of a query's result (sequences or numpy arrays)."""

    def batches(
        self, sql: str, progress: Steps | None, label: str
    ) -> Iterator[list[tuple[object, ...]]]:
        """A query's rows in batches (at least one, the first possibly empty), told to
        ``progress`` as step ``label``."""

    def hold(self, sql: str, progress: Progress | None) -> AbstractContextManager[str]:
        """The result of ``sql`` held as a temporary table while in the context (its name)."""

    def rejects(
        self, needed: Mapping[str, str], rejected: int, limit: int
    ) -> tuple[int, list[Reject]]:
        """Rows rejected while reading (before the relation), and the first ``limit``
        rejected rows of any kind with their reasons; ``rejected`` of them were rejected in
        the relation, reading the ``needed`` columns."""


class DuckDBEngine:
    """In-process DuckDB on the connection the audit planned with (the default)."""

    name = "duckdb"
    dialect = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection, logs: Logs) -> None:
        self.con = con
        self.logs = logs

    def prepare(self, plan: Plan) -> Plan:
        """The plan is DuckDB's already."""
        return plan

    def render(self, tree: exp.Expr) -> str:
        """DuckDB's SQL."""
        return tree.sql(DUCKDB)

    def execute(self, sql: str, progress: Progress | None = None) -> list[tuple[Any, ...]]:
        """A query on the connection."""
        with self._errors():
            return engine.execute(self.con, sql, progress)

    def execute_columns(self, sql: str, progress: Progress | None = None) -> Sequence[Any]:
        """A query's columns as numpy arrays (masked where NULL)."""
        with self._errors():
            return engine.execute_columns(self.con, sql, progress)

    def batches(
        self, sql: str, progress: Steps | None, label: str
    ) -> Iterator[list[tuple[object, ...]]]:
        """Streamed from DuckDB's own buffers (which spill past the memory limit)."""
        with self._errors():
            found = engine.execute_batches(self.con, sql, step(progress, label))
            yield from read_out(found, progress, label)

    @contextlib.contextmanager
    def hold(self, sql: str, progress: Progress | None) -> Iterator[str]:
        """A temporary table (in memory, spilled past the memory limit)."""
        table = HELD_TABLE
        self.execute(f'CREATE OR REPLACE TEMP TABLE "{table}" AS {sql}', progress)
        try:
            yield table
        finally:  # (a connection closed already has dropped it)
            with contextlib.suppress(duckdb.ConnectionException):
                self.con.execute(f'DROP TABLE IF EXISTS "{table}"')

    def rejects(
        self, needed: Mapping[str, str], rejected: int, limit: int
    ) -> tuple[int, list[Reject]]:
        """Each reader's rejects, in the order of the files as given, then by line."""
        readers = self.logs.readers
        on_read = 0
        listed: list[Reject] = []
        for reader in readers:
            total, first = reader.rejects(self.con, limit)
            on_read += total
            listed += first
        if rejected:
            for reader in readers:
                listed += reader.value_rejects(self.con, needed, limit)
        order = {f.display: i for i, f in enumerate(f for r in readers for f in r.files)}
        listed.sort(key=lambda r: (order.get(r.file, len(order)), r.line or 0))
        return on_read, listed

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        """DuckDB's errors over the logs as located errors; others are bugs and propagate."""
        readers = self.logs.readers
        try:
            yield
        except duckdb.OutOfRangeException as e:  # arithmetic in an expression overflowed
            raise SvcauditError(
                "a number went out of range while evaluating the standards: "
                + str(e).split("Error: ", 1)[-1].splitlines()[0],
                hint="check arithmetic on very large numbers in the standards' expressions",
            ) from None
        except engine.READ_ERRORS as e:
            raise engine.read_error(e, readers) from None
        except duckdb.BinderException:  # a column gone: the file changed under us, or a bug
            changed = engine.changed(readers)
            if changed is None:
                raise
            raise changed from None


@dataclass(frozen=True)
class Where:
    """What opening an engine may need: the planning connection, the logs, the zone."""

    con: duckdb.DuckDBPyConnection
    logs: Logs
    time_zone: str
    spark_master: str | None = None
    staged: Mapping[str, str] = field(default_factory=dict)  # local sample -> its URI


def _duckdb(where: Where) -> Engine:
    if where.spark_master is not None:
        raise SvcauditError(
            "--spark-master is for --engine spark",
            location=Location("--spark-master"),
            hint="add --engine spark",
        )
    return DuckDBEngine(where.con, where.logs)


def _spark(where: Where) -> Engine:
    try:
        from svcaudit.spark.engine import SparkEngine  # noqa: PLC0415 (optional extra)
    except ImportError:
        raise SvcauditError(
            "--engine spark needs PySpark, which is not installed",
            location=Location("--engine"),
            hint="pip install 'svcaudit[spark]' (and Java 17 or later)",
        ) from None
    return SparkEngine(where.logs, where.time_zone, where.spark_master, dict(where.staged))


@dataclass(frozen=True)
class EngineEntry:
    """One engine of the registry: its name, a line for --help, and how to open it."""

    name: str
    summary: str
    open: Callable[[Where], Engine]
    reads_uris: bool = False  # object-store URIs (s3a://...) as logs


ENGINES: dict[str, EngineEntry] = {
    e.name: e
    for e in (
        EngineEntry("duckdb", "in-process, the default", _duckdb),
        EngineEntry(
            "spark", "PySpark; pip install 'svcaudit[spark]'", _spark, reads_uris=True
        ),
    )
}
DEFAULT_ENGINE = "duckdb"
ENGINE_NAMES = tuple(ENGINES)


def engine_help() -> str:
    """The --engine option's help, from the registry."""
    listed = "; ".join(f"{e.name} ({e.summary})" for e in ENGINES.values())
    return f"Where the audit runs: {listed}."


def _entry(name: str) -> EngineEntry:
    if name not in ENGINES:
        raise SvcauditError(
            f"unknown engine '{name}'",
            location=Location("--engine"),
            hint=did_you_mean(name, ENGINE_NAMES) or "engines: " + ", ".join(ENGINE_NAMES),
        )
    return ENGINES[name]


def stage_inputs(
    name: str, spark_master: str | None, args: list[str]
) -> tuple[list[str], dict[str, str]]:
    """Log arguments as local paths; URIs (``s3a://...``) are for engines that read them."""
    uris = [a for a in args if "://" in a]
    if not uris:
        return args, {}
    if not _entry(name).reads_uris:
        raise SvcauditError(
            "object-store URIs are read by the Spark engine",
            location=Location(uris[0]),
            hint="add --engine spark, or copy the file to a local path",
        )
    from svcaudit.spark.staging import stage  # noqa: PLC0415 (optional extra)

    return stage(args, spark_master)


def get_engine(name: str, where: Where) -> Engine:
    """The engine called ``name``, opened on ``where``."""
    return _entry(name).open(where)


__all__ = [
    "DEFAULT_ENGINE",
    "ENGINES",
    "ENGINE_NAMES",
    "DuckDBEngine",
    "Engine",
    "EngineEntry",
    "Where",
    "engine_help",
    "get_engine",
    "stage_inputs",
]
