"""Load standards files: YAML with positions, validated models, parsed expressions.

PyYAML's ``safe_load`` keeps the last of duplicate keys silently and forgets where values came
from. Here the YAML is *composed* (safe loader, no tags beyond the standard ones) and constructed
by hand, so duplicate keys are errors and every value keeps its line and column. Validation
errors from pydantic are mapped back to those positions, with a hint.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from svcaudit.errors import Location, SvcauditError, did_you_mean
from svcaudit.expressions.calendars import CalendarSpec
from svcaudit.expressions.errors import ExpressionError, caret_line
from svcaudit.expressions.nodes import Node
from svcaudit.expressions.parser import parse_expression
from svcaudit.standards.model import Consistency, Standard, StandardsFile

YamlPath = tuple[str | int, ...]

MAX_NODES = 100_000
MAX_DEPTH = 64
_PLAIN_TAGS = {
    "tag:yaml.org,2002:" + t
    for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")
}
# Words people reach for, and the key they mean.
_SYNONYMS = {
    "threshold": "at_most",
    "treshold": "at_most",
    "limit": "at_most",
    "max": "at_most",
    "maximum": "at_most",
    "within": "at_most",
    "under": "at_most",
    "below": "at_most",
    "min": "at_least",
    "minimum": "at_least",
    "over": "at_least",
    "above": "at_least",
    "filter": "when",
    "where": "when",
    "scope": "when",
    "if": "when",
    "applies_to": "when",
    "condition": "check",
    "expect": "check",
    "assert": "check",
    "rule": "check",
    "metric": "measure",
    "value": "measure",
    "goal": "target",
    "sla": "target",
    "level": "severity",
    "name": "title",
    "timezone": "time_zone",
    "tz": "time_zone",
    "version": "svcaudit",
    "rules": "standards",
    "checks": "standards",
}


@dataclass(frozen=True)
class ParsedExpression:
    """An expression's text, its tree and where it sits in the standards file."""

    text: str
    tree: Node
    location: Location
    columns: tuple[int, ...] | None  # 1-based column of each character (single-line scalars)

    def error(self, err: ExpressionError, *, what: str) -> SvcauditError:
        """A located error for a problem found in this expression."""
        return located_error(err, self.text, self.location, self.columns, what=what)


def located_error(
    err: ExpressionError,
    text: str,
    loc: Location,
    columns: tuple[int, ...] | None,
    *,
    what: str,
) -> SvcauditError:
    """Place an expression error in the standards file, with a caret line under the culprit."""
    if columns:
        loc = Location(loc.path, loc.line, columns[min(err.span[0], len(columns) - 1)])
    return SvcauditError(
        f"{err.message} in {what}", location=loc, hint=err.hint, detail=caret_line(text, err.span)
    )


@dataclass(frozen=True)
class Rule:
    """One standard, ready to compile: the model plus its parsed expressions and positions."""

    standard: Standard
    path: str
    when: ParsedExpression | None
    measure: ParsedExpression | None
    check: ParsedExpression | None
    fields: Mapping[str, ParsedExpression]
    positions: Mapping[str, Location]
    consistency: Consistency = field(default_factory=Consistency)
    by: ParsedExpression | None = None  # the category column of limits per category
    calendars: Mapping[str, CalendarSpec] = field(default_factory=dict)
    branch: str = "branch"

    def location(self, key: str = "") -> Location:
        """Where ``key`` of this standard is (the standard itself for ``""``)."""
        return self.positions.get(key) or self.positions[""]


@dataclass(frozen=True)
class StandardsSet:
    """All standards of an audit, from one or more files."""

    files: tuple[StandardsFile, ...]
    paths: tuple[str, ...]
    rules: tuple[Rule, ...]
    branch: str
    time_zone: str
    consistency: Consistency | None = field(default=None)
    profile: str | None = None
    columns: Mapping[str, ParsedExpression] = field(default_factory=dict)
    redact: tuple[str, ...] = ()  # columns hashed in every report (all files' lists)


