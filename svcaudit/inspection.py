"""What ``svcaudit inspect`` shows of a log: its format, its columns with the types svcaudit
reads them as, the profile or a suggested mapping, and sample rows, on a given console."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from svcaudit import engine
from svcaudit.expressions.types import kind_of_sql_type
from svcaudit.sources import Logs
from svcaudit.sources.base import FILE, REJECT
from svcaudit.sources.identity import id_hint, suggest_id
from svcaudit.sources.profiles import detect_profile, suggest_mapping


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
        table = Table(title="Columns", title_justify="left")
        for heading in ("column", "read as", "DuckDB type"):
            table.add_column(heading)
        for name, t in schema.items():
            table.add_row(escape(name), kind_of_sql_type(t).value, t)
        out.print(table)
        profile = detect_profile(set(schema), f.format.value)
        if profile is not None:
            out.print(f"profile: [bold]{profile.name}[/] (detected; {escape(profile.summary)})")
        elif mapping := suggest_mapping(list(schema)):
            maps = " ".join(
                f"--map {k}={v!r}" if " " in v else f"--map {k}={v}" for k, v in mapping.items()
            )
            out.print(f"suggested mapping: {escape(maps)}")
        if profile is None and (ident := suggest_id(con, logs.relation({}), schema)) is not None:
            out.print(escape(id_hint(ident)))
        if rows:
            rel = con.sql(logs.relation({}).limit(rows).sql("duckdb"))
            sample = Table(title=f"First {rows} rows", title_justify="left")
            shown = [i for i, c in enumerate(rel.columns) if c not in (FILE, REJECT)]
            for i in shown:
                sample.add_column(escape(rel.columns[i]), overflow="fold")
            for r in rel.fetchall():
                sample.add_row(*("" if r[i] is None else escape(str(r[i])) for i in shown))
            out.print(sample)
    finally:
        con.close()


__all__ = ["show_log"]
