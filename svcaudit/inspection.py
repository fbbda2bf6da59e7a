"""What ``svcaudit inspect`` shows of a log: its format, its columns with the types svcaudit
reads them as (each timestamp column with the format it is read with), the profile or a
suggested mapping, and sample rows, on a given console.

One line per column, however many there are: the sample values sit on the column's line, cut
to the width, so an export of 50 columns is a list to read down, not a table wrapped into
slivers. The table of whole sample rows follows only when it fits the width.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from svcaudit import engine
from svcaudit.expressions.types import kind_of_sql_type
from svcaudit.sources import Logs
from svcaudit.sources.base import FILE, REJECT
from svcaudit.sources.identity import id_hint, suggest_id
from svcaudit.sources.profiles import detect_profile, named_like, suggest_mapping
from svcaudit.sources.sampling import column_traits, unsuitable_branches

#: The widths the name, kind, type and format of a column keep on a narrow terminal (at most)
COLUMN_WIDTHS = (30, 9, 24, 24)


def show_log(log: str, rows: int, out: Console) -> None:
    """Inspect ``log`` onto ``out`` (timestamps shown in UTC, whatever the machine)."""
    logs = Logs.open([log])
    con = engine.connect("UTC", [f.path for f in logs.files])
    try:
        schema = logs.schema(con)
        f = logs.files[0]
        out.print(
            f"[bold]{escape(f.display)}[/]: {f.format.value}{' (gzip)' if f.compressed else ''}"
        )
        sample = _sample(con, logs, rows)
        out.print(f"Columns ({len(schema)})")
        head, *lines = _columns_list(schema, logs.timestamp_formats(), sample)
        out.print(Text(head, style="bold"), no_wrap=True, overflow="ellipsis", crop=True)
        for text in lines:
            out.print(Text(text), no_wrap=True, overflow="ellipsis", crop=True)
        profile = detect_profile(set(schema), f.format.value)
        if profile is not None:
            out.print(f"profile: [bold]{profile.name}[/] (detected; {escape(profile.summary)})")
        else:
            _suggest(con, logs, schema, out)
        if profile is None and (ident := suggest_id(con, logs.relation({}), schema)) is not None:
            out.print(escape(id_hint(ident)))
        if rows:
            _sample_rows(sample, rows, out)
    finally:
        con.close()


def _sample(con: duckdb.DuckDBPyConnection, logs: Logs, rows: int) -> list[dict[str, object]]:
    """The first ``rows`` rows, column -> value (svcaudit's own columns left out)."""
    if not rows:
        return []
    rel = con.sql(logs.relation({}).limit(rows).sql("duckdb"))
    names = rel.columns
    return [
        {n: v for n, v in zip(names, r, strict=True) if n not in (FILE, REJECT)}
        for r in rel.fetchall()
    ]


def _columns_list(
    schema: dict[str, str], formats: dict[str, str], sample: Sequence[dict[str, object]]
) -> list[str]:
    """One line per column: name, kind, DuckDB type, timestamp format, the sample's values,
    in aligned fields (the name and format cut at ``COLUMN_WIDTHS``); never wrapped."""
    rows = []
    for name, t in schema.items():
        cells = [name, kind_of_sql_type(t).value, t]
        if formats:
            cells.append(formats.get(name, ""))
        if sample:
            cells.append(" · ".join(_shown(r.get(name)) for r in sample))
        rows.append(cells)
    headings = ["column", "read as", "DuckDB type"]
    headings += ["format"] if formats else []
    headings += [f"first {len(sample)} values"] if sample else []
    fixed = len(headings) - (1 if sample else 0)  # the values take what is left
    widths = [
        min(COLUMN_WIDTHS[i], max([len(headings[i]), *(len(r[i]) for r in rows)]))
        for i in range(fixed)
    ]

    def line(cells: Sequence[str]) -> str:
        parts = [_cut(c, w).ljust(w) for c, w in zip(cells, widths, strict=False)]
        return "  ".join([*parts, *cells[fixed:]]).rstrip()

    return [line(headings), *(line(r) for r in rows)]


def _shown(value: object) -> str:
    """A sample value on a column's line: an empty one as a dash, so none vanishes."""
    text = "" if value is None else str(value)
    return text if text.strip() else "—"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _suggest(
    con: duckdb.DuckDBPyConnection, logs: Logs, schema: dict[str, str], out: Console
) -> None:
    """A suggested mapping; a branch is never a column of coordinates, sentences or ids."""
    traits = column_traits(con, logs.relation({}), schema)
    avoid = unsuitable_branches(traits, schema)
    mapping = suggest_mapping(list(schema), {"branch": set(avoid)})
    if mapping:
        maps = " ".join(
            f"--map {k}={v!r}" if " " in v else f"--map {k}={v}" for k, v in mapping.items()
        )
        out.print(f"suggested mapping: {escape(maps)}")
    skipped = [c for c in named_like("branch", list(schema)) if c in avoid]
    if skipped:  # named like a branch, but not one
        why = ", ".join(f"{c} ({avoid[c]})" for c in skipped)
        out.print(f"not suggested as the branch: {escape(why)}")


def _sample_rows(sample: Sequence[dict[str, object]], rows: int, out: Console) -> None:
    """The sample as a table of rows, when it fits the width (its values are listed above)."""
    if not sample:
        return
    names = list(sample[0])
    table = Table(title="Sample rows", title_justify="left")
    for name in names:
        table.add_column(escape(name), overflow="fold")
    for r in sample:
        table.add_row(*("" if r[n] is None else escape(str(r[n])) for n in names))
    natural = sum(  # every cell on one line, with the table's borders and padding
        max(len(name), *(len(str(r[name])) for r in sample)) + 3 for name in names
    )
    if natural + 1 > out.width:
        out.print(
            f"(sample rows: on each column's line above; as a table, {len(names)} columns "
            f"would be wider than {out.width} characters)",
            style="dim",
            overflow="ellipsis",
            no_wrap=True,
            crop=True,
        )
        return
    out.print(table)


__all__ = ["show_log"]