def load_standards(paths: Sequence[str | Path]) -> StandardsSet:
    """Load, validate and combine standards files; raise SvcauditError on the first problem."""
    if not paths:
        raise SvcauditError("no standards file given", hint="pass one with -s standards.yaml")
    files: list[StandardsFile] = []
    rules: list[Rule] = []
    seen: dict[str, Rule] = {}
    columns: dict[str, ParsedExpression] = {}
    for p in paths:
        spec, rule_list, file_columns = load_file(p)
        files.append(spec)
        for name, expr in file_columns.items():
            if name in columns and columns[name].text != expr.text:
                raise SvcauditError(
                    f"column '{name}' is mapped differently in two standards files",
                    location=expr.location,
                    hint=f"it is `{columns[name].text}` at {columns[name].location}",
                )
            columns[name] = expr
        for rule in rule_list:
            first = seen.get(rule.standard.id)
            if first is not None:
                raise SvcauditError(
                    f"standard id '{rule.standard.id}' is used twice",
                    location=rule.location("id"),
                    hint=f"first used at {first.location('id')}; ids must be unique",
                )
            seen[rule.standard.id] = rule
            rules.append(rule)
    first_file = files[0]
    for spec, p in zip(files[1:], paths[1:], strict=True):
        for key in ("branch", "time_zone", "profile"):
            if getattr(spec, key) != getattr(first_file, key):
                raise SvcauditError(
                    f"`{key}: {getattr(spec, key)}` differs from `{getattr(first_file, key)}` "
                    f"in {paths[0]}",
                    location=Location(str(p)),
                    hint="standards audited together must agree on branch and time zone",
                )
    return StandardsSet(
        files=tuple(files),
        paths=tuple(str(p) for p in paths),
        rules=tuple(rules),
        branch=first_file.branch,
        time_zone=first_file.time_zone,
        consistency=first_file.consistency,
        profile=first_file.profile,
        columns=columns,
        redact=tuple(dict.fromkeys(c for spec in files for c in spec.redact)),
    )


