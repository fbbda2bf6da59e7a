"""One audit from end to end: standards + logs -> compile -> engine -> score."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field, replace

import duckdb
from sqlglot import exp

from svcaudit import distributions, engine, runner
from svcaudit.baseline import load_baseline
from svcaudit.checklists import checklist_scorecard, with_checklist
from svcaudit.columns import UnavailableColumnError, column_units
from svcaudit.compile import (
    BreachColumns,
    Plan,
    branch_names,
    breach_columns,
    breach_query,
    breaching_rows,
    check_branch,
    distribution_query,
    interactions,
    plan_audit,
)
from svcaudit.compile.inputs import (
    choose_profile,
    column_mapping,
    fold_step,
    parse_fold_option,
    profile_format,
    time_window,
)
from svcaudit.compile.layers import declared_schema
from svcaudit.compile.rules import limit_text
from svcaudit.engines import DEFAULT_ENGINE, Engine, Where, get_engine, stage_inputs
from svcaudit.errors import Location, SvcauditError, did_you_mean
from svcaudit.expressions.types import Kind
from svcaudit.findings import BUCKETS, BUCKETS_PER_LIMIT, Breaches, Distribution
from svcaudit.redact import Redactor, redact_breaches, redact_scorecard
from svcaudit.score import NO_BRANCH, FailOn, Scorecard, score, with_baseline
from svcaudit.sources import Logs
from svcaudit.sources.profiles import Profile
from svcaudit.standards.entries import ColumnEntryAt
from svcaudit.standards.loader import StandardsSet, load_standards
from svcaudit.standards.spc_model import PeriodUnit
from svcaudit.steps import Progress, Steps, step
from svcaudit.trend import audit_trends


@dataclass(frozen=True)
class AuditRequest:
    """What to audit, as the CLI (or a library user) asks for it."""

    logs: Sequence[str]
    standards: Sequence[str]
    by: tuple[str, ...] = ()  # group results by these columns (default: the branch column)
    fail_on: FailOn = FailOn.FAIL
    baseline: str | None = None  # an earlier JSON report
    regression_limit: float | None = None  # fail when a rate drops by more (a fraction)
    profile: str | None = None  # the export format (default: the standards file's, or detected)
    maps: tuple[str, ...] = ()  # --map logical=source, or logical={source: ..., format: ...}
    columns: Mapping[str, ColumnEntryAt] = field(default_factory=dict)  # the config's columns:
    since: str | None = None  # audit interactions that arrived at or after this
    until: str | None = None  # ... and before this (a date: up to the end of that day)
    redact: tuple[str, ...] = ()  # --redact: columns shown as tokens (with the file's redact:)
    redact_key: bytes | None = None  # salts the tokens; random per run when None
    details: int = 0  # > 0: also the measure distributions and this many worst breaches each
    engine: str = DEFAULT_ENGINE  # where the compiled audit runs: duckdb or spark
    spark_master: str | None = None  # --engine spark: a master URL (default local, SPARK_REMOTE)
    period: PeriodUnit | None = None  # --period (default: the standards file's `period:`)
    checklists: tuple[str, ...] = ()  # --checklist: the sheets of the standards' checklist
    fold: str | None = None  # --fold KEY:LATEST_BY (default: the standards file's `fold:`)
    # every breach will be asked for (--violations): with details, the breaching rows are
    # read once and held for both (``open_audit``), instead of once each
    keep_breaches: bool = False


#: Standards given distributions and worst breaches (a scan and two charts each; HTML report)
MAX_DETAILED = 100
MAX_LISTED = runner.MAX_LISTED_REJECTS  # invalid values listed (all are counted)


@dataclass
class _Session:
    """An open audit: standards, logs, a DuckDB connection and the compiled plan."""

    standards: StandardsSet
    logs: Logs
    con: duckdb.DuckDBPyConnection
    plan: Plan
    profile: Profile
    detected: bool
    engine: Engine  # where the compiled queries run (--engine)
    redactor: Redactor  # one per session: a value gets one token in every output of a run
    held: Plan | None = None  # the breaching rows of every standard, held (keep_breaches)


@contextmanager
def _session(request: AuditRequest, standards: StandardsSet) -> Iterator[_Session]:
    """Open the logs and compile the standards; close the connection afterwards."""
    period = time_window(request.since, request.until)
    args, staged = stage_inputs(request.engine, request.spark_master, list(request.logs))
    logs = Logs.open(args, fmt=profile_format(request.profile or standards.profile))
    if staged:  # URIs: planned on a local sample, read in full by Spark, shown as given
        logs = Logs([replace(f, display=staged.get(f.path, f.display)) for f in logs.files])
    con = engine.connect(standards.time_zone, [f.path for f in logs.files])
    try:
        cols, schema = declared_schema(logs, con, standards, request.columns, request.maps)
        empty = logs.all_empty(con)
        if empty:
            raise SvcauditError(
                "the log has no rows" + (" (only a header)" if schema else ""),
                location=Location(empty[0].display),
                hint="the export produced no data; check the export's date range and filters",
            )
        profile, detected = choose_profile(request.profile, standards.profile, set(schema))
        shown = ", ".join(f.display for f in logs.files[:3])
        mapping = column_mapping(profile, cols.expressions)
        fold = parse_fold_option(request.fold) if request.fold else standards.fold
        prepare = profile.prepare
        if fold is not None:
            prepare = fold_step(fold, profile.name, profile.prepare, schema, mapping)
        plan = plan_audit(
            standards,
            schema,
            logs.relation,
            group_by=request.by or None,
            group_location=Location("--branch/--by") if request.by else None,
            origin=f"the log {shown}" + (", ..." if len(logs.files) > 3 else ""),
            mapping=mapping,
            notes=logs.notes(),
            prepare=prepare,
            required=profile.required,
            unavailable=profile.unavailable,
            period=period,
            by_period=request.period or standards.period,
            can_be_invalid=lambda c, t: any(r.can_be_invalid(c, t) for r in logs.readers),
            units=column_units(cols.declared),
            ident_with=profile.identity,
        )
        plan = replace(plan, narrow_rejects=any(r.narrow_rejects for r in logs.readers))
        where = Where(con, logs, standards.time_zone, request.spark_master, staged)
        redactor = Redactor.of((*standards.redact, *request.redact), request.redact_key)
        runs_on = get_engine(request.engine, where)
        yield _Session(standards, logs, con, plan, profile, detected, runs_on, redactor)
    finally:
        con.close()


@dataclass(frozen=True)
class Audited:
    """A finished audit whose session is still open (inside ``open_audit``): its scorecard,
    and every breaching interaction on demand, over the same plan and logs."""

    card: Scorecard
    session: _Session | None  # None: a checklist alone, no log
    request: AuditRequest
    progress: Steps | None = None

    def violations(self) -> Generator[Breaches, None, None]:
        """Every breaching interaction of every standard, with its line, a standard at a time
        and in batches (as ``explain`` with no limit), without planning the audit again."""
        if self.session is None:
            raise SvcauditError(
                "--violations lists breaching interactions; a checklist alone has none",
                location=Location("--violations"),
                hint="the checklist's invalid answers and visit scores are in the JSON report",
            )
        return _redacted(self.session, self.request, None, None, None, self.progress, lines=True)


@contextmanager
def open_audit(request: AuditRequest, progress: Steps | None = None) -> Iterator[Audited]:
    """Run an audit and keep its session open for more queries over it (``--violations``);
    raise SvcauditError when it cannot be done.

    ``progress`` is told each step ("auditing": the one scan; "repeated ids"; then the
    report's details) and the completion of its query while it runs.
    """
    if request.regression_limit is not None and request.baseline is None:
        raise SvcauditError(
            "--fail-on-regression needs --baseline PREVIOUS.json",
            location=Location("--fail-on-regression"),
        )
    baseline = load_baseline(request.baseline) if request.baseline else None
    standards = load_standards(request.standards)
    if not standards.rules:  # a checklist alone: the logs are its sheets
        card = checklist_scorecard(
            standards, request.checklists or request.logs, request.by, request.fail_on
        )
        if baseline is not None:
            card = with_baseline(card, baseline, request.regression_limit)
        redactor = Redactor.of((*standards.redact, *request.redact), request.redact_key)
        group = request.by or tuple(c.branch_column for c in card.checklists)
        yield Audited(redact_scorecard(card, redactor, group), None, request, progress)
        return
    with _session(request, standards) as session, contextlib.ExitStack() as keep:
        _check_redacted(session, request)
        card = _scorecard(session, request, progress, keep)
        if all(s.counts.in_scope == 0 for s in card.standards):
            raise runner.AuditStoppedError(
                card.rejects,
                f"no interactions in scope for any standard ({card.rows.evaluated} rows "
                "evaluated)",
                location=Location(session.standards.paths[0]),
                hint="check the `when:` conditions against the log's values (svcaudit inspect LOG)",
            )
        card = with_checklist(card, standards, request.checklists, request.by)
        if baseline is not None:  # matched on the real branch names, before any are hashed
            card = with_baseline(card, baseline, request.regression_limit)
        card = redact_scorecard(card, session.redactor, _group(request, session))
        yield Audited(card, session, request, progress)


def run_audit(request: AuditRequest, progress: Steps | None = None) -> Scorecard:
    """Run an audit (see ``open_audit``) and return its scorecard."""
    with open_audit(request, progress) as audited:
        return audited.card


def _check_redacted(session: _Session, request: AuditRequest) -> None:
    """Every column to redact is one the audit knows (a typo would leave its values shown)."""
    known = [*session.plan.schema, *(session.standards.columns or {}), "id", "branch"]
    for name in (*request.redact, *session.standards.redact):
        if not name.strip() or name.strip() in known:
            continue
        try:
            found = session.plan.resolver.resolve(name.strip()) is not None
        except UnavailableColumnError:  # a column this export never has: nothing to show
            found = True
        if not found:
            where = "--redact" if name in request.redact else session.standards.paths[0]
            raise SvcauditError(
                f"cannot redact '{name}': the log has no such column",
                location=Location(where),
                hint=did_you_mean(name, known) or "columns: " + ", ".join(known[:12]),
            )


def _group(request: AuditRequest, session: _Session) -> tuple[str, ...]:  # branch, or --by
    return request.by or (session.standards.branch,)


def _scorecard(
    session: _Session, request: AuditRequest, progress: Steps | None, keep: ExitStack | None = None
) -> Scorecard:
    """The session's scorecard: the one scan, scoring, then the report's details (with
    ``keep_breaches``, over breaching rows held until ``keep`` closes)."""
    distributions.preload()  # scoring's imports load while DuckDB reads the logs
    raw = runner.run(session.engine, session.plan, progress)
    standards = session.standards
    names = [f.display for f in session.logs.files]
    if raw.rows_evaluated == 0:
        raise runner.AuditStoppedError.nothing_evaluated(raw, names[0])
    card = score(
        " + ".join(f.name for f in standards.files),
        session.plan.compiled,
        raw,
        logs=names,
        standards_files=standards.paths,
        fail_on=request.fail_on,
    )
    shown = {b: NO_BRANCH if b is None else b for b in raw.branches}
    unit, gate = request.period or standards.period, request.fail_on == FailOn.SPECIAL_CAUSE
    card = replace(
        card,
        invalid_values=tuple(session.logs.locate(raw.invalid_values, MAX_LISTED, raw.invalid_rows)),
        trends=audit_trends(session.plan.compiled, raw, unit, shown, gate),  # the same scan's
    )
    measures: tuple[Distribution, ...] = ()
    worst: list[Breaches] = []
    if not raw.rows_rejected_on_read:  # no reader rejected a row, however many columns
        session.plan = replace(session.plan, narrow_rejects=False)
    if request.details:  # for the standards most in need of attention, a bounded number
        if request.keep_breaches and keep is not None:
            session.held = keep.enter_context(_hold_breaches(session, progress))
        chosen = card.attention_order()[:MAX_DETAILED]
        measures = _distributions(session, chosen, step(progress, "distributions"))
        worst = list(
            _redacted(session, request, chosen, None, request.details, progress, by_name=False)
        )
    return replace(
        card,
        profile=session.profile.name + (" (detected)" if session.detected else ""),
        distributions=measures,
        worst=tuple(worst),
        redacted=tuple(sorted(session.redactor.columns)),
    )


def _hold_breaches(session: _Session, progress: Steps | None) -> AbstractContextManager[Plan]:
    """Every standard's breaching rows read once and held: the plan over them."""
    ids = [cs.rule.standard.id for cs in session.plan.compiled if not cs.unavailable]
    held = functools.partial(breaching_rows, standard_ids=ids, branch=None)
    return runner.hold_rows(session.engine, session.plan, held, progress)


def _redacted(
    session: _Session,
    request: AuditRequest,
    standard_ids: Sequence[str] | None,
    branch: str | None,
    limit: int | None,
    progress: Steps | None,
    *,
    lines: bool = False,
    by_name: bool = True,
) -> Generator[Breaches, None, None]:
    """``_breaches`` with the redacted columns as tokens."""
    group = _group(request, session)
    found = _breaches(
        session, standard_ids, branch, limit, by_name=by_name, lines=lines, progress=progress
    )
    for b in found:
        yield redact_breaches(b, session.redactor, group)


def explain(
    request: AuditRequest,
    standard_ids: Sequence[str] | None,
    branch: str | None,
    limit: int | None,
    *,
    lines: bool = False,
    progress: Steps | None = None,
) -> Iterator[Breaches]:
    """The breaching interactions of some standards (all when None), optionally in one branch,
    one standard at a time; with no ``limit``, a standard's come in several parts (batches of
    ``steps.BATCH_ROWS``): a violations file of millions of rows is written as it is read,
    never held whole. The logs stay open until the iterator ends.

    ``lines``: also the line of each interaction in its file (one more pass over the files).
    """
    with _session(request, load_standards(request.standards)) as session:
        _check_redacted(session, request)
        shown = False
        for b in _redacted(session, request, standard_ids, branch, limit, progress, lines=lines):
            shown = shown or bool(b.rows)
            yield b
        if branch is not None and not shown:  # no breach there: is there such a branch?
            names = runner.fetch(session.engine, session.plan, branch_names)
            hidden = any(session.redactor.covers(c) for c in _group(request, session))
            check_branch(branch, [str(n) for (n, *_) in names], redacted=hidden)


def _lines(
    session: _Session, column: str, pairs: Iterable[Sequence[object]]
) -> dict[tuple[str, str], int]:
    """(file, id) -> the line of that interaction in its file, found by its id (the log's
    ``column``), for the given (file, id) pairs. Files without lines are not read."""
    wanted: dict[str, set[str]] = {}
    for source, value in pairs:
        if source is not None and value is not None:
            wanted.setdefault(str(source), set()).add(str(value))
    found: dict[tuple[str, str], int] = {}
    for reader in session.logs.readers:
        for f in reader.files:
            if f.display in wanted and reader.has_lines(f):
                for value, line in reader.record_lines(f, column, wanted[f.display]).items():
                    found[(f.display, value)] = line
    return found


def _with_lines(b: Breaches, lines: Mapping[tuple[str, str], int]) -> Breaches:
    return replace(
        b,
        lines=tuple(
            None if source is None else lines.get((source, str(row[1])))
            for row, source in zip(b.rows, b.files, strict=True)
        ),
    )


def _breaches(
    session: _Session,
    standard_ids: Sequence[str] | None,
    branch: str | None,
    limit: int | None,
    *,
    by_name: bool = True,
    lines: bool = False,
    progress: Steps | None = None,
) -> Iterator[Breaches]:
    ids = standard_ids or [cs.rule.standard.id for cs in session.plan.compiled]
    unavailable = {cs.rule.standard.id: cs.unavailable for cs in session.plan.compiled}
    queries = []
    for standard_id in ids:
        missing = unavailable.get(standard_id)
        if missing and standard_ids and by_name:  # asked for by name: say why there is none
            raise SvcauditError(
                f"'{standard_id}' has no data to explain: the export has no '{missing}'",
                location=Location(standard_id),
                hint="this export format does not record it (see svcaudit inspect LOG)",
            )
        if not missing:  # (an unknown id is an error here, before any query runs)
            queries.append(breach_columns(session.plan, standard_id))
    found = [q.standard.rule.standard.id for q in queries]
    builds = [
        functools.partial(_breach_tree, standard_id=i, branch=branch, limit=limit) for i in found
    ]
    plan, logs = session.plan, session.logs
    # lines are looked up by the id, when it is a plain column, in line-based files
    ident = plan.ident
    column = ident.name if lines and isinstance(ident, exp.Column) else None
    if not any(r.has_lines(f) for r in logs.readers for f in r.files):
        column = None
    on_held = session.held  # every standard's breaching rows, when held already
    if len(builds) == 1 and limit is not None:  # a few rows of one standard: one query
        if on_held is not None:
            tree = builds[0](on_held)
            rows = session.engine.execute(session.engine.render(tree), step(progress, "breaches"))
        else:
            rows = runner.fetch(session.engine, plan, builds[0], step(progress, "breaches"))
        b = _breaches_of(queries[0], rows)
        if column is not None:
            _finding_lines(progress)
            pairs = zip(b.files, (r[1] for r in b.rows), strict=True)
            b = _with_lines(b, _lines(session, column, pairs))
        yield b
    elif builds:  # one scan for them all: the breaching rows, held for each standard's query
        held = functools.partial(breaching_rows, standard_ids=found, branch=branch)
        # their lines first, then each standard's rows
        first = [interactions] if column is not None else []
        each = (
            runner.fetch_each(session.engine, plan, held, [*first, *builds], progress)
            if on_held is None
            else runner.fetch_each_on(session.engine, on_held, [*first, *builds], progress)
        )
        with contextlib.closing(each):
            line_of: dict[tuple[str, str], int] = {}
            if column is not None:
                found_pairs = [pair for batch in next(each) for pair in batch]
                _finding_lines(progress)
                line_of = _lines(session, column, found_pairs)
                del found_pairs
            for query, batches in zip(queries, each, strict=True):
                # without a limit (every breach), a standard's rows come a batch at a time
                parts = batches if limit is None else [[r for batch in batches for r in batch]]
                for rows in parts:
                    b = _breaches_of(query, rows)
                    yield _with_lines(b, line_of) if column is not None else b


def _finding_lines(progress: Steps | None) -> None:
    if progress is not None:  # a pass over the files in Python: no measure of it
        progress("finding lines", None)


def _breaches_of(query: BreachColumns, rows: Sequence[Sequence[object]]) -> Breaches:
    cs = query.standard
    return Breaches(
        standard_id=cs.rule.standard.id,
        title=cs.rule.standard.title,
        limit=limit_text(cs),
        measure_is_duration=cs.measure_kind == Kind.DURATION,
        columns=query.columns,
        rows=tuple((*r[:3], *r[4:]) for r in rows),
        files=tuple(None if r[3] is None else str(r[3]) for r in rows),
        durations=query.durations,
    )


def _breach_tree(plan: Plan, standard_id: str, branch: str | None, limit: int | None) -> exp.Select:
    return breach_query(plan, standard_id, branch, limit).tree


def _distribution_tree(plan: Plan, ids: Sequence[str]) -> exp.Select:
    query = distribution_query(plan, BUCKETS, BUCKETS_PER_LIMIT, ids)
    assert query is not None  # the same standards qualify on every engine's plan
    return query.tree


def _distributions(
    session: _Session, ids: Sequence[str], progress: Progress | None
) -> tuple[Distribution, ...]:
    """Measured standards' values counted in buckets around their limits (one scan)."""
    query = distribution_query(session.plan, BUCKETS, BUCKETS_PER_LIMIT, ids)
    if query is None:
        return ()
    build = functools.partial(_distribution_tree, ids=ids)
    rows = runner.fetch(session.engine, session.plan, build, progress)
    out = []
    for cs, found in zip(query.standards, query.counts(rows), strict=True):
        assert cs.limit is not None
        out.append(
            Distribution(
                standard_id=cs.rule.standard.id,
                limit=cs.limit,
                at_most=cs.rule.standard.at_most is not None,
                measure_is_duration=cs.measure_kind == Kind.DURATION,
                counts=tuple(found.get(i, 0) for i in range(-1, BUCKETS + 1)),
            )
        )
    return tuple(out)
