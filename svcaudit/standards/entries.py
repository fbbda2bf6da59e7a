"""`columns:` entries from outside a standards file: the config file's ``columns:`` and
``--map``, read with the standards file's own schema (an expression, or a declaration with
``source``, ``type``, ``format``, ``unit``, ``null``, ``true``/``false``, ``time_zone``).

``--map LOGICAL=SOURCE`` renames; ``--map 'LOGICAL={source: SOURCE, format: "%d/%m/%Y"}'``
gives a declaration, the mapping written in YAML's flow style (the keys of a `columns:` entry).
Errors point at the option, with a caret under the culprit; in a config file, at its file,
line and column.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from svcaudit.errors import Location, SvcauditError
from svcaudit.expressions.errors import caret_line
from svcaudit.standards.declarations import ColumnDeclaration
from svcaudit.standards.model import ColumnEntry, plain_names
from svcaudit.standards.validation import validation_error
from svcaudit.standards.yaml_reader import Marks, read_yaml

#: where a ``--map`` entry comes from: every one of them is applied at once
MAP_OPTION = "--map"


@dataclass(frozen=True)
class ColumnEntryAt:
    """One `columns:` entry and where it was written (``origin``: the standards file, the
    config file or ``--map``)."""

    name: str
    entry: str | ColumnDeclaration  # an expression's text, or a declaration
    location: Location
    origin: str
    keys: Mapping[str, Location] = field(default_factory=dict)  # each declaration key's place
    plain: bool = False  # ``--map LOGICAL=SOURCE``: a rename only


class _Columns(BaseModel):
    """A ``columns:`` mapping alone, validated as the standards file's."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    columns: dict[str, ColumnEntry]

    @field_validator("columns")
    @classmethod
    def _names(cls, value: dict[str, Any]) -> dict[str, Any]:
        return plain_names(value, "column", at_key=True)


def config_columns(data: Any, path: str, marks: Marks, origin: str) -> dict[str, ColumnEntryAt]:
    """A config file's ``columns:`` (``data``), its errors at ``path``'s lines and columns
    (``marks``: positions keyed from the file's top, as ``("columns", name, key)``)."""
    if not isinstance(data, dict):
        where = marks.get(("columns",), (Location(path), None, None))[0]
        raise SvcauditError(
            "config key 'columns' must be a mapping of column: entry",
            location=where,
            hint="the same entries as a standards file's columns:, e.g. "
            "arrived_at: {source: Created, format: '%d/%m/%Y %H:%M'}",
        )
    try:
        valid = _Columns.model_validate({"columns": data})
    except ValidationError as e:
        raise validation_error(e, path, marks, {"columns": data}) from None
    out: dict[str, ColumnEntryAt] = {}
    for name, entry in valid.columns.items():
        at = marks.get(("columns", name), (Location(path), None, None))[0]
        keys = {
            k: marks[("columns", name, k)][0]
            for k in ColumnDeclaration.model_fields
            if ("columns", name, k) in marks
        }
        out[name] = ColumnEntryAt(name, entry, at, origin, keys)
    return out


def map_entry(spec: str) -> ColumnEntryAt:
    """One ``--map`` option: ``LOGICAL=SOURCE`` (a rename) or ``LOGICAL={YAML flow mapping}``
    (a declaration)."""
    logical, sep, value = spec.partition("=")
    logical, value = logical.strip(), value.strip()
    if not sep or not logical or not value:
        raise SvcauditError(
            f"--map '{spec}' needs LOGICAL=SOURCE or LOGICAL={{source: ..., format: ...}}",
            location=Location(MAP_OPTION),
            hint="e.g. --map arrived_at=created_on",
        )
    where = Location(f"{MAP_OPTION} {logical}")
    if not value.startswith("{"):
        decl = ColumnDeclaration(source=value)
        return ColumnEntryAt(logical, decl, where, MAP_OPTION, {"source": where}, plain=True)
    start = spec.index(value)
    try:
        doc = read_yaml(value, MAP_OPTION)
        valid = _Columns.model_validate({"columns": {logical: doc.data}})
    except SvcauditError as e:
        raise _at_option(e, spec, start, where) from None
    except ValidationError as e:
        marks = {("columns", logical, *k): v for k, v in doc.marks.items()}
        raise _at_option(validation_error(e, MAP_OPTION, marks, {}), spec, start, where) from None
    entry = valid.columns[logical]
    if not isinstance(entry, ColumnDeclaration):
        raise SvcauditError(
            f"--map {logical}: the value is not a mapping of declaration keys",
            location=where,
            hint="write LOGICAL=SOURCE, or LOGICAL={source: SOURCE, format: ...}",
        )
    keys = dict.fromkeys(entry.model_fields_set, where)
    return ColumnEntryAt(logical, entry, where, MAP_OPTION, keys)


def _at_option(error: SvcauditError, spec: str, start: int, where: Location) -> SvcauditError:
    """An error found in a ``--map`` option's YAML, at the option, with a caret under the
    place in the option's text."""
    loc = error.location
    col = start + (loc.column - 1 if loc and loc.column and loc.line == 1 else 0)
    message = error.message.replace("`columns.", "`")
    detail = caret_line(spec, (col, col + 1))
    return SvcauditError(message, location=where, hint=error.hint, detail=detail)


__all__ = ["MAP_OPTION", "ColumnEntryAt", "config_columns", "map_entry"]
