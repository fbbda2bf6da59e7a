"""JSON Lines and JSON documents (arrays, or objects wrapping records and side-loads)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping, Sequence

import duckdb
from duckdb.sqltypes import DuckDBPyType
from sqlglot import exp

from svcaudit.sources.base import (
    REJECT,
    LogReader,
    Reject,
    file_column,
    merge_types,
    numbered_rejects,
)
from svcaudit.sources.casting import typed_projection
from svcaudit.sources.files import LogFile, LogFormat
from svcaudit.sources.inference import SAMPLE_ROWS
from svcaudit.sources.names import check_json_document, check_json_lines
from svcaudit.sources.prepare import KIND, Side, SideLoads
from svcaudit.sources.sql import lit, named_arg, quoted_column, text_lines, union_all

RECORD_KEYS = ("tickets", "records", "contacts", "ContactTraceRecords", "data", "items", "results")


def flatten(
    name: str, typ: DuckDBPyType, prefix: tuple[str, ...] = ()
) -> dict[tuple[str, ...], str]:
    """Leaf fields of a (possibly nested) JSON value: ('Agent', 'Username') -> VARCHAR."""
    path = (*prefix, name)
    if typ.id == "struct":
        out: dict[tuple[str, ...], str] = {}
        for child, child_type in typ.children:
            if isinstance(child_type, DuckDBPyType):
                out.update(flatten(str(child), child_type, path))
        return out
    text = str(typ)
    return {path: "VARCHAR" if text.endswith("[]") else text}


class JsonReader(LogReader):
    """JSON Lines (one object per line) and JSON documents, optionally gzip-compressed.

    A JSON document is an array of records, or an object wrapping one (``{"tickets": [...]}``
    as helpdesk exports write it), whose side-loaded arrays (Zendesk's ``metric_sets``) are
    read as rows of their own and attached to their records by one ``SideLoads`` step
    (``side_loads``), the step Spark runs too. Nested objects are flattened into dotted column
    names (``Agent.CustomerHoldDuration``, quoted in expressions with backticks). Every record
    is read as text and each field taken out with DuckDB's JSON functions, so a malformed line
    (a truncated export) or a value that does not fit the type a standard needs rejects that
    row with its record number instead of failing the whole read.
    """

    formats = (LogFormat.JSONL, LogFormat.JSON)
    text_types = ("TIMESTAMPTZ",)

    def __init__(self, files: Sequence[LogFile]) -> None:
        super().__init__(files)
        self._paths: dict[str, tuple[str, ...]] = {}
        self._records: dict[str, str | None] = {}  # JSON documents: the key holding the records
        self._sideloads: dict[str, list[tuple[str, str]]] = {}  # (array, attach as) per file

    def _json(self, f: LogFile, **extra: exp.Expr) -> exp.Expr:
        fmt = "newline_delimited" if f.format == LogFormat.JSONL else "auto"
        args = [
            lit(f.path),
            named_arg("format", lit(fmt)),
            *(named_arg(k, v) for k, v in extra.items()),
        ]
        return exp.Table(this=exp.Anonymous(this="read_json", expressions=args))

    def _items(self, f: LogFile, array: str, alias: str) -> exp.Select:
        """One row per item of the document's ``array``, as a struct column ``alias``."""
        unnest = exp.Unnest(expressions=[quoted_column(array)])
        return exp.select(exp.alias_(unnest, alias)).from_(self._json(f))

    def _records_query(self, f: LogFile) -> exp.Select:
        """One row per record of a JSON document, as a struct column ``r``."""
        key = self._records.get(f.path)
        if key is None:  # an array of records (or one record)
            table = self._json(f)
            table.set("alias", exp.TableAlias(this=exp.to_identifier("t")))
            return exp.select(exp.alias_(exp.column("t"), "r")).from_(table)
        return self._items(f, key, "r")

    def _docs(self, f: LogFile) -> exp.Select:
        """Records as JSON text ``__json`` with ``__malformed``; blank lines dropped."""
        if f.format == LogFormat.JSON:
            return _as_json(exp.column("r"), self._records_query(f))
        line = exp.column("__json")
        nonblank = exp.NEQ(this=exp.func("trim", line), expression=lit(""))
        malformed = exp.not_(exp.func("json_valid", line))
        return (
            exp.select(line, exp.alias_(malformed, "__malformed"))
            .from_(text_lines(f))
            .where(nonblank)
        )

    def _docs_and_sides(self, f: LogFile, records: str) -> exp.Query:
        """The records (``KIND`` ``records``) and the side-loaded items of a JSON document
        (``KIND`` their array), each item as a record of its own under the name it is attached
        as (``{"metric_set": {...}}``), so that the records' paths read its fields."""
        parts = [_kind(self._docs(f), records)]
        for array, attach in self._sideloads[f.path]:
            name = exp.to_identifier(attach, quoted=True)
            item = exp.func("struct_pack", exp.PropertyEQ(this=name, expression=exp.column("s")))
            parts.append(_kind(_as_json(item, self._items(f, array, "s")), array))
        return union_all(parts)

    def side_loads(self, f: LogFile, extra: Sequence[str]) -> SideLoads | None:
        """The step attaching the side-loaded items of ``f`` to its records (None: it has
        none), the same on every engine; ``extra``: the engine's own columns of a record row."""
        key = self._records.get(f.path)
        arrays = self._sideloads.get(f.path, [])
        if key is None or not arrays:
            return None
        names = list(self._schema or {})
        sides = []
        for array, attach in arrays:
            own = tuple(c for c in names if self.side_path(c, attach) is not None)
            sides.append(Side(array, f"{attach}.{_singular(key)}_id", own))
        return SideLoads(key, "id", tuple(sides), (*names, *extra))

    def side_path(self, column: str, attach: str) -> tuple[str, ...] | None:
        """The path of ``column`` in a side-loaded item attached as ``attach`` (None: the
        column is not one of its fields)."""
        path = self._paths.get(column, (column,))
        return path[1:] if len(path) > 1 and path[0] == attach else None

    def _fields(self, f: LogFile) -> exp.Select:
        """Every (flattened) key of the records as a text column, plus ``__malformed``.

        Each record is parsed once for all its keys (``json_extract_string`` with a list of
        paths): one extraction per key held a parse of the record per key, over a gigabyte
        for 20,000 Amazon Connect records of 57 keys.
        """
        names = list(self._schema or {})
        paths = [
            lit("$." + ".".join(_json_key(part) for part in self._paths.get(c, (c,))))
            for c in names
        ]
        ok = exp.not_(exp.column("__malformed"))
        found = exp.Anonymous(
            this="json_extract_string", expressions=[exp.column("__json"), exp.array(*paths)]
        )
        step = self.side_loads(f, ("__malformed",))
        docs = self._docs(f) if step is None else self._docs_and_sides(f, step.records)
        kind = [] if step is None else [exp.column(KIND)]
        values = exp.select(
            exp.alias_(exp.Case().when(ok, found), "__values"), exp.column("__malformed"), *kind
        ).from_(docs.subquery("d"))
        cols = [
            exp.alias_(
                exp.Bracket(this=exp.column("__values"), expressions=[exp.Literal.number(i)]),
                c,
                quoted=True,
            )
            for i, c in enumerate(names)  # sqlglot indexes from 0 (DuckDB shows 1)
        ]
        fields = exp.select(*cols, exp.column("__malformed"), *kind).from_(values.subquery("v"))
        return fields if step is None else step.apply(fields)

    def _describe(self, con: duckdb.DuckDBPyConnection) -> dict[str, str]:
        schema: dict[str, str] = {}
        for f in self.files:
            if f.format == LogFormat.JSONL:
                check_json_lines(con, f)
            else:
                check_json_document(f)
            try:
                leaves = self._leaves(con, f)
            except duckdb.Error as e:
                raise self.read_error(e, f) from None
            for path, typ in leaves.items():
                name = ".".join(path)
                self._paths[name] = path
                schema[name] = merge_types(schema.get(name, typ), typ)
        self._schema = schema
        return schema

    def _leaves(self, con: duckdb.DuckDBPyConnection, f: LogFile) -> dict[tuple[str, ...], str]:
        if f.format == LogFormat.JSONL:
            try:
                rel = con.sql(
                    exp.select("*")
                    .from_(self._json(f, ignore_errors=exp.true()))
                    .limit(0)
                    .sql("duckdb")
                )
            except duckdb.InvalidInputException as e:
                if "maximum recursion depth" not in str(e):
                    raise
                return sampled_leaves(f)  # a record nested too deep for DuckDB's detection
            leaves: dict[tuple[str, ...], str] = {}
            for name, t in zip(rel.columns, rel.types, strict=True):
                leaves.update(flatten(name, t))
            return leaves
        top = con.sql(exp.select("*").from_(self._json(f)).limit(0).sql("duckdb"))
        lists = [
            n
            for n, t in zip(top.columns, top.types, strict=True)
            if t.id == "list" and t.child.id == "struct"
        ]
        key: str | None = None
        if lists:
            count = exp.select(exp.Count(this=exp.Star())).from_(self._json(f))
            single = con.sql(count.sql("duckdb")).fetchall()[0][0] == 1
            preferred = [n for n in RECORD_KEYS if n in lists]
            if single and (preferred or len(lists) == 1):
                key = (preferred or lists)[0]  # {"tickets": [...], "next_page": ...}
        self._records[f.path] = key
        rel = con.sql(self._records_query(f).limit(0).sql("duckdb"))
        leaves = {path[1:]: t for path, t in flatten("r", rel.types[0]).items()}
        if key is not None and ("id",) in leaves:  # side-loaded items name a record by its id
            self._sideloads[f.path] = self._find_sideloads(con, f, key, top)
            types = dict(zip(top.columns, top.types, strict=True))
            for array, attach in self._sideloads[f.path]:
                leaves.update(flatten(attach, types[array].child))
        return leaves

    def _find_sideloads(
        self, con: duckdb.DuckDBPyConnection, f: LogFile, key: str, top: duckdb.DuckDBPyRelation
    ) -> list[tuple[str, str]]:
        """Side-loaded arrays (Zendesk's ``metric_sets``) with one item per record.

        An array whose items carry ``<record>_id`` (``ticket_id`` for ``tickets``) and at most
        one item per record is attached to each record as ``<array singular>``
        (``metric_set``); arrays with several items per record are left alone.
        """
        link = f"{_singular(key)}_id"
        found = []
        for name, t in zip(top.columns, top.types, strict=True):
            if name == key or t.id != "list" or t.child.id != "struct":
                continue
            if link not in [str(c) for c, _ in t.child.children]:
                continue
            ids = exp.func("struct_extract", exp.column("s"), lit(link))
            check = exp.select(
                exp.Count(this=ids.copy()), exp.Count(this=exp.Distinct(expressions=[ids]))
            ).from_(self._items(f, name, "s").subquery("side"))
            total, distinct = con.sql(check.sql("duckdb")).fetchall()[0]
            if total == distinct:
                found.append((name, _singular(name)))
        return found

    def _any_row(self, f: LogFile) -> exp.Select:
        return exp.select(exp.Literal.number(1)).from_(self._docs(f).subquery("d"))

    def _sample(self) -> exp.Select:
        parts = [self._fields(f) for f in self.files]
        return exp.select("*").from_(union_all(parts).subquery("s")).limit(SAMPLE_ROWS)

    def _typed(self, f: LogFile, needed: Mapping[str, str]) -> exp.Select:
        text = dict.fromkeys(self._schema or {}, "VARCHAR")
        cols, reject = typed_projection(text, needed, self.time_formats, rules=self.rules)
        malformed = lit("malformed JSON (a truncated or broken record)")
        reject = exp.Case().when(exp.column("__malformed"), malformed).else_(reject)
        return exp.select(*cols, file_column(f), exp.alias_(reject, REJECT)).from_(
            self._fields(f).subquery("f")
        )

    def relation(self, needed: Mapping[str, str]) -> exp.Select:
        parts = [self._typed(f, needed) for f in self.files]
        return exp.select("*").from_(union_all(parts).subquery("j"))

    def value_rejects(
        self, con: duckdb.DuckDBPyConnection, needed: Mapping[str, str], limit: int
    ) -> list[Reject]:
        return numbered_rejects(con, [(f, self._typed(f, needed)) for f in self.files], limit)

    def has_lines(self, f: LogFile) -> bool:
        return f.format == LogFormat.JSONL

    def record_lines(self, f: LogFile, column: str, ids: set[str]) -> dict[str, int]:
        """JSON Lines: the line of each record (a JSON document has no lines per record)."""
        found: dict[str, int] = {}
        if f.format != LogFormat.JSONL:
            return found
        opener = gzip.open if f.compressed else open
        try:
            with opener(f.path, "rt", encoding="utf-8-sig") as stream:
                for number, line in enumerate(stream, 1):
                    if not line.strip():
                        continue
                    try:
                        record = json.loads(line)
                    except ValueError:
                        continue
                    value = record.get(column) if isinstance(record, dict) else None
                    key = None if value is None else str(value)
                    if key in ids and key not in found:
                        found[key] = number
                        if len(found) == len(ids):
                            break
        except (OSError, EOFError, UnicodeDecodeError):
            pass  # lines are a convenience; the interaction id still finds the row
        return found


    def value_lines(
        self, f: LogFile, values: Mapping[str, Mapping[str, int]], limit: int
    ) -> list[tuple[int, str, str]]:
        """JSON Lines: the lines whose records hold the invalid values (a value is compared as
        the text svcaudit read it as: a JSON string as it is, anything else as JSON)."""
        found: list[tuple[int, str, str]] = []
        if f.format != LogFormat.JSONL:
            return found
        left = {(c, v): n for c, by_value in values.items() for v, n in by_value.items()}
        paths = {c: self._paths.get(c, (c,)) for c in values}
        opener = gzip.open if f.compressed else open
        try:
            with opener(f.path, "rt", encoding="utf-8-sig") as stream:
                for number, line in enumerate(stream, 1):
                    try:
                        record = json.loads(line) if line.strip() else None
                    except ValueError:
                        continue
                    for c, path in paths.items():
                        raw = _at(record, path)
                        text = raw if isinstance(raw, str) else json.dumps(raw)
                        if left.get((c, text), 0) > 0:
                            left[(c, text)] -= 1
                            found.append((number, c, text))
                            if len(found) >= limit:
                                return found
        except (OSError, EOFError, UnicodeDecodeError):
            pass  # lines are a convenience: the values are listed without them
        return found


def _at(record: object, path: Sequence[str]) -> object:
    """The value at ``path`` in a JSON record (None where there is none)."""
    for part in path:
        if not isinstance(record, dict):
            return None
        record = record.get(part)
    return record
#: How deep a JSON Lines record may nest for its fields to be detected (DuckDB's limit)
MAX_JSON_DEPTH = 128


def sampled_leaves(f: LogFile) -> dict[tuple[str, ...], str]:
    """The fields of the first ``SAMPLE_ROWS`` records of a JSON Lines file, read by Python's
    json module, for a file DuckDB's detection stops on (a record nested more than 128
    levels): such a record is skipped here, and its own fields are still read row by row by
    the relation (DuckDB's JSON functions have no such limit)."""
    leaves: dict[tuple[str, ...], str] = {}
    opener = gzip.open if f.compressed else open
    with opener(f.path, "rt", encoding="utf-8", errors="replace") as stream:
        for i, line in enumerate(stream):
            if i >= SAMPLE_ROWS:
                break
            try:
                record = json.loads(line) if line.strip() else None
            except (ValueError, RecursionError):
                continue
            if isinstance(record, dict):
                for path, t in _python_leaves(record, (), 0).items():
                    leaves[path] = merge_types(leaves.get(path, t), t)
    return leaves


def _python_leaves(
    value: dict[str, object], prefix: tuple[str, ...], depth: int
) -> dict[tuple[str, ...], str]:
    out: dict[tuple[str, ...], str] = {}
    for key, item in value.items():
        path = (*prefix, key)
        if isinstance(item, dict) and depth < MAX_JSON_DEPTH:
            out.update(_python_leaves(item, path, depth + 1))
        else:
            out[path] = _python_type(item)
    return out


def _python_type(item: object) -> str:
    if isinstance(item, bool):
        return "BOOLEAN"
    if isinstance(item, int):
        return "BIGINT"
    if isinstance(item, float):
        return "DOUBLE"
    return "VARCHAR"  # text, lists (as DuckDB's detection gives them), nulls


def _as_json(value: exp.Expr, rows: exp.Select) -> exp.Select:
    """``value`` of each of ``rows`` as JSON text ``__json``, never ``__malformed``."""
    doc = exp.func("to_json", value)
    return exp.select(exp.alias_(doc, "__json"), exp.alias_(exp.false(), "__malformed")).from_(
        rows.subquery("rec")
    )


def _kind(rows: exp.Select, kind: str) -> exp.Select:
    """``rows`` with ``KIND`` set to ``kind``."""
    return rows.select(exp.alias_(lit(kind), KIND), copy=False)


def _singular(name: str) -> str:
    """tickets -> ticket, metric_sets -> metric_set (side-loading naming)."""
    return name[:-1] if name.endswith("s") else name


def _json_key(name: str) -> str:
    """A JSON path step for a key, quoted so any characters are safe."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
