"""The Spark engine: the audit's compiled trees rendered as Spark SQL over Spark's readers."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import replace
from typing import Any

from sqlglot import exp

from svcaudit.compile import AuditQuery, Plan, aggregate_query
from svcaudit.engine import (
    BATCH_ROWS,
    HELD_TABLE,
    MAX_LISTED_REJECTS,
    Progress,
    RawResult,
    Steps,
    in_batches,
    step,
    tally_rows,
)
from svcaudit.errors import Location, SvcauditError
from svcaudit.sources import Logs
from svcaudit.spark.dialect import spark_sql
from svcaudit.spark.progress import watched
from svcaudit.spark.session import configure, spark_session
from svcaudit.spark.sources import SparkLogs


class SparkEngine:
    """Runs audits on PySpark: ``local[2]`` by default, or ``master`` / ``SPARK_REMOTE``."""

    name = "spark"

    def __init__(self, master: str | None = None, staged: dict[str, str] | None = None) -> None:
        self.master = master
        self.staged = staged or {}  # local sample -> URI: Spark reads the URI

    def _open(self, plan: Plan, logs: Logs, time_zone: str) -> tuple[Any, SparkLogs, Plan]:
        spark = spark_session(self.master)
        configure(spark, time_zone)
        source = SparkLogs(spark, logs, self.staged)
        try:
            relation = source.relation(plan.source_columns.needed)
        except Exception as e:
            raise _read_error(e, logs) from None
        # Spark's relation types every needed column in SQL: its __reject covers them all
        on_spark = replace(plan, relation=lambda _needed: relation.copy(), narrow_rejects=False)
        return spark, source, on_spark

    def run(
        self,
        plan: Plan,
        query: AuditQuery,
        logs: Logs,
        time_zone: str,
        progress: Steps | None = None,
    ) -> RawResult:
        """One scan: the grouped aggregate, then the first rejected rows (when any).

        ``query`` is DuckDB's rendering of ``plan``; the same aggregate is compiled again over
        the Spark relation (the same trees, another FROM).
        """
        spark, source, on_spark = self._open(plan, logs, time_zone)
        spark_query = aggregate_query(on_spark)
        assert spark_query.tree is not None
        assert len(spark_query.standards) == len(query.standards)
        rows = _collect(spark, spark_sql(spark_query.tree), logs, step(progress, "auditing"))
        if spark_query.fold is not None:  # a histogram: its rows summed into the counts
            rows = spark_query.fold(list(zip(*rows, strict=True)))
        tally = tally_rows(rows, len(query.standards))
        listed = source.rejects(MAX_LISTED_REJECTS) if tally.rejected else []
        duplicate, repeated = 0, []
        if spark_query.repeats is not None:
            count = spark_sql(spark_query.repeats.count)
            label = step(progress, "repeated ids")
            duplicate = int(_collect(spark, count, logs, label)[0][0] or 0)
        if duplicate and spark_query.repeats is not None:
            listing = spark_sql(spark_query.repeats.listing)
            found = _collect(spark, listing, logs, step(progress, "repeated ids"))
            repeated = [(str(r[0]), int(r[1])) for r in found]
        return tally.result(0, listed, duplicate, repeated)

    def fetch(
        self,
        plan: Plan,
        build: Callable[[Plan], exp.Select],
        logs: Logs,
        time_zone: str,
        progress: Progress | None = None,
    ) -> list[tuple[object, ...]]:
        """A query of the plan (breaches, distributions), compiled over Spark's relation."""
        spark, _source, on_spark = self._open(plan, logs, time_zone)
        return [tuple(r) for r in _collect(spark, spark_sql(build(on_spark)), logs, progress)]

    def fetch_each(
        self,
        plan: Plan,
        held: Callable[[Plan], exp.Select],
        builds: Sequence[Callable[[Plan], exp.Select]],
        logs: Logs,
        time_zone: str,
        progress: Steps | None = None,
    ) -> Generator[Iterator[list[tuple[object, ...]]], None, None]:
        """The queries over a cached temporary view of the held rows (read by the first)."""
        spark, _source, on_spark = self._open(plan, logs, time_zone)
        try:
            frame = spark.sql(spark_sql(held(on_spark))).cache()
            frame.createOrReplaceTempView(HELD_TABLE)
        except Exception as e:
            raise _read_error(e, logs) from None
        try:
            on_table = on_spark.held(HELD_TABLE)
            for i, build in enumerate(builds, 1):
                label = step(progress, f"breaches {i}/{len(builds)}")
                # toLocalIterator runs a job per partition as they are read: the watched
                # tasks stay the measure while the rows are written
                yield _batches(spark, spark_sql(build(on_table)), logs, label)
        finally:
            spark.catalog.dropTempView(HELD_TABLE)
            frame.unpersist()


def _collect(spark: Any, sql: str, logs: Logs, progress: Progress | None = None) -> list[Any]:
    try:
        with watched(spark, progress):
            return list(spark.sql(sql).collect())
    except Exception as e:
        raise _read_error(e, logs) from None


def _batches(
    spark: Any, sql: str, logs: Logs, progress: Progress | None = None
) -> Iterator[list[tuple[object, ...]]]:
    """The rows in batches of ``BATCH_ROWS`` (at least one, the first possibly empty),
    partition by partition in the result's order (``toLocalIterator``)."""
    try:
        with watched(spark, progress):
            rows = spark.sql(sql).toLocalIterator()
            yield from in_batches(lambda n: list(itertools.islice(rows, n)), BATCH_ROWS)
    except Exception as e:
        raise _read_error(e, logs) from None


def _read_error(error: Exception, logs: Logs) -> Exception:
    """A file Spark could not read becomes a located error; anything else stays a bug."""
    text = str(error)
    markers = ("FileNotFound", "PATH_NOT_FOUND", "Path does not exist", "MALFORMED", "IOException")
    if isinstance(error, SvcauditError) or not any(m in text for m in markers):
        return error
    first = text.strip().splitlines()[0] if text.strip() else type(error).__name__
    name = next((f.display for f in logs.files if f.path in text), logs.files[0].display)
    return SvcauditError(
        f"Spark cannot read the log: {first}",
        location=Location(name),
        hint="check the path or URI and the Spark cluster's access to it",
    )


__all__ = ["SparkEngine"]
