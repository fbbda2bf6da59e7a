"""``inspect``'s id column: a near-unique text or integer column, preferably named like an
id; never coordinates, free text or fractions; with the fold to use when ids repeat."""

from __future__ import annotations

from pathlib import Path

import pytest

from svcaudit import engine
from svcaudit.sources import Logs
from svcaudit.sources.identity import IdSuggestion, id_hint, suggest_id
from tests.helpers import write
from tests.invoke import invoke


def _suggest(path: Path) -> IdSuggestion | None:
    logs = Logs.open([str(path)])
    con = engine.connect("UTC", [f.path for f in logs.files])
    try:
        schema = logs.schema(con)  # (the readers learn the files' layout first)
        return suggest_id(con, logs.relation({}), schema)
    finally:
        con.close()


def _csv(tmp_path: Path, header: str, rows: list[str]) -> Path:
    return write(tmp_path / "log.csv", "\n".join([header, *rows]) + "\n", dedent=False)


def test_an_event_log_id_repeats_and_the_update_counter_is_the_fold(tmp_path: Path) -> None:
    # 6 rows of 2 incidents; caller_id repeats more (1 caller), location is text
    rows = [f"INC{i // 3},{i % 3},Caller 1,Location {i},2024-01-0{1 + i} 10:00" for i in range(6)]
    log = _csv(tmp_path, "number,sys_mod_count,caller_id,location,sys_updated_at", rows)
    found = _suggest(log)
    assert found == IdSuggestion("number", 6, 2, "sys_mod_count")
    assert id_hint(found).endswith("fold them: --fold number:sys_mod_count)")


def test_an_update_time_is_the_fold_without_a_counter(tmp_path: Path) -> None:
    rows = [f"T{i // 2},2024-01-0{1 + i} 10:00:00,open" for i in range(6)]
    log = _csv(tmp_path, "ticket_id,updated_at,state", rows)
    assert _suggest(log) == IdSuggestion("ticket_id", 6, 3, "updated_at")


def test_coordinates_free_text_and_fractions_are_never_ids(tmp_path: Path) -> None:
    # each of these is unique per row; only `Call Number` is an id, though it repeats
    rows = [
        f'"({40 + i / 100:.5f}, {-73 - i / 100:.5f})",{40 + i / 7:.6f},'
        f"the caller said the thing number {i} happened again near the corner store,"
        f"{1000 + i // 2}"
        for i in range(20)
    ]
    log = _csv(tmp_path, "point,latitude,description,Call Number", rows)
    found = _suggest(log)
    assert found is not None
    assert (found.column, found.rows, found.distinct) == ("Call Number", 20, 10)


def test_a_near_unique_integer_without_an_id_name(tmp_path: Path) -> None:
    rows = [f"{5000 + i},{i % 3},{i * 1.5}" for i in range(50)]
    log = _csv(tmp_path, "ref,branch,amount", rows)
    assert _suggest(log) == IdSuggestion("ref", 50, 50)


def test_no_id_at_all(tmp_path: Path) -> None:
    rows = [f"2024-01-0{1 + i % 9},product {i % 2},AZ" for i in range(30)]
    assert _suggest(_csv(tmp_path, "date_received,product,state", rows)) is None


def test_inspect_prints_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [f"INC{i // 3},{i % 3},A" for i in range(6)]
    log = _csv(tmp_path, "number,sys_mod_count,group", rows)
    monkeypatch.chdir(tmp_path)
    run = invoke("inspect", str(log))
    assert run.code == 0
    text = " ".join(run.stdout.split())
    assert "id column: number (2 distinct values in 6 rows: ids repeat" in text
    assert "--fold number:sys_mod_count" in text
