"""Object-store logs (``s3a://``, ``gs://``, ``hdfs://``, ``file://``) for the Spark engine.

Spark reads the whole file from where it is. Planning (columns, types, time formats, the
profile) reads a *sample* on the driver with the DuckDB readers, so each URI is staged as a
small local file of the same format first: the first lines of a line-based file (CSV, TSV,
JSON Lines, queue_log; decompressed by Spark), or, for a JSON document or Parquet file, which
cannot be cut, the whole file. The staged file keeps the URI as its display name.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

from svcaudit.errors import Location, SvcauditError
from svcaudit.sources.base import SAMPLE_ROWS
from svcaudit.spark.session import spark_session


def is_uri(arg: str) -> bool:
    """Whether a log argument is a URI (``scheme://...``) rather than a local path."""
    scheme, sep, _ = arg.partition("://")
    return bool(sep) and scheme.isidentifier()


def _staging_dir() -> Path:
    path = Path(tempfile.mkdtemp(prefix="svcaudit-staged-"))
    atexit.register(shutil.rmtree, path, True)
    return path


def stage(args: list[str], master: str | None) -> tuple[list[str], dict[str, str]]:
    """Local stand-ins for the URIs among ``args``, and staged path -> URI."""
    uris = [a for a in args if is_uri(a)]
    if not uris:
        return args, {}
    spark = spark_session(master)
    where = _staging_dir()
    staged: dict[str, str] = {}
    out = []
    for i, arg in enumerate(args):
        if not is_uri(arg):
            out.append(arg)
            continue
        local = _stage_one(spark, arg, where / str(i))
        staged[str(local)] = arg
        out.append(str(local))
    return out, staged


def _stage_one(spark: Any, uri: str, folder: Path) -> Path:
    folder.mkdir(parents=True)
    name = PurePosixPath(uri.split("://", 1)[1]).name or "log"
    suffixes = [s.lower() for s in PurePosixPath(name).suffixes]
    whole = bool(suffixes) and suffixes[0] in (".json", ".parquet", ".pq")
    try:
        if whole:  # a JSON document or Parquet cannot be cut: copied as it is
            rows = spark.read.format("binaryFile").load(uri).select("content").collect()
            if not rows:
                raise FileNotFoundError(uri)
            target = folder / name
            target.write_bytes(bytes(rows[0][0]))
            return target
        lines = spark.read.text(uri).limit(SAMPLE_ROWS + 1).collect()
    except SvcauditError:
        raise
    except Exception as e:
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise SvcauditError(
            f"Spark cannot read the log: {first}",
            location=Location(uri),
            hint="check the URI and the cluster's credentials for it",
        ) from None
    plain = name[: -len(".gz")] if name.lower().endswith(".gz") else name
    target = folder / plain
    with target.open("w", encoding="utf-8", newline="") as f:
        for row in lines:
            f.write(str(row[0]) + "\n")
    if not lines:
        raise SvcauditError("log file is empty", location=Location(uri))
    return target
