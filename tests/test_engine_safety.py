"""The engine's sandbox and its handling of Ctrl-C (SECURITY.md, "How it is tested")."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import duckdb
import pytest

from svcaudit import engine
from tests.helpers import write
from tests.invoke import assert_one_error, invoke

LOG = "branch,arrived_at,greeted_at\nA,2025-03-01 10:00:00,2025-03-01 10:00:30\n"
SLOW = "SELECT sum(hash(i) % 7) FROM range(5000000000) t(i)"  # minutes of work


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    log = write(tmp_path / "log.csv", LOG)
    write(tmp_path / "secret.csv", "token\nhunter2\n")
    return engine.connect("UTC", [str(log)])


def test_the_given_file_can_be_read(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    rows = engine.execute(con, f"SELECT count(*) FROM read_csv('{tmp_path / 'log.csv'}')")
    assert rows == [(1,)]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_csv('{dir}/secret.csv')",
        "SELECT * FROM read_text('{dir}/secret.csv')",
        "SELECT * FROM read_text('/etc/passwd')",
        "SELECT * FROM glob('{dir}/*')",
        "COPY (SELECT 1) TO '{dir}/written.csv'",
        "ATTACH '{dir}/new.duckdb'",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SELECT * FROM read_csv('https://example.com/x.csv')",
    ],
)
def test_nothing_else_can_be_read_or_written(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, sql: str
) -> None:
    with pytest.raises(duckdb.Error):
        engine.execute(con, sql.format(dir=tmp_path))
    assert not (tmp_path / "written.csv").exists()
    assert not (tmp_path / "new.duckdb").exists()


@pytest.mark.parametrize(
    "setting",
    [
        "SET enable_external_access = true",
        "SET allowed_paths = ['/']",
        "SET allowed_directories = ['/']",
        "RESET enable_external_access",
        "SET autoinstall_known_extensions = true",
    ],
)
def test_the_sandbox_cannot_be_lifted(con: duckdb.DuckDBPyConnection, setting: str) -> None:
    with pytest.raises(duckdb.Error, match="locked"):
        con.execute(setting)


def test_an_expression_cannot_read_another_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the whole pipeline: the expression language rejects the call by name; and
    even the SQL an expression compiles to runs in a connection that cannot open the file."""
    write(tmp_path / "log.csv", LOG)
    write(tmp_path / "secret.csv", "token\nhunter2\n")
    rules = write(
        tmp_path / "s.yaml",
        """\
        svcaudit: 1
        name: Hostile
        standards:
          - id: leak
            title: Leak
            check: read_csv('secret.csv') is not null
        """,
    )
    monkeypatch.chdir(tmp_path)
    run = invoke("audit", "log.csv", "-s", str(rules))
    assert_one_error(run, "read_csv")


def test_ctrl_c_stops_a_running_query_promptly(con: duckdb.DuckDBPyConnection) -> None:
    """SIGINT during a query that would run for minutes: KeyboardInterrupt within a second,
    and the connection is usable afterwards."""
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    start = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            engine.execute(con, SLOW)
    finally:
        timer.cancel()
    assert time.monotonic() - start < 2.0
    assert engine.execute(con, "SELECT 42") == [(42,)]


def test_progress_is_reported_as_a_growing_fraction(con: duckdb.DuckDBPyConnection) -> None:
    seen: list[float] = []

    def progress(fraction: float) -> None:
        seen.append(fraction)
        if len(seen) >= 5:
            raise KeyboardInterrupt  # as Ctrl-C would, from the polling thread

    with pytest.raises(KeyboardInterrupt):
        engine.execute(con, SLOW, progress)
    assert len(seen) == 5
    assert all(0.0 <= f <= 1.0 for f in seen)
    assert seen == sorted(seen)


def test_engine_errors_reach_the_caller(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(duckdb.Error, match="no_such_column"):
        engine.execute(con, "SELECT no_such_column")
