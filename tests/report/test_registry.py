"""svcaudit/report/__init__.py: one registry of formats, each declaring itself.

The formats users see (the ``--format`` choices, the suffixes ``-o`` infers a format from,
the config file's ``format:`` values) are the registry's, and must stay what they were.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from svcaudit.config import Settings
from svcaudit.report import (
    DEFAULT_FORMAT,
    FORMATTERS,
    Formatter,
    Needs,
    format_of_path,
    formatter,
    one_of,
    registry,
)
from svcaudit.report.json import JsonFormatter
from svcaudit.score import Scorecard
from tests.invoke import invoke

#: What users have always had: names in order, and the suffixes that imply each
KNOWN = {
    "table": (".txt",),
    "json": (".json",),
    "junit": (".xml",),
    "markdown": (".md", ".markdown"),
    "github": (),
    "html": (".html", ".htm"),
}


def test_the_formats_and_their_suffixes_are_the_ones_users_know() -> None:
    assert {name: cls.suffixes for name, cls in FORMATTERS.items()} == KNOWN
    assert list(FORMATTERS) == list(KNOWN)  # the order help texts list them in
    assert DEFAULT_FORMAT == "table"


@pytest.mark.parametrize("name", list(FORMATTERS))
def test_every_format_has_a_name_unique_suffixes_and_renders(
    name: str, features_card: Scorecard
) -> None:
    cls = FORMATTERS[name]
    assert cls.name == name and name == name.lower() and issubclass(cls, Formatter)
    assert cls.__doc__ and f"--format {name}" in cls.__doc__
    others = {s for n, c in FORMATTERS.items() if n != name for s in c.suffixes}
    assert not others & set(cls.suffixes)
    assert all(s.startswith(".") and s == s.lower() for s in cls.suffixes)
    buffer = io.StringIO()
    formatter(name).render(features_card, Console(file=buffer, width=100, color_system=None))
    assert buffer.getvalue().strip()


def test_only_the_html_report_needs_details() -> None:
    needs = {name: cls.needs for name, cls in FORMATTERS.items()}
    assert needs.pop("html") == Needs.DETAILS == Needs.DISTRIBUTIONS | Needs.BREACHES
    assert set(needs.values()) == {Needs.NOTHING}
    assert [n for n, c in FORMATTERS.items() if c.step_summary] == ["github"]
    assert [n for n, c in FORMATTERS.items() if not c.machine_readable] == ["table"]


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("out/report.json", "json"),
        ("REPORT.JSON", "json"),
        ("junit.xml", "junit"),
        ("a.md", "markdown"),
        ("a.markdown", "markdown"),
        ("scorecard.txt", "table"),
        ("r.html", "html"),
        ("r.HTM", "html"),
        ("report", None),
        ("report.csv", None),
        ("json", None),
    ],
)
def test_the_suffix_implies_the_format(path: str, name: str | None) -> None:
    assert format_of_path(path) == name


class _Again(JsonFormatter):
    """``--format json`` once more."""


class _Csv(JsonFormatter):
    """``--format csv``, claiming ``.json``."""

    name = "csv"


class _Nameless(JsonFormatter):
    """No name."""

    name = ""


class _Longer(JsonFormatter):
    """``--format json-lines``, on a suffix ending another's."""

    name = "json-lines"
    suffixes = (".lines.json",)


def test_the_registry_refuses_a_name_or_a_suffix_used_twice() -> None:
    with pytest.raises(ValueError, match="format 'json' is registered twice"):
        registry([JsonFormatter, _Again])
    with pytest.raises(ValueError, match=r"suffix '\.json' is claimed by 'json' and 'csv'"):
        registry([JsonFormatter, _Csv])
    with pytest.raises(ValueError, match="lower case"):
        registry([_Nameless])
    assert list(registry([JsonFormatter, _Longer])) == ["json", "json-lines"]


def test_the_config_schema_takes_the_registry_names() -> None:
    assert Settings.model_validate({"format": "junit"}).format == "junit"
    assert one_of(FORMATTERS) == "'table', 'json', 'junit', 'markdown', 'github' or 'html'"


def test_a_misspelt_format_in_the_config_file_gets_a_did_you_mean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "svcaudit.yaml").write_text("fail_on: warn\nformat: jsno\n")
    run = invoke("audit", "log.csv", "-s", "s.yaml")
    assert run.code == 2
    assert run.stderr.strip().endswith(
        "svcaudit.yaml:2: config key 'format': 'jsno' is not allowed: Input should be 'table', "
        "'json', 'junit', 'markdown', 'github' or 'html' (hint: did you mean 'json'?)"
    )


def test_the_format_choices_in_the_help_come_from_the_registry() -> None:
    run = invoke("audit", "--help")
    assert "--format <table|json|junit|markdown|github|html>" in run.stdout
    bad = invoke("audit", "log.csv", "-s", "s.yaml", "-f", "jsn")
    assert bad.code == 2
    assert (
        "'jsn' is not one of 'table', 'json', 'junit', 'markdown', 'github', 'html'." in bad.stderr
    )
