"""Load standards files: YAML with positions, validated models, parsed expressions.

The YAML is read with every value's position (``yaml_reader``), validated by the pydantic
models (``model``; errors located by ``validation``), and its expressions parsed here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from svcaudit.errors import Location, SvcauditError
from svcaudit.expressions.calendars import CalendarSpec
from svcaudit.expressions.errors import ExpressionError, caret_line
from svcaudit.expressions.nodes import Node
from svcaudit.expressions.parser import parse_expression
from svcaudit.standards.checklist import Checklist
from svcaudit.standards.declarations import ColumnDeclaration
from svcaudit.standards.model import Consistency, Fold, Standard, StandardsFile
from svcaudit.standards.spc_model import PeriodUnit, Spc
from svcaudit.standards.validation import validation_error
from svcaudit.standards.yaml_reader import Marks, YamlPath, read_yaml
from svcaudit.textfiles import MAX_STANDARDS_BYTES, read_bounded


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
    spc: Spc = field(default_factory=Spc)
    by: ParsedExpression | None = None  # the category column of limits per category
    calendars: Mapping[str, CalendarSpec] = field(default_factory=dict)
    branch: str = "branch"

    def location(self, key: str = "") -> Location:
        """Where ``key`` of this standard is (the standard itself for ``""``)."""
        return self.positions.get(key) or self.positions[""]


@dataclass(frozen=True)
class Declared:
    """A column declaration (`columns:` as a mapping) and where it is written."""

    name: str  # the entry's name (a logical column, or the source column itself)
    source: str  # the log's column it reads
    declaration: ColumnDeclaration
    location: Location
    zone_location: Location | None = None  # where its `time_zone:` is written


def declarations(spec: StandardsFile, path: str, marks: Marks) -> dict[str, Declared]:
    """A file's column declarations by the source column they read."""
    out: dict[str, Declared] = {}
    for name, entry in spec.columns.items():
        if isinstance(entry, ColumnDeclaration):
            source = entry.source or name
            loc = marks.get(("columns", name), (Location(path), None, None))[0]
            zone = marks.get(("columns", name, "time_zone"), (None, None, None))[0]
            out[source] = Declared(name, source, entry, loc, zone)
    return out


@dataclass(frozen=True)
class LoadedChecklist:
    """A file's ``checklist:`` with where it and each item are in the file."""

    checklist: Checklist
    path: str
    location: Location
    items: Mapping[str, Location]  # item id -> its place in the file


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
    declared: Mapping[str, Declared] = field(default_factory=dict)  # source column -> how read
    period: PeriodUnit | None = None  # the first file's `period:`
    checklists: tuple[LoadedChecklist, ...] = ()  # the files' `checklist:` sections
    fold: FoldSpec | None = None  # an event log's fold (``fold:``)


@dataclass(frozen=True)
class FoldSpec:
    """A ``fold:`` and where it is written."""

    fold: Fold
    location: Location


def _merge_declared(declared: dict[str, Declared], more: Mapping[str, Declared]) -> None:
    """Another file's column declarations; one column declared two ways is an error."""
    for source, d in more.items():
        earlier = declared.setdefault(source, d)
        if earlier.declaration != d.declaration:
            raise SvcauditError(
                f"column '{source}' is declared differently in two standards files",
                location=d.location,
                hint=f"it is declared at {earlier.location}",
            )


