"""Run a compiled audit on DuckDB and return raw counts per branch and standard."""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar, cast

import duckdb
from sqlglot import exp

from svcaudit.compile import BRANCH, REJECTED, ROWS, AuditQuery
from svcaudit.errors import Location, SvcauditError, memory_limit, out_of_memory
from svcaudit.sources.readers import LogReader, Reject

MAX_LISTED_REJECTS = 10_000
T = TypeVar("T")
# What DuckDB raises when a log cannot be read (other engine errors are bugs and propagate);
# PermissionException: a log that vanished makes DuckDB look for a directory of that name.
READ_ERRORS = (
    duckdb.IOException,
    duckdb.InvalidInputException,
    duckdb.ConversionException,
    duckdb.PermissionException,
)


class Counts(NamedTuple):
    """In scope, passed and unmeasured interactions of one standard in one branch."""

    in_scope: int
    passed: int
    unmeasured: int
    implausible: int = 0  # of the unmeasured: a duration that cannot be (negative, absurd)


@dataclass(frozen=True)
class RawResult:
    """What the engine measured: rows, rejects and counts per branch per standard."""

    rows_evaluated: int
    rows_rejected: int
    rejects: tuple[Reject, ...]
    branches: dict[str | None, tuple[Counts, ...]]
    rows_merged: int = 0  # duplicates of an interaction merged into its latest record
    rows_outside: int = 0  # interactions outside --since/--until
    rows_duplicate: int = 0  # evaluated rows repeating an earlier row's interaction id
    duplicate_ids: tuple[tuple[str, int], ...] = ()  # the most repeated ids, with their rows
    rows_rejected_on_read: int = 0  # of rows_rejected: by a reader, before the relation


Progress = Callable[[float], None]  # called with the running query's completion, 0..1
#: called with what the audit is doing ("auditing", "breaches 2/8") and how far that step
#: is: a query's completion (0..1), or None when there is no measure of it
Steps = Callable[[str, float | None], None]
HELD_TABLE = "__svcaudit_held"  # rows an engine holds for several queries (Engine.fetch_each)


def step(progress: Steps | None, label: str) -> Progress | None:
    """The ``Progress`` of one step of ``progress`` (which now shows ``label``)."""
    if progress is None:
        return None
    progress(label, 0.0)
    return functools.partial(progress, label)


def read_out(batches: Iterator[T], progress: Steps | None, label: str) -> Iterator[T]:
    """``batches`` of a query's result, told to ``progress`` as step ``label`` without a
    measure once the query has run: its rows are being read and written (the bar pulses)."""
    for n, batch in enumerate(batches):
        if n == 0 and progress is not None:
            progress(label, None)
        yield batch


POLL_SECONDS = 0.1


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


#: Rows per batch of ``execute_batches``
BATCH_ROWS = 50_000


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


