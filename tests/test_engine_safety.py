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


def test_past_the_memory_limit_aggregates_spill_to_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 4 M distinct ids need about 160 MB of hash table: under a 100 MB limit DuckDB spills
    # them to the connection's private directory and still counts exactly.
    log = tmp_path / "ids.parquet"
    duckdb.sql(f"COPY (SELECT 'id-' || i AS id FROM range(4000000) t(i)) TO '{log}'")
    query = f"SELECT count(id) - count(DISTINCT hash(id)), count(*) FROM read_parquet('{log}')"
    monkeypatch.setenv("SVCAUDIT_MEMORY_LIMIT", "100MB")
    limited = engine.connect("UTC", [str(log)])
    try:
        assert engine.execute(limited, "SELECT current_setting('memory_limit')") == [("95.3 MiB",)]
        assert engine.execute(limited, query) == [(0, 4_000_000)]
        # ... to a directory of its own (not DuckDB's default, .tmp in the working directory)
        spill = engine.execute(limited, "SELECT current_setting('temp_directory')")[0][0]
        assert Path(spill).name.startswith("svcaudit-spill-") and Path(spill).is_dir()
    finally:
        limited.close()


def test_too_little_memory_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "log.csv", LOG)
    write(
        tmp_path / "s.yaml",
        "svcaudit: 1\nname: T\nstandards:\n  - id: greet\n    title: Greet\n"
        "    measure: greeted_at - arrived_at\n    at_most: 60s\n",
    )
    run = invoke("audit", "log.csv", "-s", "s.yaml", env={"SVCAUDIT_MEMORY_LIMIT": "1MB"})
    assert_one_error(run, "SVCAUDIT_MEMORY_LIMIT", "more memory than DuckDB may use here (1MB)")
    assert "SVCAUDIT_MEMORY_LIMIT=4GB" in run.stderr
    run = invoke("audit", "log.csv", "-s", "s.yaml", env={"SVCAUDIT_MEMORY_LIMIT": "lots"})
    assert_one_error(run, "SVCAUDIT_MEMORY_LIMIT", "'lots' is not a memory size")
    assert invoke("audit", "log.csv", "-s", "s.yaml").code == 0  # the default is enough