def load_file(
    path: str | Path,
) -> tuple[StandardsFile, list[Rule], dict[str, ParsedExpression]]:
    """Load one standards file into its model and rules."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SvcauditError(
            "standards file not found", location=Location(name), hint="check the path"
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        reason = getattr(e, "strerror", None) or str(e)
        raise SvcauditError(
            f"cannot read standards file: {reason}", location=Location(name)
        ) from None
    doc = read_yaml(text, name)
    data, marks = doc.data, doc.marks
    if not isinstance(data, dict):
        raise SvcauditError(
            "a standards file must be a mapping with `svcaudit: 1`, `name:` and `standards:`",
            location=Location(name, 1, 1),
            hint="run `svcaudit init` for a starter file",
        )
    try:
        spec = StandardsFile.model_validate(data)
    except ValidationError as e:
        raise _validation_error(e, name, marks, data) from None
    return spec, *_rules(spec, name, marks, doc.columns)


@dataclass(frozen=True)
class YamlDoc:
    """Parsed YAML data with the positions of its values."""

    data: Any
    marks: dict[YamlPath, tuple[Location, Location | None, str | None]]
    columns: dict[YamlPath, tuple[int, ...]]  # per character of one-line scalars


def parse_yaml(
    text: str, path: str
) -> tuple[Any, dict[YamlPath, tuple[Location, Location | None, str | None]]]:
    """Parse YAML safely, keeping positions: {path: (value location, key location, style)}."""
    doc = read_yaml(text, path)
    return doc.data, doc.marks


def read_yaml(text: str, path: str) -> YamlDoc:
    """Parse YAML safely into data, value positions and per-character columns."""
    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        loc = Location(path, mark.line + 1, mark.column + 1) if mark else Location(path)
        problem = e.problem or e.context or "invalid YAML"
        raise SvcauditError(
            f"YAML syntax error: {problem}",
            location=loc,
            hint="check indentation, colons and quotes around text containing ': ' or '#'",
        ) from None
    except yaml.YAMLError as e:
        raise SvcauditError(f"YAML error: {e}", location=Location(path)) from None
    except RecursionError:  # PyYAML composes nested collections recursively
        raise SvcauditError(
            "the standards file is nested too deeply",
            location=Location(path),
            hint="standards files are a few levels deep; look for runaway brackets",
        ) from None
    if node is None:
        raise SvcauditError(
            "the standards file is empty",
            location=Location(path),
            hint="run `svcaudit init` for a starter file",
        )
    builder = _Builder(path, text)
    return YamlDoc(builder.build(node, (), 0), builder.marks, builder.columns)


#: libyaml's composer when PyYAML was built with it: 14x faster on a guide of 800 standards
#: (0.38 s -> 0.03 s), with the same nodes and marks (line, column and index in characters)
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _compose(text: str) -> yaml.Node | None:
    """The document's node graph. A document libyaml refuses is composed again by PyYAML's
    own composer, whose error messages (and recursion on runaway nesting) the error
    handling above relies on."""
    try:
        node: yaml.Node | None = yaml.compose(text, Loader=_FAST_LOADER)
    except yaml.YAMLError:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    return node


def scalar_columns(raw: str, style: str | None, start: int) -> tuple[int, ...] | None:
    """Columns of each character of a scalar's value in its source line (escapes counted).

    ``raw`` is the scalar's source text starting at column ``start``; the result has one entry
    per value character plus one for the end. None for block scalars.
    """
    if not style:
        value = raw.rstrip()
        return tuple(start + i for i in range(len(value) + 1))
    if style not in ('"', "'"):
        return None
    cols: list[int] = []
    i = 1
    while i < len(raw) - 1:
        cols.append(start + i)
        if style == "'" and raw[i : i + 2] == "''":
            i += 2
        elif style == '"' and raw[i] == "\\":
            i += {"x": 4, "u": 6, "U": 10}.get(raw[i + 1 : i + 2], 2)
        else:
            i += 1
    cols.append(start + i)
    return tuple(cols)


class _Builder:
    """Turn a composed YAML node graph into Python data, recording positions."""

    def __init__(self, path: str, text: str = "") -> None:
        self.text = text
        self.columns: dict[YamlPath, tuple[int, ...]] = {}
        self.path = path
        self.marks: dict[YamlPath, tuple[Location, Location | None, str | None]] = {}
        self.count = 0
        self.scalars = yaml.SafeLoader("")

    def loc(self, node: yaml.Node) -> Location:
        return Location(self.path, node.start_mark.line + 1, node.start_mark.column + 1)

    def dash_before(self, node: yaml.Node) -> Location | None:
        """The "-" introducing a block sequence item, skipping blanks and comments."""
        lines = self.text[: node.start_mark.index].split("\n")
        for back, line in enumerate(reversed(lines)):
            code = line.split("#", 1)[0].rstrip() if back else line.rstrip()
            if not code.strip():
                continue
            if code.strip() == "-" or (back == 0 and code.strip().endswith("-")):
                return Location(self.path, len(lines) - back, code.rindex("-") + 1)
            return None
        return None

    def scalar(self, node: yaml.Node) -> Any:
        """A plain scalar's value; a number too long to be one is an error, not a crash."""
        try:
            return self.scalars.construct_object(node)
        except ValueError:  # int() refuses more than 4,300 digits
            raise SvcauditError(
                f"the number starting {str(node.value)[:20]}... is too large",
                location=self.loc(node),
                hint="limits and targets are ordinary numbers",
            ) from None

    def build(self, node: yaml.Node, at: YamlPath, depth: int, key: Location | None = None) -> Any:
        self.count += 1
        if depth > MAX_DEPTH:
            raise SvcauditError(
                "the standards file is nested too deeply",
                location=self.loc(node),
                hint="standards files are a few levels deep; look for runaway brackets",
            )
        if self.count > MAX_NODES:
            raise SvcauditError(
                "the standards file is too large (aliases expanding?)",
                location=self.loc(node),
                hint="standards files are small; remove anchors and aliases",
            )
        if node.tag not in _PLAIN_TAGS:
            raise SvcauditError(
                f"YAML tag '{node.tag}' is not allowed",
                location=self.loc(node),
                hint="standards files hold plain values only; remove the !tag",
            )
        # a plain scalar's style is None from PyYAML's composer, "" from libyaml's
        style = (node.style or None) if isinstance(node, yaml.ScalarNode) else None
        self.marks[at] = (self.loc(node), key, style)
        if isinstance(node, yaml.ScalarNode) and node.start_mark.line == node.end_mark.line:
            raw = self.text[node.start_mark.index : node.end_mark.index]
            cols = scalar_columns(raw, node.style, node.start_mark.column + 1)
            if cols is not None:
                self.columns[at] = cols
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise SvcauditError("keys must be plain names", location=self.loc(key_node))
                k = self.scalar(key_node)
                if not isinstance(k, str | int):
                    k = str(k)
                if k in result:
                    first = self.marks[(*at, k)][1]
                    raise SvcauditError(
                        f"duplicate key '{k}'",
                        location=self.loc(key_node),
                        hint=f"'{k}' is already set at line {first.line if first else '?'}; "
                        "YAML would silently keep only the last one",
                    )
                result[k] = self.build(value_node, (*at, k), depth + 1, self.loc(key_node))
            return result
        if isinstance(node, yaml.SequenceNode):
            items = [self.build(item, (*at, i), depth + 1) for i, item in enumerate(node.value)]
            for i, item in enumerate(node.value):
                dash = self.dash_before(item)
                if dash is not None:  # a block item starts at its "-", not at its first key
                    self.marks[(*at, i)] = (dash, *self.marks[(*at, i)][1:])
            return items
        value = self.scalar(node)
        return value if isinstance(value, str | int | float | bool) or value is None else str(value)


