"""The SparkSession svcaudit runs on: local by default, or a cluster / Spark Connect server.

``--spark-master URL`` chooses where: ``local[N]``, ``spark://host:7077``, ``yarn``... or an
``sc://host`` Spark Connect URL; without it ``SPARK_REMOTE`` (Spark Connect) is used when set,
else ``local[2]``. Spark stays quiet: errors only, on stderr, no progress bars and no web UI,
so stdout holds nothing but the report.
"""

from __future__ import annotations

import os
import warnings
from importlib import resources
from typing import Any

from pyspark.sql import SparkSession

from svcaudit.errors import Location, SvcauditError

DEFAULT_MASTER = "local[2]"


def _log_config() -> str:
    path = resources.files("svcaudit.spark").joinpath("log4j2.properties")
    return f"file:{path}"


def spark_session(master: str | None = None) -> Any:
    """The active SparkSession for ``master``, created on first use (then shared)."""
    remote = master if master and master.startswith("sc://") else None
    if master is None:
        remote = os.environ.get("SPARK_REMOTE") or None
    builder: Any = SparkSession.builder.appName("svcaudit")
    if remote is not None:
        builder = builder.remote(remote)
    else:
        builder = builder.master(master or DEFAULT_MASTER)
    if remote is None or remote.startswith("local"):
        # a JVM of our own (SPARK_REMOTE=local starts a Connect server here): kept quiet
        java = f"-Dlog4j2.configurationFile={_log_config()}"
        builder = (
            builder.config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.extraJavaOptions", java)
            .config("spark.sql.shuffle.partitions", "4")
        )
    try:
        with warnings.catch_warnings():  # Connect sets them again on the session it started
            warnings.filterwarnings("ignore", "Failed to set spark", UserWarning)
            session = builder.getOrCreate()
    except Exception as e:  # Java missing, master unreachable: not a bug in svcaudit
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise SvcauditError(
            f"cannot start Spark: {first}",
            location=Location("--spark-master" if master else "--engine"),
            hint="check Java 17+ (java -version), the master URL or SPARK_REMOTE",
        ) from None
    if remote is None:
        session.sparkContext.setLogLevel("ERROR")
    return session


def configure(session: Any, time_zone: str) -> None:
    """Session settings that give DuckDB's meaning to the SQL svcaudit sends."""
    conf = session.conf
    conf.set("spark.sql.session.timeZone", time_zone)  # naive timestamps are local to it
    conf.set("spark.sql.timestampType", "TIMESTAMP_LTZ")  # TIMESTAMP = an instant (TIMESTAMPTZ)
    conf.set("spark.sql.caseSensitive", "true")  # `Id` and `id` are different columns
    conf.set("spark.sql.ansi.enabled", "true")  # overflow is an error, as in DuckDB
