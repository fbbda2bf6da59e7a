"""The command line: the only module that prints, reads options and chooses the exit code."""

from __future__ import annotations

import contextlib
import functools
import io
import os
import sys
import traceback
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from svcaudit import __version__, runner, signals
from svcaudit import cli_options as opt
from svcaudit.audit import AuditRequest, open_audit
from svcaudit.audit import explain as run_explain
from svcaudit.compile import LogicalResolver, compile_rules
from svcaudit.config import Config, Settings, choose_config
from svcaudit.errors import ExitCode, Location, SvcauditError, disk_full
from svcaudit.findings import Breaches
from svcaudit.inspection import show_log
from svcaudit.outputs import (
    Content,
    Output,
    append,
    audit_inputs,
    refuse_overwrites,
    write_all,
)
from svcaudit.progress_bar import progress_bar
from svcaudit.report import (
    DEFAULT_FORMAT,
    FORMATTERS,
    WORST_SHOWN,
    format_of_path,
    formatter,
)
from svcaudit.report.csv_files import rejects_csv, rejects_text, value_text, write_violations
from svcaudit.report.markdown import markdown
from svcaudit.score import FailOn, Scorecard
from svcaudit.sheet_starter import contents, starter_text
from svcaudit.standards.loader import load_standards
from svcaudit.standards.model import json_schema_text
from svcaudit.steps import Steps

app = typer.Typer(
    name="svcaudit",
    help="Audit service-interaction logs against service standards.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
opt.sane_columns()
err = Console(stderr=True, highlight=False, soft_wrap=True)
_debug = {"on": False}
SCHEMA_FILE = "svcaudit.schema.json"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"svcaudit {__version__}")
        raise typer.Exit(ExitCode.OK)


# Config keys that are named differently as audit() parameters.
_PARAM_NAMES = {"format": "output_format", "report": "reports", "map": "maps"}