def _validation_error(
    error: ValidationError,
    path: str,
    marks: dict[YamlPath, tuple[Location, Location | None, str | None]],
    data: dict[str, Any],
) -> SvcauditError:
    details = error.errors()
    # A list whose items failed also reports "too short"; the item errors are the real news.
    specific = [d for d in details if d["type"] != "too_short"]
    details = sorted(specific or details, key=lambda d: _line_of(d, marks))
    first = _one_error(details[0], path, marks, data)
    if len(details) > 1:
        first.message += f" (and {len(details) - 1} more problem(s) in this file)"
    return first


def _line_of(
    detail: ErrorDetails, marks: dict[YamlPath, tuple[Location, Location | None, str | None]]
) -> int:
    loc = _nearest(tuple(detail["loc"]), marks)
    return loc.line or 0 if loc else 0


def _nearest(
    at: YamlPath, marks: dict[YamlPath, tuple[Location, Location | None, str | None]]
) -> Location | None:
    while at not in marks and at:
        at = at[:-1]
    return marks[at][0] if at in marks else None


def _one_error(
    detail: ErrorDetails,
    path: str,
    marks: dict[YamlPath, tuple[Location, Location | None, str | None]],
    data: dict[str, Any],
) -> SvcauditError:
    at: YamlPath = tuple(detail["loc"])
    kind = detail["type"]
    ctx = detail.get("ctx") or {}
    where = _describe(at, data)
    if kind == "extra_forbidden":
        key = str(at[-1])
        parent = at[:-1]
        key_loc = marks.get(at, (None, None, None))[1] or _nearest(at, marks)
        allowed = _allowed_keys(parent)
        hint = did_you_mean(key, allowed)
        if key.lower() in _SYNONYMS and _SYNONYMS[key.lower()] in allowed:
            hint = f"did you mean '{_SYNONYMS[key.lower()]}'?"
        if hint is None:
            hint = "allowed keys: " + ", ".join(allowed)
        message = f"unknown key '{key}'{where.replace(' of ', ' in ', 1)}"
        return SvcauditError(message, location=key_loc, hint=hint)
    if kind == "missing":
        key = str(at[-1])
        return SvcauditError(
            f"missing required key '{key}'{_describe(at[:-1], data).replace(' of ', ' in ', 1)}",
            location=_nearest(at[:-1], marks) or Location(path, 1, 1),
            hint=_missing_hint(key),
        )
    if "key" in ctx:
        at = (*at, str(ctx["key"]))
    loc = _nearest(at, marks) or Location(path)
    message = detail["msg"].removeprefix("Value error, ")
    hint = ctx.get("hint")
    if kind == "literal_error" and at == ("svcaudit",):
        message = f"unsupported format version {detail['input']!r}"
        hint = "this svcaudit reads `svcaudit: 1`"
    elif kind == "string_pattern_mismatch" and at[-1] == "id":
        message = f"standard id {detail['input']!r} is not allowed"
        hint = "use lower-case letters, digits and '-', e.g. greet-60s"
    elif kind == "enum":
        message = f"{detail['input']!r} is not allowed for `{at[-1]}`"
        hint = f"use one of: {ctx.get('expected', '')}"
    elif kind not in {
        "duration",
        "percent",
        "rule",
        "threshold",
        "time_zone",
        "field_name",
        "limits",
        "calendar",
    }:
        message = f"`{at[-1]}`{where}: {message}"
    return SvcauditError(message, location=loc, hint=str(hint) if hint else None)


