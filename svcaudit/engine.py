"""DuckDB in-process: a locked-down connection, queries that report progress and stop on
Ctrl-C, and read errors turned into located ones."""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar, cast

import duckdb

from svcaudit.errors import Location, SvcauditError, memory_limit, out_of_memory
from svcaudit.sources.readers import LogReader
from svcaudit.steps import BATCH_ROWS, POLL_SECONDS, Progress, in_batches

T = TypeVar("T")
# What DuckDB raises when a log cannot be read (other engine errors are bugs and propagate);
# PermissionException: a log that vanished makes DuckDB look for a directory of that name.
READ_ERRORS = (
    duckdb.IOException,
    duckdb.InvalidInputException,
    duckdb.ConversionException,
    duckdb.PermissionException,
)




def connect(time_zone: str, files: Sequence[str]) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection that can read ``files`` and nothing else.

    Naive timestamps are read in ``time_zone``. External access is switched off with only
    the given files allowed, extensions are never installed or loaded from disk, and the
    configuration is locked, so no query (nor an expression smuggled into one) can read
    another file, write one, attach a database or reach the network.
    """
    con = duckdb.connect(
        ":memory:",
        config={
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        },
    )
    # before the memory limit: the look-up is a query, which a tiny limit would refuse
    _disable_optimizers(con, SLOW_OPTIMIZERS)
    # Memory bounded whatever the rows: past the limit DuckDB spills to a private directory
    # (counting repeated ids of 20 M rows held 1 GB without it, and ran slower)
    try:
        con.execute("SET memory_limit = $1", [memory_limit()])
    except duckdb.Error:
        con.close()
        raise SvcauditError(
            f"'{memory_limit()}' is not a memory size",
            location=Location("SVCAUDIT_MEMORY_LIMIT"),
            hint="write a size such as 4GB or 500MB",
        ) from None
    con.execute("SET temp_directory = $1", [_spill_directory()])
    # query_progress() feeds svcaudit's progress bar; DuckDB never prints one itself
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    _set_time_zone(con, time_zone)
    allowed = sorted({os.path.abspath(f) for f in files})
    con.execute("SET allowed_paths = $1", [allowed])
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


#: DuckDB optimizers that make svcaudit's queries slower and never change a figure. DuckDB
#: 2.0's partial-aggregate pushdown takes the joins its IN-list rewriter makes of the
#: null-marker tests (``TRIM(x) IN ('', '?', 'N/A', ...)``) and pushes partial aggregates
#: under them: the 5 M-row x 10-standard bench aggregate took 3.4x the CPU with it, and the
#: repeated-id bound 1.2x (bench/README.md, "Fair contenders and a DuckDB 2.0 slow-down").
SLOW_OPTIMIZERS = ("partial_aggregate_pushdown",)


def _disable_optimizers(con: duckdb.DuckDBPyConnection, names: Sequence[str]) -> None:
    """Switch off those of ``names`` this DuckDB has (a version without one has nothing to
    switch off)."""
    known = {row[0] for row in con.execute("SELECT name FROM duckdb_optimizers()").fetchall()}
    if off := [n for n in names if n in known]:
        con.execute("SET disabled_optimizers = $1", [",".join(off)])


@functools.cache
def _spill_directory() -> str:
    """A directory of this process's own for DuckDB to spill to, removed at exit."""
    path = tempfile.mkdtemp(prefix="svcaudit-spill-")
    atexit.register(shutil.rmtree, path, True)
    return path


def _set_time_zone(con: duckdb.DuckDBPyConnection, time_zone: str) -> None:
    # SET takes no parameters; the zone was validated against the IANA database when the
    # standards file loaded, and is quoted as a literal here.
    quoted = "'" + time_zone.replace("'", "''") + "'"
    con.sql(f"SET TimeZone = {quoted}")


def execute(
    con: duckdb.DuckDBPyConnection, sql: str, progress: Progress | None = None
) -> list[tuple[Any, ...]]:
    """Run a query in a worker thread, reporting its progress and stopping it on Ctrl-C.

    DuckDB turns a SIGINT during a query in the main thread into a RuntimeError; running
    the query beside the main thread keeps Ctrl-C a KeyboardInterrupt, which interrupts
    the query at once (the engine checks between vectors) and is raised again here.
    """

    def work() -> list[Any]:
        rel = con.sql(sql)
        return rel.fetchall() if rel is not None else []  # (a statement has no rows)

    return [tuple(r) for r in _call(con, work, progress)]


def execute_columns(
    con: duckdb.DuckDBPyConnection, sql: str, progress: Progress | None = None
) -> list[Any]:
    """``execute`` returning the result's columns as numpy arrays (masked where NULL): a
    result of many rows (a histogram) without a Python object per value."""
    return list(_call(con, lambda: con.sql(sql).fetchnumpy(), progress).values())




def execute_batches(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    progress: Progress | None = None,
    size: int | None = None,
) -> Iterator[list[tuple[Any, ...]]]:
    """``execute`` a batch of at most ``size`` rows at a time (at least one batch, the first
    possibly empty): a result of millions of rows is never held whole in Python. DuckDB
    streams it from its own buffers, which spill past the memory limit.

    The caller reads every batch before running another query on ``con``.
    """
    size = size or BATCH_ROWS
    _call(con, lambda: con.execute(sql), progress)
    return in_batches(lambda n: _call(con, lambda: con.fetchmany(n), None), size)


def _call(con: duckdb.DuckDBPyConnection, work: Callable[[], T], progress: Progress | None) -> T:
    """``work()`` (DuckDB calls on ``con``) in a worker thread, as ``execute`` explains."""
    done = threading.Event()
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["result"] = work()
        except BaseException as e:  # handed to the calling thread below
            outcome["error"] = e
        finally:
            done.set()

    worker = threading.Thread(target=run, name="svcaudit-query", daemon=True)
    worker.start()
    try:
        while not done.wait(POLL_SECONDS):
            if progress is not None:
                fraction = con.query_progress()
                if fraction >= 0:
                    progress(min(fraction, 100.0) / 100.0)
    except KeyboardInterrupt:
        con.interrupt()
        worker.join()
        raise
    error = outcome.get("error")
    if isinstance(error, duckdb.OutOfMemoryException):
        raise out_of_memory(error) from None
    if isinstance(error, BaseException):
        raise error
    return cast(T, outcome["result"])


def changed(readers: Sequence[LogReader]) -> SvcauditError | None:
    """The error for a log file that changed since its layout was detected, if any."""
    return next((e for r in readers if (e := r.changed_error()) is not None), None)


def read_error(error: duckdb.Error, readers: Sequence[LogReader]) -> SvcauditError:
    """A file that failed mid-read."""
    for reader in readers:
        for f in reader.files:
            if not os.path.exists(f.path):
                return SvcauditError(
                    "the log disappeared while it was being audited",
                    location=Location(f.display),
                    hint="was it moved or deleted by another program? run the audit again",
                )
    gone = changed(readers)
    if gone is not None:
        return gone
    text = str(error)
    for reader in readers:
        for f in reader.files:
            if f.path in text:
                return reader.read_error(error, f)
    return readers[0].read_error(error)


__all__ = [
    "READ_ERRORS",
    "changed",
    "connect",
    "execute",
    "execute_batches",
    "execute_columns",
    "read_error",
]