def in_batches(take: Callable[[int], Sequence[Any]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    """Rows as batches of ``size`` taken by ``take(size)`` until one comes short: at least
    one batch, the first possibly empty (the contract of ``Engine.fetch_each``)."""
    batch = take(size)
    yield [tuple(r) for r in batch]
    while len(batch) == size:
        batch = take(size)
        if batch:
            yield [tuple(r) for r in batch]


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


@dataclass(frozen=True)
class Tally:
    """The aggregate's rows summed up: counts per branch, and rows by what became of them."""

    branches: dict[str | None, tuple[Counts, ...]]
    evaluated: int
    rejected: int  # rejected in the relation (values that did not convert)
    merged: int
    outside: int

    def result(
        self,
        rejected_on_read: int,
        rejects: Sequence[Reject],
        duplicate: int,
        repeated: Sequence[tuple[str, int]],
    ) -> RawResult:
        """The engine's result, with the rows rejected on reading and the repeated ids."""
        return RawResult(
            rows_duplicate=duplicate,
            duplicate_ids=tuple(repeated),
            rows_evaluated=self.evaluated,
            rows_rejected=rejected_on_read + self.rejected,
            rows_rejected_on_read=rejected_on_read,
            rows_merged=self.merged,
            rows_outside=self.outside,
            rejects=tuple(rejects[:MAX_LISTED_REJECTS]),
            branches=self.branches,
        )


def tally_rows(rows: Sequence[Sequence[Any]], n: int) -> Tally:
    """Rows of the aggregate query (any engine) for ``n`` standards -> a Tally.

    Columns: branch, status (0 evaluated, 1 rejected, 2 outside the period), rows, merged,
    then in scope / unmeasured / passed per standard, and implausible per standard.
    """
    branches: dict[str | None, tuple[Counts, ...]] = {}
    evaluated = rejected = merged = outside = 0
    for row in rows:
        branch, status, count = row[0], int(row[1]), int(row[2])
        if status == 1:
            rejected += count
            continue
        if status == 2:
            outside += count
            continue
        evaluated += count
        merged += int(row[3] or 0)
        values = [int(v or 0) for v in row[4:]]
        extra = values[3 * n :] or [0] * n  # implausible measures, after the triples
        branches[branch] = tuple(
            Counts(values[3 * i], values[3 * i + 2], values[3 * i + 1], extra[i]) for i in range(n)
        )
    return Tally(branches, evaluated, rejected, merged, outside)


def run(
    con: duckdb.DuckDBPyConnection,
    query: AuditQuery,
    readers: Sequence[LogReader],
    progress: Steps | None = None,
) -> RawResult:
    """Execute the aggregate (one scan), then collect the rows rejected on the way and count
    repeated ids (steps ``auditing`` and ``repeated ids`` of ``progress``)."""
    try:
        scan = step(progress, "auditing")
        if query.fold is not None:  # a histogram: summed into the aggregate's rows
            rows = query.fold(execute_columns(con, query.sql, scan))
        else:
            rows = execute(con, query.sql, scan)
    except duckdb.OutOfRangeException as e:  # arithmetic in an expression overflowed
        raise SvcauditError(
            "a number went out of range while evaluating the standards: "
            + str(e).split("Error: ", 1)[-1].splitlines()[0],
            hint="check arithmetic on very large numbers in the standards' expressions",
        ) from None
    except READ_ERRORS as e:
        raise _read_error(e, readers) from None
    except duckdb.BinderException:  # a column gone: the file changed under us, or a bug
        changed = _changed(readers)
        if changed is None:
            raise
        raise changed from None
    tally = tally_rows(rows, len(query.standards))
    rejected_on_read = 0
    listed: list[Reject] = []
    for reader in readers:
        total, first = reader.rejects(con, MAX_LISTED_REJECTS)
        rejected_on_read += total
        listed += first
    if tally.rejected:
        for reader in readers:
            listed += reader.value_rejects(con, query.needed, MAX_LISTED_REJECTS)
    # in the order of the files as given (then by line), whichever way a row was rejected
    order = {f.display: i for i, f in enumerate(f for r in readers for f in r.files)}
    listed.sort(key=lambda r: (order.get(r.file, len(order)), r.line or 0))
    duplicate, repeated = 0, []
    if query.repeats is not None:

        def number(q: exp.Select) -> int:
            return int(execute(con, q.sql("duckdb"), step(progress, "repeated ids"))[0][0] or 0)

        # the hashes' upper bound first: exact when 0, the usual case; else the exact count
        if number(query.repeats.bound) and (duplicate := number(query.repeats.count)):
            listing = query.repeats.listing.sql("duckdb")
            found = execute(con, listing, step(progress, "repeated ids"))
            repeated = [(str(i), int(c)) for i, c in found]
    return tally.result(rejected_on_read, listed, duplicate, repeated)


def fetch(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    readers: Sequence[LogReader],
    progress: Progress | None = None,
) -> list[tuple[object, ...]]:
    """Run a query over the logs and return its rows (read errors become SvcauditError)."""
    try:
        return execute(con, sql, progress)
    except READ_ERRORS as e:
        raise _read_error(e, readers) from None


def fetch_batches(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    readers: Sequence[LogReader],
    progress: Progress | None = None,
) -> Iterator[list[tuple[object, ...]]]:
    """``fetch`` in batches (see ``execute_batches``)."""
    try:
        yield from execute_batches(con, sql, progress)
    except READ_ERRORS as e:
        raise _read_error(e, readers) from None


def _changed(readers: Sequence[LogReader]) -> SvcauditError | None:
    """The error for a log file that changed since its layout was detected, if any."""
    return next((e for r in readers if (e := r.changed_error()) is not None), None)


def _read_error(error: duckdb.Error, readers: Sequence[LogReader]) -> SvcauditError:
    """A file that failed mid-read."""
    for reader in readers:
        for f in reader.files:
            if not os.path.exists(f.path):
                return SvcauditError(
                    "the log disappeared while it was being audited",
                    location=Location(f.display),
                    hint="was it moved or deleted by another program? run the audit again",
                )
    changed = _changed(readers)
    if changed is not None:
        return changed
    text = str(error)
    for reader in readers:
        for f in reader.files:
            if f.path in text:
                return reader.read_error(error, f)
    return readers[0].read_error(error)


__all__ = ["BRANCH", "REJECTED", "ROWS", "Counts", "Progress", "RawResult", "connect", "run"]
