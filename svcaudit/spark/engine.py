"""The Spark engine: the audit's trees rendered as Spark SQL over Spark's readers."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlglot import exp

from svcaudit.compile import Plan
from svcaudit.errors import Location, SvcauditError
from svcaudit.sources import Logs
from svcaudit.sources.readers import Reject
from svcaudit.spark.dialect import spark_sql
from svcaudit.spark.progress import watched
from svcaudit.spark.session import configure, spark_session
from svcaudit.spark.sources import SparkLogs
from svcaudit.steps import BATCH_ROWS, HELD_TABLE, Progress, Steps, in_batches, step


class SparkEngine:
    """Runs audits on PySpark: ``local[2]`` by default, or ``master`` / ``SPARK_REMOTE``."""

    name = "spark"
    dialect = "spark"

    def __init__(
        self,
        logs: Logs,
        time_zone: str,
        master: str | None = None,
        staged: dict[str, str] | None = None,
    ) -> None:
        self.logs = logs
        self.time_zone = time_zone
        self.master = master
        self.staged = staged or {}  # local sample -> URI: Spark reads the URI
        self._spark: Any = None
        self._source: SparkLogs | None = None

    def prepare(self, plan: Plan) -> Plan:
        """The plan over Spark's relation of the logs, which types every shown column in SQL
        (its ``__reject`` covers them all)."""
        self._spark = spark = spark_session(self.master)
        configure(spark, self.time_zone)
        self._source = source = SparkLogs(spark, self.logs, self.staged)
        try:
            relation = source.relation(plan.shown)
        except Exception as e:
            raise _read_error(e, self.logs) from None
        return plan.over(relation)

    def render(self, tree: exp.Expr) -> str:
        """Spark SQL (``svcaudit.spark.dialect``)."""
        return spark_sql(tree)

    def execute(self, sql: str, progress: Progress | None = None) -> list[tuple[Any, ...]]:
        """A query's rows, collected to the driver."""
        try:
            with watched(self._spark, progress):
                return [tuple(r) for r in self._spark.sql(sql).collect()]
        except Exception as e:
            raise _read_error(e, self.logs) from None

    def execute_columns(self, sql: str, progress: Progress | None = None) -> Sequence[Any]:
        """A query's result as columns (tuples)."""
        return list(zip(*self.execute(sql, progress), strict=True))

    def batches(
        self, sql: str, progress: Steps | None, label: str
    ) -> Iterator[list[tuple[object, ...]]]:
        """Partition by partition in the result's order (``toLocalIterator``, a job per
        partition as they are read: the watched tasks stay the measure while rows are
        written)."""
        try:
            with watched(self._spark, step(progress, label)):
                rows = self._spark.sql(sql).toLocalIterator()
                yield from in_batches(lambda n: list(itertools.islice(rows, n)), BATCH_ROWS)
        except Exception as e:
            raise _read_error(e, self.logs) from None

    @contextlib.contextmanager
    def hold(self, sql: str, progress: Progress | None) -> Iterator[str]:
        """A cached temporary view (filled by the first query that reads it)."""
        try:
            frame = self._spark.sql(sql).cache()
            frame.createOrReplaceTempView(HELD_TABLE)
        except Exception as e:
            raise _read_error(e, self.logs) from None
        try:
            yield HELD_TABLE
        finally:
            self._spark.catalog.dropTempView(HELD_TABLE)
            frame.unpersist()

    def rejects(
        self, needed: Mapping[str, str], rejected: int, limit: int
    ) -> tuple[int, list[Reject]]:
        """Spark's relation rejects every bad row itself: the first ones, numbered as the
        DuckDB readers number them."""
        if not rejected or self._source is None:
            return 0, []
        return 0, self._source.rejects(limit)


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
