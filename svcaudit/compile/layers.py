"""The `columns:` of an audit from three places: the standards files, the config file's
``columns:`` and ``--map``, each with the same schema.

Precedence is **per column and per key**: for one entry name, the command line's keys win
over the config file's, whose keys win over the standards file's; the keys a higher place
does not give are kept from below (``--map 'arrived_at={time_zone: America/New_York}'`` keeps
the standards file's ``source`` and ``format`` for ``arrived_at``). An expression replaces the
entry whole, wherever it is written; below a declaration, an expression that names one column
(``arrived_at: "`Created Date`"``) counts as ``{source: Created Date}``. ``--map LOGICAL=SOURCE``
is ``{source: SOURCE}``. The merged declaration is checked again (``format:`` from the file and
``type: text`` from the command line is an error at the command line).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import duckdb
from pydantic import ValidationError

from svcaudit.columns import LOGICAL_COLUMNS, MAP_LOCATION, check_zones, column_readings
from svcaudit.errors import Location, SvcauditError
from svcaudit.expressions.errors import ExpressionError
from svcaudit.expressions.nodes import Name
from svcaudit.expressions.parser import parse_expression
from svcaudit.expressions.types import Kind
from svcaudit.sources import Logs
from svcaudit.standards.declarations import ColumnDeclaration
from svcaudit.standards.entries import MAP_OPTION, ColumnEntryAt, map_entry
from svcaudit.standards.loader import Declared, ParsedExpression, StandardsSet, located_error

STANDARDS = "the standards file"


@dataclass(frozen=True)
class ColumnSet:
    """The audit's logical columns and column declarations, all places merged."""

    expressions: dict[str, ParsedExpression]  # name -> its expression over the log's columns
    declared: dict[str, Declared]  # source column -> how it is read


def layered_columns(
    standards: StandardsSet, config: Mapping[str, ColumnEntryAt], maps: Sequence[str]
) -> ColumnSet:
    """The standards files' `columns:`, then the config file's, then ``--map``, merged."""
    from_map = _map_entries(maps)
    own = _standards_layer(standards)
    expressions: dict[str, ParsedExpression] = {}
    declared: dict[str, Declared] = {}
    for name in dict.fromkeys([*own, *config, *from_map]):
        result: ColumnEntryAt | None = None
        for layer in (own, config, from_map):
            entry = layer.get(name)
            if entry is not None:
                result = entry if result is None else _merge(result, entry)
        assert result is not None
        if result is own.get(name):  # the standards file's entry as it is
            if name in standards.columns:
                expressions[name] = standards.columns[name]
            declared.update({s: d for s, d in standards.declared.items() if d.name == name})
            continue
        _add(result, expressions, declared)
    _one_timestamp_per_column(from_map, expressions)
    return ColumnSet(expressions, declared)


def _map_entries(maps: Sequence[str]) -> dict[str, ColumnEntryAt]:
    """Every ``--map``, one per name (the same one twice is harmless)."""
    out: dict[str, ColumnEntryAt] = {}
    for spec in maps:
        entry = map_entry(spec)
        earlier = out.get(entry.name)
        if earlier is not None and earlier.entry != entry.entry:
            raise SvcauditError(
                f"--map maps '{entry.name}' twice: to {_shown(earlier)} and to {_shown(entry)}",
                location=MAP_LOCATION,
                hint=f"give --map {entry.name}=... once",
            )
        out[entry.name] = entry
    return out


def _shown(entry: ColumnEntryAt) -> str:
    decl = entry.entry
    if isinstance(decl, ColumnDeclaration) and entry.plain:
        return f"'{decl.source}'"
    return str(decl) if isinstance(decl, str) else "{" + _keys(decl) + "}"


def _keys(decl: ColumnDeclaration) -> str:
    return ", ".join(f"{k}: {getattr(decl, k)}" for k in sorted(decl.model_fields_set))


def _standards_layer(standards: StandardsSet) -> dict[str, ColumnEntryAt]:
    """The standards files' entries by name: declarations, and expressions (one that names
    a single column is a rename, which a declaration above it can add keys to)."""
    out: dict[str, ColumnEntryAt] = {}
    for d in standards.declared.values():
        keys = {k: d.location for k in d.declaration.model_fields_set}
        if d.zone_location is not None:
            keys["time_zone"] = d.zone_location
        out[d.name] = ColumnEntryAt(d.name, d.declaration, d.location, STANDARDS, keys)
    for name, parsed in standards.columns.items():
        if name in out:
            continue
        if isinstance(parsed.tree, Name):
            rename = ColumnDeclaration(source=parsed.tree.name)
            keys = {"source": parsed.location}
            out[name] = ColumnEntryAt(name, rename, parsed.location, STANDARDS, keys, plain=True)
        else:
            out[name] = ColumnEntryAt(name, parsed.text, parsed.location, STANDARDS)
    return out