def _describe(at: YamlPath, data: dict[str, Any]) -> str:
    if len(at) >= 2 and at[0] == "standards" and isinstance(at[1], int):
        items = data.get("standards")
        item = items[at[1]] if isinstance(items, list) and at[1] < len(items) else None
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            return f" of standard '{item['id']}'"
        return f" of standard #{at[1] + 1}"
    return ""


def _allowed_keys(parent: YamlPath) -> list[str]:
    if not parent:
        return list(StandardsFile.model_fields)
    if parent[0] == "standards" and len(parent) == 2:
        return list(Standard.model_fields)
    return list(Consistency.model_fields)


def _missing_hint(key: str) -> str:
    hints = {
        "svcaudit": "start the file with `svcaudit: 1` (the format version)",
        "standards": "add a `standards:` list",
        "id": "give the standard an id such as greet-60s",
        "title": "give the standard a one-line title a person can read",
    }
    return hints.get(key, f"add `{key}:`")


def _rules(
    spec: StandardsFile,
    path: str,
    marks: dict[YamlPath, tuple[Location, Location | None, str | None]],
    scalar_cols: dict[YamlPath, tuple[int, ...]],
) -> tuple[list[Rule], dict[str, ParsedExpression]]:
    def parsed(at: YamlPath, text: str | None, what: str) -> ParsedExpression | None:
        if text is None:
            return None
        loc, _, _style = marks.get(at, (Location(path), None, None))
        cols = scalar_cols.get(at)
        columns = cols if cols is not None and len(cols) == len(text) + 1 else None
        try:
            tree = parse_expression(text)
        except ExpressionError as e:
            raise located_error(e, text, loc, columns, what=what) from None
        return ParsedExpression(text, tree, loc, columns)

    fields: dict[str, ParsedExpression] = {}
    for name, text in spec.fields.items():
        expr = parsed(("fields", name), text, f"field '{name}'")
        assert expr is not None
        fields[name] = expr
    calendars = {name: cal.spec(name, spec.time_zone) for name, cal in spec.calendars.items()}
    columns: dict[str, ParsedExpression] = {}
    for name, text in spec.columns.items():
        expr = parsed(("columns", name), text, f"column '{name}'")
        assert expr is not None
        columns[name] = expr
    rules: list[Rule] = []
    for i, std in enumerate(spec.standards):
        base = ("standards", i)
        positions = {
            key: marks[(*base, key)][0] for key in Standard.model_fields if (*base, key) in marks
        }
        positions[""] = marks[base][0]
        rules.append(
            Rule(
                standard=std,
                path=path,
                when=parsed((*base, "when"), std.when, f"`when` of '{std.id}'"),
                measure=parsed((*base, "measure"), std.measure, f"`measure` of '{std.id}'"),
                check=parsed((*base, "check"), std.check, f"`check` of '{std.id}'"),
                fields=fields,
                positions=positions,
                consistency=(spec.consistency or Consistency()).merged(std.consistency),
                by=parsed((*base, "by"), std.by, f"`by` of '{std.id}'"),
                calendars=calendars,
                branch=spec.branch,
            )
        )
    return rules, columns
