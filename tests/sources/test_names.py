"""One rule for repeated column names (svcaudit/sources/names.py): a name once per record,
without case, in CSV, TSV, JSON Lines and JSON alike; refused at its line, never one of the
two picked silently."""

from __future__ import annotations

from pathlib import Path

import pytest

from svcaudit.sources.names import repeated
from tests.helpers import write
from tests.invoke import assert_one_error, invoke

RULES = (
    "svcaudit: 1\nname: N\nstandards:\n"
    "  - id: h\n    title: H\n    measure: hold\n    at_most: 30s\n"
)


def test_repeated_ignores_case_and_keeps_both_spellings() -> None:
    assert repeated(["id", "hold_seconds", "hold_seconds"]) == ("hold_seconds", "hold_seconds")
    assert repeated(["Hold_Seconds", "id", "hold_seconds"]) == ("Hold_Seconds", "hold_seconds")
    assert repeated(["id", "hold_seconds", "hold_seconds_1"]) is None


@pytest.mark.parametrize(
    ("name", "text", "where", "needle"),
    [
        ("dup.csv", "id,branch,hold_seconds,hold_seconds\n1,A,5,50\n", "dup.csv:1", "twice"),
        ("case.csv", "id,branch,Hold_Seconds,hold_seconds\n1,A,5,50\n", "case.csv:1", "case"),
        ("dup.tsv", "id\tbranch\thold_seconds\tHOLD_SECONDS\n1\tA\t5\t50\n", "dup.tsv:1", "case"),
        (
            "dup.jsonl",
            '{"id":1,"branch":"A","hold_seconds":5}\n\n'
            '{"id":2,"branch":"A","hold_seconds":5,"hold_seconds":50}\n',
            "dup.jsonl:3",
            "twice",
        ),
        (
            "case.jsonl",
            '{"id":1,"branch":"A","Hold_Seconds":5,"hold_seconds":50}\n',
            "case.jsonl:1",
            "case",
        ),
        (
            "dup.json",
            '[{"id":1,"branch":"A","hold_seconds":5,"hold_seconds":50}]',
            "dup.json",
            "twice",
        ),
        (
            "case.json",
            '[{"id":1,"branch":"A","q":{"Wait":1,"wait":2},"hold_seconds":5}]',
            "case.json",
            "case",
        ),
    ],
)
def test_a_repeated_name_is_refused_at_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, text: str, where: str, needle: str
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / name, text, dedent=False)
    write(tmp_path / "s.yaml", RULES, dedent=False)
    line = assert_one_error(invoke("audit", name, "-s", "s.yaml"), where, needle)
    assert "hold_seconds_1" not in line


def test_distinct_names_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(
        tmp_path / "ok.jsonl", '{"id":1,"branch":"A","hold_seconds":5,"Hold":"x"}\n', dedent=False
    )
    write(
        tmp_path / "s.yaml",
        RULES.replace("measure: hold", "measure: hold_seconds\n    unit: s"),
        dedent=False,
    )
    run = invoke("audit", "ok.jsonl", "-s", "s.yaml", "-q")
    assert run.code == 0, run.stderr
