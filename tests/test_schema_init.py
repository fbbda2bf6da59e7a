"""The shipped JSON Schema of standards files, the packs and starter against it, `svcaudit init`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from svcaudit.standards.model import json_schema_text
from tests.helpers import REPO
from tests.invoke import assert_one_error, invoke

SCHEMA_COPIES = ["svcaudit/data/svcaudit.schema.json", "standards/svcaudit.schema.json"]
PACKS = sorted(p.relative_to(REPO).as_posix() for p in (REPO / "standards").glob("*.yaml"))
STARTER = REPO / "svcaudit" / "data" / "starter.yaml"
MODELINE = "# yaml-language-server: $schema=./svcaudit.schema.json"


@pytest.fixture(scope="module")
def validator() -> Any:
    schema = json.loads(json_schema_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)  # a valid schema of its declared draft
    return cls(schema)


def problems(validator: Any, document: object) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(document)
    ]


@pytest.mark.parametrize("copy", SCHEMA_COPIES)
def test_shipped_schema_is_current(copy: str) -> None:
    text = (REPO / copy).read_text(encoding="utf-8")
    assert text == json_schema_text(), (
        f"{copy} is stale: regenerate it with `svcaudit schema > {copy}`"
    )


def test_there_are_packs() -> None:
    assert len(PACKS) >= 3, PACKS


@pytest.mark.parametrize("pack", PACKS)
def test_pack_validates_against_the_schema(validator: Any, pack: str) -> None:
    text = (REPO / pack).read_text(encoding="utf-8")
    assert problems(validator, yaml.safe_load(text)) == []
    assert text.splitlines()[0] == MODELINE  # editors find the schema next to the pack


def test_starter_validates_and_points_editors_at_the_schema(validator: Any) -> None:
    text = STARTER.read_text(encoding="utf-8")
    assert text.splitlines()[0] == MODELINE
    assert problems(validator, yaml.safe_load(text)) == []


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d["standards"][0].update(treshold="60s"), "standards/0"),  # unknown key
        (lambda d: d["standards"][0].update(target="95"), "standards/0/target"),  # no %
        (lambda d: d["standards"][0].update(severity="fatal"), "standards/0/severity"),
        (lambda d: d.update(svcaudit=2), "svcaudit"),
        (lambda d: d.pop("standards"), ""),
    ],
)
def test_schema_rejects_what_the_loader_rejects(validator: Any, change: Any, where: str) -> None:
    document = yaml.safe_load(STARTER.read_text(encoding="utf-8"))
    change(document)
    found = problems(validator, document)
    assert found, "the schema accepted an invalid file"
    assert any(p.split(":")[0] == where for p in found), found


# ---- svcaudit init ------------------------------------------------------------------------------


def test_init_writes_the_starter_and_the_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, validator: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    run = invoke("init")
    assert run.code == 0, run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["standards.yaml", "svcaudit.schema.json"]
    written = (tmp_path / "standards.yaml").read_text(encoding="utf-8")
    assert written.splitlines()[0] == MODELINE
    assert problems(validator, yaml.safe_load(written)) == []
    assert (tmp_path / "svcaudit.schema.json").read_text(encoding="utf-8") == json_schema_text()
    check = invoke("validate", "standards.yaml")
    assert check.code == 0, check.stderr


def test_init_into_a_directory_puts_the_schema_beside_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "rules").mkdir()
    monkeypatch.chdir(tmp_path)
    run = invoke("init", "rules/ours.yaml")
    assert run.code == 0, run.stderr
    assert sorted(p.name for p in (tmp_path / "rules").iterdir()) == [
        "ours.yaml",
        "svcaudit.schema.json",
    ]  # where the modeline's ./svcaudit.schema.json points


def test_init_refuses_to_overwrite_without_force(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    mine = "# my own standards\n"
    (tmp_path / "standards.yaml").write_text(mine, encoding="utf-8")
    run = invoke("init")
    assert_one_error(run, "standards.yaml", "--force")
    assert (tmp_path / "standards.yaml").read_text(encoding="utf-8") == mine
    forced = invoke("init", "--force")
    assert forced.code == 0, forced.stderr
    written = (tmp_path / "standards.yaml").read_text(encoding="utf-8")
    assert written == STARTER.read_text(encoding="utf-8")
    assert (tmp_path / "svcaudit.schema.json").read_text(encoding="utf-8") == json_schema_text()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