def load_standards(paths: Sequence[str | Path]) -> StandardsSet:
    """Load, validate and combine standards files; raise SvcauditError on the first problem."""
    if not paths:
        raise SvcauditError("no standards file given", hint="pass one with -s standards.yaml")
    files: list[StandardsFile] = []
    rules: list[Rule] = []
    seen: dict[str, Rule] = {}
    columns: dict[str, ParsedExpression] = {}
    declared: dict[str, Declared] = {}
    checklists: list[LoadedChecklist] = []
    folds: list[FoldSpec] = []
    for p in paths:
        spec, rule_list, file_columns, file_declared, fold, checklist = load_file(p)
        files.append(spec)
        _merge_declared(declared, file_declared)
        if fold is not None:
            if folds and folds[0].fold != fold.fold:
                raise SvcauditError(
                    "`fold:` differs from the one in another standards file",
                    location=fold.location,
                    hint=f"the other is at {folds[0].location}; audited together, they must agree",
                )
            folds.append(fold)
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
        if checklist is not None:
            _unique_checklist(checklist, checklists, seen)
            checklists.append(checklist)
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
        declared=declared,
        period=first_file.period,
        checklists=tuple(checklists),
        fold=folds[0] if folds else None,
    )


def _unique_checklist(
    new: LoadedChecklist, earlier: Sequence[LoadedChecklist], rules: Mapping[str, Rule]
) -> None:
    """A checklist's id and item ids are unique among the audit's checklists and standards."""
    for other in earlier:
        if other.checklist.id == new.checklist.id:
            raise SvcauditError(
                f"checklist id '{new.checklist.id}' is used twice",
                location=new.location,
                hint=f"first used at {other.location}",
            )
        for item in new.checklist.items:
            if item.id in other.items:
                raise SvcauditError(
                    f"item id '{item.id}' is used twice",
                    location=new.items[item.id],
                    hint=f"first used at {other.items[item.id]}",
                )
    for item in new.checklist.items:
        if item.id in rules:
            raise SvcauditError(
                f"item id '{item.id}' is also a standard's id",
                location=new.items[item.id],
                hint=f"the standard is at {rules[item.id].location('id')}; ids must be unique",
            )


def load_file(
    path: str | Path,
) -> tuple[
    StandardsFile,
    list[Rule],
    dict[str, ParsedExpression],
    dict[str, Declared],
    FoldSpec | None,
    LoadedChecklist | None,
]:
    """Load one standards file into its model and rules."""
    name = str(path)
    try:
        text = read_bounded(
            path, what="standards file", limit=MAX_STANDARDS_BYTES, encoding="utf-8-sig"
        )
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
        raise validation_error(e, name, marks, data) from None
    fold = None
    if spec.fold is not None:
        fold = FoldSpec(spec.fold, marks.get(("fold",), (Location(name), None, None))[0])
    rules, columns = _rules(spec, name, marks, doc.columns)
    declared = declarations(spec, name, marks)
    return spec, rules, columns, declared, fold, _checklist(spec, name, marks)


def _checklist(spec: StandardsFile, path: str, marks: Marks) -> LoadedChecklist | None:
    """The file's checklist with the places of its items."""
    if spec.checklist is None:
        return None
    items: dict[str, Location] = {}
    for s, section in enumerate(spec.checklist.sections):
        for i, item in enumerate(section.items):
            at: YamlPath = ("checklist", "sections", s, "items", i)
            items[item.id] = marks[at][0] if at in marks else Location(path)
    place = marks.get(("checklist",), (Location(path), None, None))[0]
    return LoadedChecklist(spec.checklist, path, place, items)


def _rules(
    spec: StandardsFile,
    path: str,
    marks: Marks,
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
    for name, entry in spec.columns.items():
        if isinstance(entry, ColumnDeclaration):  # a source column renamed: `source` as it is
            if entry.source is None or entry.source == name:
                continue
            text = "`" + entry.source.replace("`", "``") + "`"
            loc = marks.get(("columns", name, "source"), (Location(path), None, None))[0]
            columns[name] = ParsedExpression(text, parse_expression(text), loc, None)
            continue
        expr = parsed(("columns", name), entry, f"column '{name}'")
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
                spc=(spec.spc or Spc()).merged(std.spc),
                by=parsed((*base, "by"), std.by, f"`by` of '{std.id}'"),
                calendars=calendars,
                branch=spec.branch,
            )
        )
    return rules, columns
