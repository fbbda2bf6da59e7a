"""Loading standards files: valid files load clean values; every mistake is located."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from svcaudit.errors import SvcauditError
from svcaudit.expressions.nodes import Binary, Name
from svcaudit.standards import yaml_reader
from svcaudit.standards.loader import load_standards
from svcaudit.standards.model import Missing, Severity
from tests.helpers import write

VALID = """\
svcaudit: 1
name: Five-star guest service
description: Test pack.
branch: hotel
time_zone: Europe/Warsaw
fields:
  greet_wait: greeted_at - arrived_at
standards:
  - id: greet-60s
    title: Every guest is greeted within 60 seconds
    when: channel == "in-person"
    measure: greet_wait
    at_most: 60s
    target: 95%
  - id: hold-30s
    title: No caller on hold longer than 30 seconds
    when: channel == "phone"
    measure: hold_seconds
    unit: s
    at_most: PT30S
    target: 0.9
    severity: warn
    missing: skip
  - id: reply-1h30m
    title: Replies within an hour and a half
    measure: first_reply
    at_least: 1h30m
  - id: callback-offered
    title: Callers held long are offered a call back
    when: channel == "phone" and hold_seconds > 30
    check: callback_offered
    target: 98%
"""

# A small valid file the error cases below are derived from. Line numbers (1-based):
#   1 svcaudit: 1
#   2 name: T
#   3 standards:
#   4   - id: a
#   5     title: A
#   6     when: channel == "phone"
#   7     measure: wait
#   8     at_most: 30s
BASE = """\
svcaudit: 1
name: T
standards:
  - id: a
    title: A
    when: channel == "phone"
    measure: wait
    at_most: 30s
