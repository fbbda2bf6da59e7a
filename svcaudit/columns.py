"""Names in expressions: a log's columns, unit-suffixed durations, fields and mappings.

Resolvers turn a name into typed SQL. They stack: the log's own columns at the bottom
(``LogResolver``), then the columns a profile cannot have (``UnavailableResolver``), then the
logical columns a profile or ``--map`` defines and a standards file's ``fields:``
(``FieldResolver``). ``LogicalResolver`` stands in for a log when only a standards file is
validated.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from sqlglot import exp

from svcaudit.errors import Location, SvcauditError, did_you_mean
from svcaudit.expressions.compile import Context, Resolver, compile_expression
from svcaudit.expressions.errors import ExpressionError, UnusableColumnError
from svcaudit.expressions.nodes import Name
from svcaudit.expressions.types import Kind, Typed, kind_of_sql_type
from svcaudit.sources.readers import target_type
from svcaudit.sources.values import ColumnReading, text_column
from svcaudit.standards.loader import Declared, ParsedExpression

# A number column whose name ends so is read as a duration in that unit: `hold_seconds` is `hold`.
UNIT_SUFFIXES: dict[str, int] = {
    "_ms": 1,
    "_millis": 1,
    "_milliseconds": 1,
    "_s": 1000,
    "_sec": 1000,
    "_secs": 1000,
    "_seconds": 1000,
    "_min": 60_000,
    "_mins": 60_000,
    "_minutes": 60_000,
    "_h": 3_600_000,
    "_hours": 3_600_000,
}

# The logical columns of the design, with their kinds (used when no log is at hand).
LOGICAL_COLUMNS: dict[str, Kind] = {
    "id": Kind.STRING,
    "branch": Kind.STRING,
    "channel": Kind.STRING,
    "agent": Kind.STRING,
    "priority": Kind.STRING,
    "arrived_at": Kind.TIMESTAMP,
    "queued_at": Kind.TIMESTAMP,
    "answered_at": Kind.TIMESTAMP,
    "ended_at": Kind.TIMESTAMP,
    "wait": Kind.DURATION,
    "hold": Kind.DURATION,
    "longest_hold": Kind.DURATION,
    "holds": Kind.NUMBER,
    "talk": Kind.DURATION,
    "after_work": Kind.DURATION,
    "abandoned": Kind.BOOLEAN,
    "first_reply_at": Kind.TIMESTAMP,
    "resolved_at": Kind.TIMESTAMP,
    "first_reply": Kind.DURATION,
    "resolution": Kind.DURATION,
}


def column_readings(
    declared: Mapping[str, Declared], schema: Mapping[str, str]
) -> dict[str, ColumnReading]:
    """The declarations of `columns:` for the readers; one over a column the log does not
    have is an error at the declaration."""
    out: dict[str, ColumnReading] = {}
    for source, d in declared.items():
        if source not in schema:
            hint = did_you_mean(source, list(schema)) or f"columns: {', '.join(list(schema)[:12])}"
            raise SvcauditError(
                f"`columns:` declares how to read the log's column '{source}', which the log "
                "does not have",
                location=d.location,
                hint=hint + ("; name it with `source:`" if d.declaration.source is None else ""),
            )
        decl = d.declaration
        out[source] = ColumnReading(
            type=decl.read_as.sql if decl.types_it or decl.type is not None else None,
            format=decl.format,
            nulls=decl.null,
            true_words=decl.true or (),
            false_words=decl.false or (),
            time_zone=decl.time_zone,
        )
    return out


def check_zones(declared: Mapping[str, Declared], problem: Callable[[str], str | None]) -> None:
    """Every declared ``time_zone:`` applies to its column as the log holds it (``problem``
    says why not: text, numbers, Unix times, a file's own instants): else an error at it."""
    for source, d in declared.items():
        if d.declaration.time_zone is None:
            continue
        why = problem(source)
        if why is not None:
            raise SvcauditError(
                f"`time_zone: {d.declaration.time_zone}` cannot apply to column '{source}': "
                f"{why}",
                location=d.zone_location or d.location,
                hint="a time zone is for timestamps written without an offset: remove it, or "
                "give the column a `format:` that reads its timestamps",
            )


def column_units(declared: Mapping[str, Declared]) -> dict[str, int]:
    """Number columns declared with a `unit:`: source column -> milliseconds per unit."""
    return {s: d.declaration.unit.ms for s, d in declared.items() if d.declaration.unit}


#: The most nodes an expression may have once the fields it uses are written out in full. Fields
#: are compiled once and shared, but the SQL repeats them: `f1: f0 + f0` ... `f39: f38 + f38`
#: is 40 lines and 2^40 nodes. The largest standard in the shipped guides has a few hundred.
MAX_EXPANDED_NODES = 50_000


def sql_shape(root: exp.Expr) -> tuple[int, int]:
    """(height, expanded node count) of a sqlglot tree whose subtrees may be shared, in time
    linear in its distinct nodes (a shared subtree is measured once, counted every time)."""
    shapes: dict[int, tuple[int, int]] = {}
    stack: list[tuple[exp.Expr, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in shapes:
            continue
        children = list(node.iter_expressions())
        if not done:
            stack.append((node, True))
            stack += [(c, False) for c in children if id(c) not in shapes]
            continue
        kids = [shapes[id(c)] for c in children]
        shapes[id(node)] = (1 + max((h for h, _ in kids), default=0), 1 + sum(n for _, n in kids))
    return shapes[id(root)]


def check_expanded_size(
    tree: exp.Expr, parsed: ParsedExpression, what: str, size: int | None = None
) -> None:
    """Refuse an expression (or field) whose expanded SQL would be too large to run
    (``size``: its expanded node count, when measured already)."""
    size = sql_shape(tree)[1] if size is None else size
    if size > MAX_EXPANDED_NODES:
        raise SvcauditError(
            f"{what} grows to {size:,} terms once the fields it uses are written out "
            f"(at most {MAX_EXPANDED_NODES:,})",
            location=parsed.location,
            hint="a field used twice is written out twice; fields that double each other "
            "grow exponentially: simplify the chain",
        )


def _nested(sql_type: str) -> bool:
    """Whether a DuckDB type is a struct, list, array, map or union."""
    t = sql_type.upper()
    return t.startswith(("STRUCT", "MAP", "UNION")) or t.endswith("]")


#: Where a ``--map`` rename of a mapping comes from (``compile.layers``): all apply at once
MAP_LOCATION = Location("--map")


class LogResolver:
    """Names of a log's columns, noting which ones (and as what type) the standards use."""

    def __init__(
        self,
        schema: Mapping[str, str],
        origin: str = "the log",
        notes: Mapping[str, str] | None = None,
        units: Mapping[str, int] | None = None,
    ) -> None:
        self.schema = dict(schema)
        self.needed: dict[str, str] = {}
        self.origin = origin
        self.notes = dict(notes or {})
        self.units = dict(units or {})  # number columns declared durations: ms per unit

    def resolve(self, name: str) -> Typed | None:
        """A column as it is, or ``name_seconds`` (and other unit suffixes) as a duration."""
        if name in self.schema:
            if _nested(self.schema[name]):
                raise UnusableColumnError(
                    f"column '{name}' holds nested data ({self.schema[name][:60]}), "
                    "not a value to compare",
                    "flatten the export first, or use a column with text, numbers, times "
                    "or true/false",
                )
            kind = kind_of_sql_type(self.schema[name])
            self.needed[name] = target_type(kind, self.schema[name])
            ref: exp.Expr = exp.column(name, quoted=True)
            if kind == Kind.NUMBER and name in self.units:  # declared `unit:`
                per = exp.Literal.number(self.units[name])
                return Typed(exp.Mul(this=ref, expression=per), Kind.DURATION)
            if kind == Kind.DURATION:  # an INTERVAL column
                ref = exp.cast(
                    exp.Mul(this=exp.func("epoch", ref), expression=exp.Literal.number(1000)),
                    "BIGINT",
                )
            return Typed(ref, kind)
        for suffix, ms in UNIT_SUFFIXES.items():
            source = name + suffix
            if source in self.schema and kind_of_sql_type(self.schema[source]) == Kind.NUMBER:
                self.needed[source] = target_type(Kind.NUMBER, self.schema[source])
                col = exp.column(source, quoted=True)
                return Typed(exp.Mul(this=col, expression=exp.Literal.number(ms)), Kind.DURATION)
        return None

    def resolve_text(self, name: str) -> Typed | None:
        """A column's text as written, whatever type it is read as (None: no such column)."""
        if name not in self.schema:
            return None
        self.needed[text_column(name)] = "VARCHAR"
        return Typed(exp.column(text_column(name), quoted=True), Kind.STRING)

    def known_names(self) -> Iterable[str]:
        """Every column, plus the duration names unit suffixes provide."""
        yield from self.schema
        for col, t in self.schema.items():
            for suffix in UNIT_SUFFIXES:
                if col.endswith(suffix) and kind_of_sql_type(t) == Kind.NUMBER:
                    yield col.removesuffix(suffix)


class UnavailableColumnError(Exception):
    """A standard needs a column the export's format never provides (hold in a queue_log)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class Layer:
    """A resolver on top of another: origin and notes come from below."""

    base: Resolver

    @property
    def origin(self) -> str:
        """The base resolver's origin."""
        return self.base.origin

    @property
    def notes(self) -> Mapping[str, str]:
        """The base resolver's notes on columns (why one stays text)."""
        notes: Mapping[str, str] = getattr(self.base, "notes", {})
        return notes


@dataclass
class UnavailableResolver(Layer):
    """Names the profile says this export cannot have: using one makes a standard no-data."""

    base: Resolver
    names: frozenset[str]

    def resolve(self, name: str) -> Typed | None:
        """Raise UnavailableColumnError for the profile's missing columns, else resolve."""
        if name in self.names:
            raise UnavailableColumnError(name)
        return self.base.resolve(name)

    def known_names(self) -> Iterable[str]:
        """The base resolver's names."""
        return self.base.known_names()

    def resolve_text(self, name: str) -> Typed | None:
        """The base resolver's text of a column (None for the profile's missing ones)."""
        if name in self.names:
            return None
        return _text_of(self.base, name)


class LogicalResolver:
    """For validating a standards file without a log: logical columns typed, others unknown."""

    origin = "the logical columns"

    def resolve(self, name: str) -> Typed | None:
        """Any name resolves; only logical columns have a known kind."""
        return Typed(exp.column(name, quoted=True), LOGICAL_COLUMNS.get(name, Kind.ANY))

    def known_names(self) -> Iterable[str]:
        """The logical columns."""
        return LOGICAL_COLUMNS


@dataclass
class FieldResolver(Layer):
    """A file's ``fields:`` on top of the columns; fields win over columns of the same name."""

    base: Resolver
    fields: Mapping[str, ParsedExpression]
    shadow_ok: bool = False  # a mapping: `priority: lower(priority)` means the source column
    context: Context | None = None  # calendars and the branch column, for business_time()
    done: dict[str, Typed] = field(default_factory=dict)
    active: list[str] = field(default_factory=list)

    @functools.cached_property
    def notes(self) -> Mapping[str, str]:
        """The notes on columns below, and on each field that just renames a column (so
        `arrived_at: createddate` explains why arrived_at is text). Worked out once: every
        arithmetic on a name looks its note up, and a wide log has thousands of notes."""
        below: Mapping[str, str] = getattr(self.base, "notes", {})
        renamed = {
            name: below[parsed.tree.name]
            for name, parsed in self.fields.items()
            if isinstance(parsed.tree, Name) and parsed.tree.name in below
        }
        return {**below, **renamed}

    @functools.cached_property
    def direct(self) -> frozenset[str]:
        """The names ``--map LOGICAL=SOURCE`` renames to a column below every mapping: their
        SOURCE is read from the columns below, never through another ``--map``, so all of
        them apply at once (``--map a=b --map b=a`` swaps two columns)."""
        if not self.shadow_ok:
            return frozenset()
        below = {n for n, p in self.fields.items() if p.location != MAP_LOCATION}
        return frozenset(
            n
            for n, p in self.fields.items()
            if p.location == MAP_LOCATION and isinstance(p.tree, Name) and p.tree.name not in below
        )

    def resolve(self, name: str) -> Typed | None:
        """A compiled field (compiled once, cycles rejected), else the base resolver's answer."""
        if name not in self.fields or (self.shadow_ok and name in self.active):
            return self.base.resolve(name)
        if name in self.done:
            return self.done[name]
        parsed = self.fields[name]
        if name in self.direct:  # a --map: SOURCE is a column below the mappings
            try:
                typed = compile_expression(parsed.tree, self.base, self.context)
            except ExpressionError as e:
                raise parsed.error(e, what=f"--map {name}") from None
            self.done[name] = typed
            return typed
        if name in self.active:
            cycle = " -> ".join([*self.active[self.active.index(name) :], name])
            raise SvcauditError(
                f"fields refer to each other in a circle: {cycle}",
                location=parsed.location,
                hint="break the cycle",
            )
        self.active.append(name)
        try:
            typed = compile_expression(parsed.tree, self, self.context)
        except ExpressionError as e:
            raise parsed.error(e, what=f"field '{name}'") from None
        finally:
            self.active.pop()
        check_expanded_size(typed.sql, parsed, f"field '{name}'")
        self.done[name] = typed
        return typed

    def resolve_text(self, name: str) -> Typed | None:
        """A column's text as written: through a field that just renames a column
        (`arrived_at: createddate`), else the column of that name below."""
        parsed = self.fields.get(name)
        if parsed is not None and not (self.shadow_ok and name in self.active):
            if not isinstance(parsed.tree, Name):
                return None  # a computed field has no text of its own
            name = parsed.tree.name
        return _text_of(self.base, name)

    def known_names(self) -> Iterable[str]:
        """Fields (except those being compiled: a field cannot use itself) and columns."""
        yield from (f for f in self.fields if f not in self.active)
        yield from self.base.known_names()


def _text_of(resolver: Resolver, name: str) -> Typed | None:
    """``resolver``'s text of column ``name``, if it can give one."""
    written = getattr(resolver, "resolve_text", None)
    found: Typed | None = written(name) if written is not None else None
    return found