@app.callback()
def _main(
    ctx: typer.Context,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks of internal errors.")
    ] = False,
    config: Annotated[
        str | None,
        typer.Option(
            help="Config file (default: svcaudit.yaml or [tool.svcaudit], searched upwards)."
        ),
    ] = None,
    no_config: Annotated[bool, typer.Option("--no-config", help="Ignore config files.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Audit service-interaction logs against service standards."""
    _debug["on"] = debug
    opt.sane_columns()
    with _guard():
        loaded = choose_config(config, no_config, Path.cwd())
    for warning in loaded.warnings():
        err.print(f"[yellow]warning:[/] {escape(warning)}")
    ctx.obj = loaded
    defaults = {_PARAM_NAMES.get(k, k): v for k, v in loaded.values.items() if k != "columns"}
    ctx.default_map = {"audit": defaults}


def _print_error(e: SvcauditError) -> None:
    """One located error line on stderr, and the caret detail when there is one."""
    err.print(f"[bold red]error:[/] {escape(str(e))}")
    if e.detail:
        err.print(escape(e.detail))


@contextmanager
def _guard() -> Iterator[None]:
    """Map errors to exit codes: bad input 2, Ctrl-C 130 (SIGTERM 143, SIGHUP 129), anything
    else an internal error 3."""
    try:
        yield
    except SvcauditError as e:
        _print_error(e)
        raise typer.Exit(ExitCode.BAD_INPUT) from None
    except KeyboardInterrupt as e:
        raise typer.Exit(_stopped(e)) from None
    except (typer.Exit, typer.Abort):
        raise
    except BrokenPipeError:  # stdout closed early (`... | head`): stop quietly, as Rich does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(1) from None
    except Exception as e:
        if _interrupted(e):  # Ctrl-C (or SIGTERM) inside a DuckDB call made on the main thread
            raise typer.Exit(_stopped(signals.received() or KeyboardInterrupt())) from None
        if (full := disk_full(e)) is not None:  # TMPDIR full: the machine's state, not a bug
            _print_error(full)
            raise typer.Exit(ExitCode.BAD_INPUT) from None
        if _debug["on"]:
            err.print(escape(traceback.format_exc()))
        err.print(
            f"[bold red]internal error:[/] {escape(type(e).__name__)}: {escape(str(e))} "
            "(this is a bug; rerun with --debug for the traceback and report it)"
        )
        raise typer.Exit(ExitCode.INTERNAL) from None


def _stopped(e: KeyboardInterrupt) -> int:
    """Say why the run stopped (on a terminal that may have gone: SIGHUP); its exit code."""
    with contextlib.suppress(OSError):
        err.print(f"terminated ({e.name})" if isinstance(e, signals.Terminated) else "interrupted")
    return e.exit_code if isinstance(e, signals.Terminated) else int(ExitCode.INTERRUPTED)


def _interrupted(e: Exception) -> bool:
    """DuckDB reports SIGINT during a query on the main thread as an error, not Ctrl-C."""
    return isinstance(e, duckdb.InterruptException) or (
        isinstance(e, RuntimeError) and str(e) == "Query interrupted"
    )


REDACT_KEY_ENV = "SVCAUDIT_REDACT_KEY"


def _option(ctx: typer.Context, param: str, flag: str) -> str:
    """How the user gave an option: ``--output``, or ``output (svcaudit.yaml:3)``."""
    source = ctx.get_parameter_source(param)
    cfg = ctx.obj
    if source is not None and source.name == "DEFAULT_MAP" and isinstance(cfg, Config):
        key = {v: k for k, v in _PARAM_NAMES.items()}.get(param, param)
        return f"{key} ({cfg.origins.get(key, cfg.path)})"
    return flag


def _refuse_overwrites(
    ctx: typer.Context,
    request: AuditRequest,
    outputs: Sequence[tuple[str, str, str]],  # (parameter, flag, path)
) -> None:
    """Exit 2 before anything is read when an output would replace an input or another
    output."""
    cfg = ctx.obj if isinstance(ctx.obj, Config) else None
    config = cfg.path if cfg is not None else None
    logs = [*request.logs, *request.checklists]  # a checklist sheet is an input too
    inputs = audit_inputs(logs, request.standards, config, request.baseline)
    refuse_overwrites([Output(_option(ctx, p, f), path) for p, f, path in outputs], inputs)


def _redact_key() -> bytes | None:
    """A fixed key for redaction tokens (same tokens across runs), else random per run."""
    key = os.environ.get(REDACT_KEY_ENV)
    return key.encode("utf-8") if key else None


def _write_outputs(
    card: Scorecard,
    reports: Sequence[tuple[str, str]],
    rejects: str | None,
    violations: tuple[str, Callable[[], Generator[Breaches, None, None]]] | None,
    progress: Steps | None,
) -> None:
    """Every report file, the rejects and the violations: all, or none (``write_all``)."""
    files: list[tuple[str, Content]] = []
    for f, path in reports:
        if progress is not None:
            progress(f"writing {f}", None)
        files.append((path, _render_to_text(card, f)))
    if rejects:
        files.append((rejects, rejects_csv(card)))
    found = violations[1]() if violations else None  # a standard at a time, while written
    if violations and found is not None:
        files.append((violations[0], functools.partial(write_violations, found=found)))
    try:
        write_all(files)  # every file, or none, before anything reaches stdout
    finally:  # its queries end before the audit's session closes, however writing ended
        if found is not None:
            found.close()


@contextmanager
def _rejects_kept(rejects: str | None) -> Iterator[None]:
    """An audit that stops with nothing to score still writes ``--rejects``: the reasons are
    what the user needs then (every row rejected: why)."""
    try:
        yield
    except runner.AuditStoppedError as stopped:
        if rejects:
            write_all([(rejects, rejects_text(stopped.rejects))])
        raise


def _render_to_text(card: Scorecard, fmt: str) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=100, color_system=None, force_terminal=False)
    formatter(fmt).render(card, console)
    return buffer.getvalue()


@app.command(
    epilog="Example: svcaudit audit examples/hotel-chain.csv "
    "-s standards/hospitality-five-star.yaml"
)
def audit(
    ctx: typer.Context,
    logs: opt.Logs,
    standards: opt.Standards,
    branch: opt.Branch = None,
    by: opt.By = None,
    profile: opt.Profile = None,
    maps: opt.Maps = None,
    fold: opt.FoldOption = None,
    since: opt.Since = None,
    until: opt.Until = None,
    period: opt.PeriodOption = None,
    output_format: opt.Format = None,
    output: opt.Output = None,
    fail_on: opt.FailOnOption = FailOn.FAIL,
    reports: opt.Reports = None,
    rejects: opt.Rejects = None,
    violations: opt.Violations = None,
    baseline: opt.Baseline = None,
    fail_on_regression: opt.FailOnRegression = None,
    quiet: opt.Quiet = False,
    redact: opt.Redact = None,
    engine: opt.Engine = "duckdb",
    spark_master: opt.SparkMaster = None,
    checklist: opt.Checklists = None,
) -> None:
    """Audit logs against standards; print a scorecard; exit 0 met, 1 breached, 2 not done."""
    with _guard():
        fmt = output_format or (format_of_path(output) if output else None) or DEFAULT_FORMAT
        extra = [opt.parse_report(r) for r in reports or []]
        request = AuditRequest(
            logs=logs,
            standards=standards,
            by=opt.group_columns(branch, by),
            fail_on=fail_on,
            baseline=baseline,
            regression_limit=opt.regression_points(fail_on_regression),
            profile=profile,
            maps=tuple(maps or ()),
            columns=getattr(ctx.obj, "columns", {}),  # the config file's columns:
            fold=fold,
            since=since,
            until=until,
            redact=tuple(redact or ()),
            redact_key=_redact_key(),
            details=opt.details([fmt, *(f for f, _ in extra)], WORST_SHOWN),
            engine=engine,
            spark_master=spark_master,
            checklists=tuple(checklist or ()),
            period=period,
            keep_breaches=violations is not None,
        )
        outputs = [*([(fmt, output)] if output else []), *extra]
        _refuse_overwrites(
            ctx,
            request,
            [
                *([("output", "--output", output)] if output else []),
                *(("reports", "--report", path) for _, path in extra),
                *([("rejects", "--rejects", rejects)] if rejects else []),
                *([("violations", "--violations", violations)] if violations else []),
            ],
        )
        with (
            progress_bar(err, err.is_terminal and not quiet) as progress,
            _rejects_kept(rejects),
            open_audit(request, progress) as audited,  # open: --violations reads it again
        ):
            card = audited.card
            streamed = (violations, audited.violations) if violations else None
            _write_outputs(card, outputs, rejects, streamed, progress)
        if not output and not quiet:
            shown = formatter(fmt)
            shown.render(card, Console(highlight=False, soft_wrap=shown.machine_readable))
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary and any(FORMATTERS[f].step_summary for f in (fmt, *(f for f, _ in extra))):
            append(summary, markdown(card))
        if card.rows.rejected and (quiet or output or FORMATTERS[fmt].machine_readable):
            err.print(f"{card.rows.rejected:,} row(s) rejected; see the report for reasons")
    raise typer.Exit(card.exit_code)


#: The most breaching interactions ``explain --limit`` shows (every one: ``--violations``)
MAX_EXPLAINED = 1_000_000


@app.command(
    epilog="Example: svcaudit explain greet-60s examples/hotel-chain.csv "
    "-s standards/hospitality-five-star.yaml --branch 'Gdańsk Motława'"
)
def explain(
    ctx: typer.Context,
    standard_id: Annotated[str, typer.Argument(help="The standard's id.")],
    logs: Annotated[list[str], typer.Argument(help="Log files or globs.")],
    standards: Annotated[
        list[str], typer.Option("--standards", "-s", help="Standards file (repeatable).")
    ],
    branch: Annotated[str | None, typer.Option(help="Only this branch.")] = None,
    limit: Annotated[
        int,
        typer.Option(
            help="Show at most this many, worst first (all of them: audit --violations PATH).",
            min=1,
            max=MAX_EXPLAINED,
        ),
    ] = 20,
    profile: Annotated[str | None, typer.Option(help="The logs' export format.")] = None,
    maps: Annotated[
        list[str] | None, typer.Option("--map", help="LOGICAL=SOURCE or LOGICAL={...} (repeated).")
    ] = None,
    fold: opt.FoldOption = None,
    since: Annotated[str | None, typer.Option(help="Arrived on or after.")] = None,
    until: Annotated[str | None, typer.Option(help="Arrived before (a date: through it).")] = None,
    redact: Annotated[
        list[str] | None,
        typer.Option(help="Show this column's values as keyed-hash tokens (repeatable)."),
    ] = None,
    engine: opt.Engine = "duckdb",
    spark_master: opt.SparkMaster = None,
) -> None:
    """Show the interactions that breach a standard, worst first, with the values behind it."""
    with _guard():
        request = AuditRequest(
            logs=logs,
            standards=standards,
            profile=profile,
            maps=tuple(maps or ()),
            columns=getattr(ctx.obj, "columns", {}),
            fold=fold,
            since=since,
            until=until,
            redact=tuple(redact or ()),
            redact_key=_redact_key(),
            engine=engine,
            spark_master=spark_master,
        )
        (found,) = run_explain(request, [standard_id], branch, limit)  # read whole: logs closed
        out = Console(highlight=False)
        where = f" in {branch}" if branch else ""
        out.print(
            f"[bold]{escape(found.standard_id)}[/] {escape(found.title)} "
            f"({escape(found.limit)}): breaches{escape(where)}, worst first"
        )
        table = Table(box=None, padding=(0, 1))
        for head in ("branch", "interaction", "value", *found.columns):
            table.add_column(escape(head), overflow="fold")
        for row in found.rows:
            branch_name, ident, value = row[:3]
            cells = [branch_name, ident, value_text(value, found.measure_is_duration)]
            cells += found.cells(row)
            table.add_row(*("" if c is None else escape(str(c)) for c in cells))
        out.print(table if found.rows else "no breaching interactions")
        if len(found.rows) == limit:
            out.print(f"(the first {limit}; --limit shows more)", style="dim")
    raise typer.Exit(ExitCode.OK)


@app.command(epilog="Example: svcaudit validate standards/*.yaml")
def validate(
    files: Annotated[list[str], typer.Argument(help="Standards files to check.")],
) -> None:
    """Check standards files without a log; exit 0 when all are valid, 2 otherwise."""
    with _guard():
        bad = 0
        for f in files:
            try:
                loaded = load_standards([f])
                compile_rules(loaded, LogicalResolver())
            except SvcauditError as e:
                bad += 1
                _print_error(e)
                continue
            typer.echo(f"{f}: ok ({contents(loaded)})")
    raise typer.Exit(ExitCode.BAD_INPUT if bad else ExitCode.OK)


@app.command(epilog="Example: svcaudit inspect examples/contact-centre.csv.gz")
def inspect(
    log: Annotated[str, typer.Argument(help="A log file.")],
    rows: Annotated[int, typer.Option(help="Sample rows to show.", min=0, max=100)] = 5,
) -> None:
    """Show a log's format, its columns with the types svcaudit reads them as, and sample rows."""
    with _guard():
        show_log(log, rows, Console(highlight=False))
    raise typer.Exit(ExitCode.OK)


@app.command(epilog="Example: svcaudit schema > svcaudit.schema.json")
def schema() -> None:
    """Print the JSON Schema of standards files (for editors and CI checks)."""
    typer.echo(json_schema_text(), nl=False)


@app.command(epilog="Example: svcaudit init standards/ours.yaml")
def init(
    path: Annotated[
        str, typer.Argument(help="Where to write the starter file.")
    ] = "standards.yaml",
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
    from_checklist: opt.FromChecklist = None,
    sheet: opt.Sheet = None,
) -> None:
    """Write a commented starter standards file, and the JSON Schema editors validate it with."""
    with _guard():
        target = Path(path)
        if target.exists() and not force:
            raise SvcauditError(
                "file exists", location=Location(path), hint="pass --force to overwrite"
            )
        starter = starter_text(from_checklist, sheet)
        schema_path = target.parent / SCHEMA_FILE
        files = [(path, starter)]
        if not schema_path.exists() or force:
            files.append((str(schema_path), json_schema_text()))
        write_all(files)
        typer.echo(f"wrote {path} (and {schema_path}); next: svcaudit validate {path}")
    raise typer.Exit(ExitCode.OK)


@app.command("config", epilog="Example: svcaudit config")
def show_config(ctx: typer.Context) -> None:
    """Print the audit defaults in effect and where each came from."""
    cfg: Config = ctx.obj if isinstance(ctx.obj, Config) else Config(None, {}, {})
    out = Console(highlight=False)
    out.print(f"config file: {escape(str(cfg.path)) if cfg.path else '(none found)'}")
    for ignored, reason in cfg.ignored:
        out.print(f"ignored: {escape(str(ignored))} ({escape(reason)}; use it with --config)")
    table = Table(box=None, show_header=True, padding=(0, 2))
    table.add_column("setting")
    table.add_column("value")
    table.add_column("from")
    for key in Settings.model_fields:
        if key in cfg.values:
            table.add_row(key, escape(str(cfg.values[key])), escape(cfg.origins[key]))
        else:
            table.add_row(key, "—", "default")
    out.print(table)
    raise typer.Exit(ExitCode.OK)


def main() -> None:
    """Console-script entry point."""
    code: int | str | None = None
    try:
        with signals.stop_on_signals():
            app()
    except KeyboardInterrupt as e:  # outside a command (while importing or parsing options)
        code = _stopped(e)
    except SystemExit as e:
        code = e.code
    stopped = signals.received()  # also a signal outside a command (click says "Aborted!")
    sys.exit(stopped.exit_code if stopped is not None else code)


if __name__ == "__main__":
    main()