def _merge(lower: ColumnEntryAt, upper: ColumnEntryAt) -> ColumnEntryAt:
    """``upper``'s keys over ``lower``'s (an expression on either side: ``upper`` whole)."""
    low, high = lower.entry, upper.entry
    if isinstance(low, str) or isinstance(high, str):
        return upper
    data = {k: _plain(getattr(low, k)) for k in low.model_fields_set}
    data.update({k: _plain(getattr(high, k)) for k in high.model_fields_set})
    try:
        merged = ColumnDeclaration.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        hint = (first.get("ctx") or {}).get("hint")
        raise SvcauditError(
            f"column '{upper.name}': {first['msg']} (its other keys are at {lower.location})",
            location=upper.location,
            hint=str(hint) if hint else None,
        ) from None
    keys = {**lower.keys, **upper.keys}
    return ColumnEntryAt(
        upper.name, merged, upper.location, upper.origin, keys, lower.plain and upper.plain
    )


def _plain(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


def _add(
    entry: ColumnEntryAt,
    expressions: dict[str, ParsedExpression],
    declared: dict[str, Declared],
) -> None:
    """One merged entry: its expression (a rename for a declaration naming another column)
    and its declaration, refused where another name declares the same column otherwise."""
    name, decl = entry.name, entry.entry
    if isinstance(decl, str):
        try:
            expressions[name] = ParsedExpression(decl, parse_expression(decl), entry.location, None)
        except ExpressionError as e:
            raise located_error(e, decl, entry.location, None, what=f"column '{name}'") from None
        return
    source = decl.source or name
    if source != name:
        at = entry.keys.get("source", entry.location)
        by_map = at.path.startswith(MAP_OPTION)  # applied with the other --map at once
        text = "`" + source.replace("`", "``") + "`"
        expressions[name] = ParsedExpression(
            text, parse_expression(text), MAP_LOCATION if by_map else at, None
        )
    if entry.plain and decl.model_fields_set <= {"source"}:
        return  # a rename only: the column is checked where it is used
    zone = entry.keys.get("time_zone") if decl.time_zone is not None else None
    found = Declared(name, source, decl, entry.location, zone)
    earlier = declared.setdefault(source, found)
    if earlier.declaration != decl:
        raise SvcauditError(
            f"column '{source}' is declared differently for '{earlier.name}' and '{name}'",
            location=entry.location,
            hint=f"the other declaration is at {earlier.location}",
        )


def _one_timestamp_per_column(
    from_map: Mapping[str, ColumnEntryAt], expressions: Mapping[str, ParsedExpression]
) -> None:
    """Two logical timestamps (or durations) read from one column by ``--map`` make every
    interval between them 0: refused."""
    for kind in (Kind.TIMESTAMP, Kind.DURATION):
        by_source: dict[str, list[str]] = {}
        for name in from_map:
            parsed = expressions.get(name)
            if LOGICAL_COLUMNS.get(name) != kind or parsed is None:
                continue
            if isinstance(parsed.tree, Name):
                by_source.setdefault(parsed.tree.name, []).append(name)
        for source, names in by_source.items():
            if len(names) > 1:
                raise SvcauditError(
                    f"--map reads {' and '.join(repr(n) for n in names)} from one column "
                    f"'{source}': every {kind.value} between them would be 0",
                    location=Location(MAP_OPTION),
                    hint="map each to the column that records it",
                )


def declared_schema(
    logs: Logs,
    con: duckdb.DuckDBPyConnection,
    standards: StandardsSet,
    config: Mapping[str, ColumnEntryAt],
    maps: Sequence[str],
) -> tuple[ColumnSet, dict[str, str]]:
    """The audit's columns (``layered_columns``) and the logs' schema with the declared
    columns read as declared (each declared zone checked against its column)."""
    cols = layered_columns(standards, config, maps)
    schema = logs.declare(con, column_readings(cols.declared, logs.schema(con)))
    check_zones(cols.declared, logs.zone_problem)
    return cols, schema


__all__ = ["ColumnSet", "declared_schema", "layered_columns"]
