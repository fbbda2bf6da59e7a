"""Read a standards file's YAML safely, keeping where every value came from.

PyYAML's ``safe_load`` keeps the last of duplicate keys silently and forgets where values came
from. Here the YAML is *composed* (safe loader, no tags beyond the standard ones) and constructed
by hand, so duplicate keys are errors and every value keeps its line and column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from svcaudit.errors import Location, SvcauditError

YamlPath = tuple[str | int, ...]
#: {path: (value location, key location, scalar style)}
Marks = dict[YamlPath, tuple[Location, Location | None, str | None]]

MAX_NODES = 100_000
MERGE_TAG = "tag:yaml.org,2002:merge"
MAX_DEPTH = 64
_PLAIN_TAGS = {
    "tag:yaml.org,2002:" + t
    for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")
}


@dataclass(frozen=True)
class YamlDoc:
    """Parsed YAML data with the positions of its values."""

    data: Any
    marks: Marks
    columns: dict[YamlPath, tuple[int, ...]]  # per character of one-line scalars


def parse_yaml(text: str, path: str) -> tuple[Any, Marks]:
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
    except yaml.reader.ReaderError as e:  # a character YAML does not allow (a NUL, say)
        at = e.position
        line, column = text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)
        code = e.character if isinstance(e.character, int) else ord(e.character)
        char = "a NUL" if code == 0 else f"the character #x{code:04x}"
        raise SvcauditError(
            f"the standards file holds {char}, which YAML does not allow",
            location=Location(path, line, column),
            hint="a text file has no control characters: was it saved as UTF-16, or binary?",
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
        self.marks: Marks = {}
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
        except ValueError:  # int() refuses more than 4,300 digits; date() refuses 30 Feb
            if node.tag == "tag:yaml.org,2002:timestamp":
                raise SvcauditError(
                    f"'{node.value}' is not a date",
                    location=self.loc(node),
                    hint="write a real day of the calendar as YYYY-MM-DD, e.g. 2025-02-28",
                ) from None
            raise SvcauditError(
                f"the number starting {str(node.value)[:20]}... is too large",
                location=self.loc(node),
                hint="limits and targets are ordinary numbers",
            ) from None

    def build(self, node: yaml.Node, at: YamlPath, depth: int, key: Location | None = None) -> Any:
        """The value of ``node`` (at ``at``, ``depth`` levels down), recording its position."""
        self.check(node, depth)
        # a plain scalar's style is None from PyYAML's composer, "" from libyaml's
        style = (node.style or None) if isinstance(node, yaml.ScalarNode) else None
        self.marks[at] = (self.loc(node), key, style)
        if isinstance(node, yaml.ScalarNode) and node.start_mark.line == node.end_mark.line:
            raw = self.text[node.start_mark.index : node.end_mark.index]
            cols = scalar_columns(raw, node.style, node.start_mark.column + 1)
            if cols is not None:
                self.columns[at] = cols
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, at, depth)
        if isinstance(node, yaml.SequenceNode):
            return self.sequence(node, at, depth)
        value = self.scalar(node)
        return value if isinstance(value, str | int | float | bool) or value is None else str(value)

    def check(self, node: yaml.Node, depth: int) -> None:
        """Refuse runaway nesting, runaway size (aliases) and tags beyond the plain ones."""
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

    def mapping(self, node: yaml.MappingNode, at: YamlPath, depth: int) -> dict[Any, Any]:
        """A mapping's items; a key that is not a plain name, or is repeated, is an error.

        A merge key (``<<: *defaults``, or a list of aliases) adds the keys of the mappings it
        names that the mapping does not set itself (the first of a list wins), as YAML 1.1
        says; only keys written out in the mapping itself can be duplicates."""
        result: dict[Any, Any] = {}
        merges: list[yaml.MappingNode] = []
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:
                if merges:
                    raise SvcauditError(
                        "duplicate merge key '<<'",
                        location=self.loc(key_node),
                        hint="merge several mappings with one key: <<: [*a, *b]",
                    )
                merges = self.merge_sources(value_node)
                continue
            self.item(result, key_node, value_node, at, depth)
        for source in merges:
            for key_node, value_node in self.merged_items(source):
                k = self.key(key_node)
                if k not in result:
                    result[k] = self.build(value_node, (*at, k), depth + 1, self.loc(key_node))
        return result

    def key(self, key_node: yaml.Node) -> str | int:
        """A mapping key: a plain scalar, as text or a number."""
        if not isinstance(key_node, yaml.ScalarNode):
            raise SvcauditError("keys must be plain names", location=self.loc(key_node))
        k = self.scalar(key_node)
        if isinstance(k, bool) or k is None:  # a key is a name: `true:`, `null:` as written
            return str(key_node.value)
        return k if isinstance(k, str | int) else str(k)

    def item(
        self,
        result: dict[Any, Any],
        key_node: yaml.Node,
        value_node: yaml.Node,
        at: YamlPath,
        depth: int,
    ) -> None:
        """One ``key: value`` written out in a mapping (a repeated key is an error)."""
        k = self.key(key_node)
        if k in result:
            first = self.marks[(*at, k)][1]
            raise SvcauditError(
                f"duplicate key '{k}'",
                location=self.loc(key_node),
                hint=f"'{k}' is already set at line {first.line if first else '?'}; "
                "YAML would silently keep only the last one",
            )
        result[k] = self.build(value_node, (*at, k), depth + 1, self.loc(key_node))

    def merge_sources(self, value: yaml.Node) -> list[yaml.MappingNode]:
        """The mappings a merge key names: one mapping, or a list of them."""
        items = value.value if isinstance(value, yaml.SequenceNode) else [value]
        for item in items:
            self.check(item, 0)
            if not isinstance(item, yaml.MappingNode):
                raise SvcauditError(
                    "a merge key '<<' takes a mapping or a list of mappings",
                    location=self.loc(item),
                    hint="<<: *defaults, where &defaults names a mapping",
                )
        return list(items)

    def merged_items(
        self, source: yaml.MappingNode, seen: frozenset[int] = frozenset()
    ) -> list[tuple[yaml.Node, yaml.Node]]:
        """A merged mapping's own items, then those of its own merge key (its own win)."""
        if id(source) in seen or len(seen) > MAX_DEPTH:
            raise SvcauditError(
                "a merge key '<<' merges a mapping into itself",
                location=self.loc(source),
                hint="an anchor cannot be merged inside its own mapping",
            )
        own = [(k, v) for k, v in source.value if k.tag != MERGE_TAG]
        for k, v in source.value:
            if k.tag == MERGE_TAG:
                for inner in self.merge_sources(v):
                    own += self.merged_items(inner, seen | {id(source)})
        return own

    def sequence(self, node: yaml.SequenceNode, at: YamlPath, depth: int) -> list[Any]:
        """A sequence's items, each block item located at its "-"."""
        items = [self.build(item, (*at, i), depth + 1) for i, item in enumerate(node.value)]
        for i, item in enumerate(node.value):
            dash = self.dash_before(item)
            if dash is not None:  # a block item starts at its "-", not at its first key
                self.marks[(*at, i)] = (dash, *self.marks[(*at, i)][1:])
        return items
