"""SQL pieces every reader builds with: literals, quoted names, table functions, unions.

All of it is sqlglot expressions; values and names are never pasted into SQL text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlglot import exp

from svcaudit.sources.files import LogFile


def lit(value: str) -> exp.Expr:
    return exp.Literal.string(value)


def named_arg(name: str, value: exp.Expr) -> exp.Expr:
    return exp.EQ(this=exp.var(name), expression=value)


def struct_literal(mapping: Mapping[str, str]) -> exp.Expr:
    return exp.Struct(
        expressions=[exp.PropertyEQ(this=lit(k), expression=lit(v)) for k, v in mapping.items()]
    )


def quoted_column(name: str) -> exp.Column:
    return exp.column(name, quoted=True)


def union_all(parts: Sequence[exp.Select]) -> exp.Query:
    """Stack selects by column name (``UNION ALL BY NAME``): files may order columns apart."""
    union: exp.Query = parts[0]
    for p in parts[1:]:
        union = exp.Union(this=union, expression=p, distinct=False, by_name=True)
    return union


def text_lines(f: LogFile) -> exp.Expr:
    """The file as one text column ``__json``, one row per physical line."""
    args = [
        lit(f.path),
        named_arg("columns", struct_literal({"__json": "VARCHAR"})),
        named_arg("header", exp.false()),
        named_arg("delim", lit("\x01")),  # never in valid JSON text: control chars are escaped
        named_arg("quote", lit("")),
        named_arg("escape", lit("")),
        named_arg("auto_detect", exp.false()),
        named_arg("strict_mode", exp.false()),  # lines end in \n or \r\n; nothing else is parsed
        named_arg("max_line_size", exp.Literal.number(f.max_line_bytes)),
    ]
    return exp.Table(this=exp.Anonymous(this="read_csv", expressions=args))