"""


def load_error(tmp_path: Path, text: str, name: str = "rules.yaml") -> tuple[SvcauditError, str]:
    path = write(tmp_path / name, text, dedent=False)
    with pytest.raises(SvcauditError) as info:
        load_standards([path])
    return info.value, str(path)


def assert_at(err: SvcauditError, path: str, line: int, column: int) -> None:
    assert err.location is not None, err
    assert (err.location.path, err.location.line, err.location.column) == (path, line, column), err
    assert str(err).startswith(f"{path}:{line}:{column}: ")
    assert err.hint, f"no hint: {err}"


def test_valid_file_loads_clean_values(tmp_path: Path) -> None:
    path = write(tmp_path / "ok.yaml", VALID, dedent=False)
    loaded = load_standards([path])
    assert loaded.branch == "hotel"
    assert loaded.time_zone == "Europe/Warsaw"
    assert loaded.paths == (str(path),)
    rules = {r.standard.id: r for r in loaded.rules}
    assert list(rules) == ["greet-60s", "hold-30s", "reply-1h30m", "callback-offered"]

    greet = rules["greet-60s"].standard
    assert greet.target == pytest.approx(0.95)
    assert greet.at_most is not None
    assert greet.at_most.value == 60_000 and greet.at_most.is_duration
    assert greet.at_least is None
    assert greet.severity == Severity.FAIL and greet.missing == Missing.FAIL  # defaults

    hold = rules["hold-30s"].standard
    assert hold.target == pytest.approx(0.9)
    assert hold.at_most is not None and hold.at_most.value == 30_000
    assert hold.unit is not None and hold.unit.value == "s"
    assert hold.severity == Severity.WARN and hold.missing == Missing.SKIP

    reply = rules["reply-1h30m"].standard
    assert reply.at_least is not None and reply.at_least.value == 90 * 60_000
    assert reply.target == 1.0  # default: every interaction must comply

    callback = rules["callback-offered"]
    assert callback.standard.check == "callback_offered"
    assert callback.measure is None and callback.standard.limit is None
    assert callback.standard.target == pytest.approx(0.98)

    # Expressions are parsed into trees, not kept as text to paste anywhere.
    when = rules["greet-60s"].when
    assert when is not None and isinstance(when.tree, Binary) and when.tree.op == "=="
    assert isinstance(when.tree.left, Name) and when.tree.left.name == "channel"
    assert set(rules["greet-60s"].fields) == {"greet_wait"}
    # Where each key is: `measure: greet_wait` is on line 12, value at column 14.
    loc = rules["greet-60s"].location("measure")
    assert (loc.line, loc.column) == (12, 14)


def test_yaml_syntax_error(tmp_path: Path) -> None:
    # Line 2 `name: Five: star`: a plain scalar may not contain ': ', PyYAML stops at the
    # second colon, column 11 (n=1 ... e=4, ':'=5, ' '=6, F=7 i=8 v=9 e=10, ':'=11).
    err, path = load_error(tmp_path, "svcaudit: 1\nname: Five: star\nstandards: []\n")
    assert_at(err, path, 2, 11)
    assert "YAML" in err.message


def test_duplicate_key(tmp_path: Path) -> None:
    err, path = load_error(tmp_path, BASE.replace("name: T\n", "name: T\nname: U\n"))
    assert_at(err, path, 3, 1)  # the second `name:`
    assert "duplicate key 'name'" in err.message
    assert "line 2" in (err.hint or "")


def test_duplicate_key_inside_a_standard(tmp_path: Path) -> None:
    err, path = load_error(tmp_path, BASE + "    at_most: 60s\n")
    assert_at(err, path, 9, 5)  # the second `at_most:`, indented 4
    assert "at_most" in err.message
    assert "line 8" in (err.hint or "")


def test_unknown_key_treshold_suggests_at_most(tmp_path: Path) -> None:
    err, path = load_error(tmp_path, BASE.replace("at_most: 30s", "treshold: 30s"))
    assert_at(err, path, 8, 5)  # the key `treshold` on line 8, after 4 spaces
    assert "treshold" in err.message
    assert "at_most" in (err.hint or "")


def test_bad_duration(tmp_path: Path) -> None:
    err, path = load_error(tmp_path, BASE.replace("30s", "60 secs"))
    # "    at_most: " is 13 characters, so the value starts at column 14 of line 8.
    assert_at(err, path, 8, 14)
    assert "60 secs" in err.message
    assert "30s" in (err.hint or "")


def test_target_over_100_percent(tmp_path: Path) -> None:
    err, path = load_error(tmp_path, BASE + "    target: 150%\n")
    # "    target: " is 12 characters: the value is at line 9, column 13.
    assert_at(err, path, 9, 13)
    assert "150%" in err.message
    assert "95%" in (err.hint or "")


def test_duplicate_standard_ids(tmp_path: Path) -> None:
    text = BASE + "  - id: a\n    title: B\n    check: abandoned\n"
    err, path = load_error(tmp_path, text)
    # The second `- id: a` is line 9; "  - id: " is 8 characters: the id is at column 9.
    assert_at(err, path, 9, 9)
    assert "'a'" in err.message
    assert f"{path}:4" in (err.hint or "")  # where it was first used


def test_duplicate_standard_ids_across_files(tmp_path: Path) -> None:
    first = write(tmp_path / "one.yaml", BASE, dedent=False)
    second = write(
        tmp_path / "two.yaml",
        "svcaudit: 1\nname: Two\nstandards:\n  - id: b\n    title: B\n    check: abandoned\n"
        "  - id: a\n    title: A again\n    check: abandoned\n",
        dedent=False,
    )
    with pytest.raises(SvcauditError) as info:
        load_standards([first, second])
    assert_at(info.value, str(second), 7, 9)
    assert str(first) in (info.value.hint or "")


def test_measure_without_limit(tmp_path: Path) -> None:
    err, path = load_error(tmp_path, BASE.replace("    at_most: 30s\n", ""))
    # Located at `measure: wait` (line 7; "    measure: " is 13 characters -> column 14).
    assert_at(err, path, 7, 14)
    assert "at_most" in (err.hint or "") and "at_least" in (err.hint or "")


def test_measure_with_both_limits(tmp_path: Path) -> None:
    err, path = load_error(tmp_path, BASE + "    at_least: 10s\n")
    assert err.location is not None and err.location.path == path
    assert err.location.line in (7, 8, 9) and err.location.column is not None
    assert "at_most" in (err.hint or "")


def test_check_with_at_most(tmp_path: Path) -> None:
    text = "svcaudit: 1\nname: T\nstandards:\n  - id: a\n    title: A\n    check: abandoned\n"
    err, path = load_error(tmp_path, text + "    at_most: 3\n")
    assert_at(err, path, 7, 14)  # the value of `at_most:` on line 7
    assert "at_most" in err.message and "check" in err.message


def test_unknown_top_level_key_did_you_mean(tmp_path: Path) -> None:
    err, path = load_error(tmp_path, BASE.replace("name: T\n", "name: T\ndescripton: x\n"))
    assert_at(err, path, 3, 1)
    assert "descripton" in err.message
    assert "did you mean 'description'" in (err.hint or "")


def test_python_object_tag_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = BASE.replace("name: T", "name: !!python/object/apply:os.system ['touch pwned']")
    err, path = load_error(tmp_path, text)
    assert_at(err, path, 2, 7)  # the tag starts after "name: "
    assert "python/object" in err.message
    assert not (tmp_path / "pwned").exists()


def test_custom_tag_is_refused(tmp_path: Path) -> None:
    err, path = load_error(tmp_path, BASE.replace("name: T", "name: !secret T"))
    assert_at(err, path, 2, 7)


def test_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    # Ten levels of ten aliases each: 10**10 nodes if expanded.
    lines = ["svcaudit: 1", "name: T", "description:", "  - &a0 [lol, lol, lol, lol, lol]"]
    for i in range(1, 11):
        lines.append(f"  - &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    lines += ["standards:", "  - id: a", "    title: A", "    check: abandoned", ""]
    start = time.perf_counter()
    err, path = load_error(tmp_path, "\n".join(lines))
    assert time.perf_counter() - start < 5
    assert err.location is not None and err.location.path == path
    # Somewhere in the aliases (lines 3-14), with a column.
    assert err.location.line is not None and 3 <= err.location.line <= 14
    assert err.location.column is not None
    assert "alias" in f"{err.message} {err.hint}".lower()


def test_bad_time_zone(tmp_path: Path) -> None:
    text = BASE.replace("name: T\n", "name: T\ntime_zone: Mars/Olympus\n")
    err, path = load_error(tmp_path, text)
    assert_at(err, path, 3, 12)  # "time_zone: " is 11 characters
    assert "Mars/Olympus" in err.message
    assert "Europe/Warsaw" in (err.hint or "") or "IANA" in (err.hint or "")


def test_unsupported_format_version(tmp_path: Path) -> None:
    err, path = load_error(tmp_path, BASE.replace("svcaudit: 1", "svcaudit: 2"))
    assert_at(err, path, 1, 11)  # "svcaudit: " is 10 characters
    assert "2" in err.message
    assert "svcaudit: 1" in (err.hint or "")


def test_missing_format_version(tmp_path: Path) -> None:
    err, path = load_error(tmp_path, BASE.replace("svcaudit: 1\n", ""))
    assert err.location is not None and err.location.path == path
    assert "svcaudit" in err.message and "svcaudit: 1" in (err.hint or "")


def test_bad_standard_id(tmp_path: Path) -> None:
    err, path = load_error(tmp_path, BASE.replace("id: a", "id: Greet 60"))
    assert_at(err, path, 4, 9)


def test_bad_enum_value(tmp_path: Path) -> None:
    err, path = load_error(tmp_path, BASE + "    severity: fatal\n")
    assert_at(err, path, 9, 15)  # "    severity: " is 14 characters
    assert "fail" in (err.hint or "") and "warn" in (err.hint or "")


@pytest.mark.parametrize(
    ("when_line", "column"),
    [
        # "    when: " is 10 characters: the expression starts at column 11; its '=' is
        # character 8 (0-based) of `channel = "x"`, so column 11 + 8 = 19.
        ('    when: channel = "x"', 19),
        # Single-quoted: the quote is at column 11, the text starts at 12, '=' at 20.
        ("    when: 'channel = \"x\"'", 20),
        # Double-quoted with escaped quotes inside would shift; keep to a simple one:
        ('    when: "channel = 1"', 20),
    ],
)
def test_expression_syntax_error_is_located_at_the_culprit(
    tmp_path: Path, when_line: str, column: int
) -> None:
    text = BASE.replace('    when: channel == "phone"', when_line)
    err, path = load_error(tmp_path, text)
    assert_at(err, path, 6, column)
    assert "'='" in err.message and "when" in err.message
    assert "==" in (err.hint or "")
    # The detail shows the expression with a caret under the '='.
    assert err.detail is not None
    expr_line, caret_line = err.detail.splitlines()[-2:]
    assert caret_line.strip() == "^"
    assert expr_line[caret_line.index("^")] == "="


def test_attribute_access_is_refused_at_load(tmp_path: Path) -> None:
    # `x.y` is refused at load time, at the '.' (column 11 + 1 = 12 on line 6).
    err, path = load_error(tmp_path, BASE.replace('channel == "phone"', "x.y"))
    assert_at(err, path, 6, 12)


def test_empty_file(tmp_path: Path) -> None:
    err, path = load_error(tmp_path, "")
    assert err.location is not None and err.location.path == path
    assert err.hint


def test_missing_standards_file(tmp_path: Path) -> None:
    with pytest.raises(SvcauditError) as info:
        load_standards([tmp_path / "nope.yaml"])
    assert info.value.location is not None
    assert info.value.location.path == str(tmp_path / "nope.yaml")


def test_files_must_agree_on_time_zone(tmp_path: Path) -> None:
    one = write(tmp_path / "one.yaml", BASE, dedent=False)
    two = write(
        tmp_path / "two.yaml",
        BASE.replace("id: a", "id: b").replace("name: T\n", "name: T\ntime_zone: Europe/Warsaw\n"),
        dedent=False,
    )
    with pytest.raises(SvcauditError) as info:
        load_standards([one, two])
    assert info.value.location is not None and info.value.location.path == str(two)


def test_expression_error_column_counts_escapes_in_double_quoted_yaml(tmp_path: Path) -> None:
    # In the file the expression is written `"channel == \"x\" or a = 1"`: the two escaped
    # quotes take two characters each. The single '=' is at column 34 of the line
    # (4 spaces + `when: ` = 10, the opening quote at 11, then `channel == \"x\" or a ` is
    # 22 characters, columns 12-33).
    line = '    when: "channel == \\"x\\" or a = 1"'
    assert line[33] == "="
    err, path = load_error(tmp_path, BASE.replace('    when: channel == "phone"', line))
    assert_at(err, path, 6, 34)


NON_ASCII_PACK = """\
name: "Łódź — wzorce obsługi"   # a comment with ż
time_zone: Europe/Warsaw
standards:
  - id: powitanie
    title: 'Gość powitany w ciągu minuty'
    measure: greeted_at - arrived_at
    at_most: 60s
    target: 95%
    scope: kind = 'przyjazd' and note != "zażółć\\tgęślą"
"""


@pytest.mark.parametrize("pack", [*sorted(Path("standards").glob("*.yaml")), "non-ascii"], ids=str)
def test_libyaml_gives_the_same_data_and_positions_as_pyyaml(
    pack: Path | str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Standards files are composed by libyaml when PyYAML has it; every position an error
    # can point at (values, keys, each character of a one-line scalar) must be the same as
    # PyYAML's own composer gives.
    assert yaml_reader._FAST_LOADER is yaml.CSafeLoader  # the wheel ships libyaml
    text = NON_ASCII_PACK if pack == "non-ascii" else Path(pack).read_text(encoding="utf-8")
    fast = yaml_reader.read_yaml(text, "p.yaml")
    monkeypatch.setattr(yaml_reader, "_FAST_LOADER", yaml.SafeLoader)
    slow = yaml_reader.read_yaml(text, "p.yaml")
    assert fast.data == slow.data
    assert fast.columns == slow.columns
    assert fast.marks == slow.marks
