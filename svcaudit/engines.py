"""The engine registry: where the compiled audit runs (``--engine duckdb|spark``).

Every engine takes the same plan (sqlglot trees with DuckDB's meaning) and returns the same
``RawResult``; ``tests/spark/test_parity.py`` checks the figures are identical.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Sequence
from typing import Protocol

import duckdb
from sqlglot import exp

from svcaudit import engine
from svcaudit.compile import AuditQuery, Plan
from svcaudit.errors import Location, SvcauditError, did_you_mean
from svcaudit.sources import Logs

DEFAULT_ENGINE = "duckdb"
ENGINE_NAMES = ("duckdb", "spark")


class Engine(Protocol):
    """Runs a compiled plan over the logs."""

    name: str

    def run(
        self,
        plan: Plan,
        query: AuditQuery,
        logs: Logs,
        time_zone: str,
        progress: engine.Steps | None = None,
    ) -> engine.RawResult:
        """The raw counts of ``query`` (``aggregate_query(plan)``, DuckDB's rendering); the
        steps told to ``progress``: ``auditing`` (the scan), then ``repeated ids``."""

    def fetch(
        self,
        plan: Plan,
        build: Callable[[Plan], exp.Select],
        logs: Logs,
        time_zone: str,
        progress: engine.Progress | None = None,
    ) -> list[tuple[object, ...]]:
        """The rows of the query ``build`` compiles from the plan (given ``plan``, DuckDB's;
        an engine that reads the logs itself compiles it again over its own relation)."""

    def fetch_each(
        self,
        plan: Plan,
        held: Callable[[Plan], exp.Select],
        builds: Sequence[Callable[[Plan], exp.Select]],
        logs: Logs,
        time_zone: str,
        progress: engine.Steps | None = None,
    ) -> Generator[Iterator[list[tuple[object, ...]]], None, None]:
        """The rows of each query of ``builds`` in turn, compiled over the rows of
        ``held(plan)``, which the engine reads once and holds (``Plan.held``) until the
        iterator is exhausted or closed. Each query's rows come in batches (at least one,
        the first possibly empty), so millions of them are never held at once; read every
        batch of a query before asking for the next query."""


class DuckDBEngine:
    """In-process DuckDB on the connection the audit planned with (the default)."""

    name = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def run(
        self,
        plan: Plan,
        query: AuditQuery,
        logs: Logs,
        time_zone: str,
        progress: engine.Steps | None = None,
    ) -> engine.RawResult:
        """The aggregate on DuckDB."""
        return engine.run(self.con, query, logs.readers, progress)

    def fetch(
        self,
        plan: Plan,
        build: Callable[[Plan], exp.Select],
        logs: Logs,
        time_zone: str,
        progress: engine.Progress | None = None,
    ) -> list[tuple[object, ...]]:
        """A query of the plan (breaches, distributions) on DuckDB."""
        return engine.fetch(self.con, build(plan).sql("duckdb"), logs.readers, progress)

    def fetch_each(
        self,
        plan: Plan,
        held: Callable[[Plan], exp.Select],
        builds: Sequence[Callable[[Plan], exp.Select]],
        logs: Logs,
        time_zone: str,
        progress: engine.Steps | None = None,
    ) -> Generator[Iterator[list[tuple[object, ...]]], None, None]:
        """The queries over a temporary table (in memory, spilled past the memory limit)."""
        table = engine.HELD_TABLE
        create = f'CREATE OR REPLACE TEMP TABLE "{table}" AS {held(plan).sql("duckdb")}'
        engine.fetch(self.con, create, logs.readers, engine.step(progress, "reading breaches"))
        try:
            on_table = plan.held(table)
            for i, build in enumerate(builds, 1):
                label = f"breaches {i}/{len(builds)}"
                sql = build(on_table).sql("duckdb")
                batches = engine.fetch_batches(
                    self.con, sql, logs.readers, engine.step(progress, label)
                )
                yield engine.read_out(batches, progress, label)
        finally:
            self.con.execute(f'DROP TABLE IF EXISTS "{table}"')


def stage_inputs(
    name: str, spark_master: str | None, args: list[str]
) -> tuple[list[str], dict[str, str]]:
    """Log arguments as local paths; URIs (``s3a://...``) are for the Spark engine only."""
    uris = [a for a in args if "://" in a]
    if not uris:
        return args, {}
    if name != "spark":
        raise SvcauditError(
            "object-store URIs are read by the Spark engine",
            location=Location(uris[0]),
            hint="add --engine spark, or copy the file to a local path",
        )
    from svcaudit.spark.staging import stage  # noqa: PLC0415 (optional extra)

    return stage(args, spark_master)


def get_engine(
    name: str,
    con: duckdb.DuckDBPyConnection,
    spark_master: str | None = None,
    staged: dict[str, str] | None = None,
) -> Engine:
    """The engine called ``name`` (``duckdb`` plans and runs on ``con``).

    ``staged`` maps local samples to the URIs they stand for (see ``spark.staging``).
    """
    if name == "duckdb":
        if spark_master is not None:
            raise SvcauditError(
                "--spark-master is for --engine spark",
                location=Location("--spark-master"),
                hint="add --engine spark",
            )
        return DuckDBEngine(con)
    if name == "spark":
        try:
            from svcaudit.spark.engine import SparkEngine  # noqa: PLC0415 (optional extra)
        except ImportError:
            raise SvcauditError(
                "--engine spark needs PySpark, which is not installed",
                location=Location("--engine"),
                hint="pip install 'svcaudit[spark]' (and Java 17 or later)",
            ) from None
        return SparkEngine(spark_master, staged or {})
    raise SvcauditError(
        f"unknown engine '{name}'",
        location=Location("--engine"),
        hint=did_you_mean(name, ENGINE_NAMES) or "engines: " + ", ".join(ENGINE_NAMES),
    )
