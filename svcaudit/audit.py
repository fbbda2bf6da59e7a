"""One audit from end to end: standards + logs -> compile -> engine -> score."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import duckdb

from svcaudit import engine
from svcaudit.baseline import load_baseline
from svcaudit.compile import Plan, aggregate_query, breach_query, plan_audit
from svcaudit.engines import DEFAULT_ENGINE, get_engine, stage_inputs
from svcaudit.errors import Location, SvcauditError, did_you_mean
from svcaudit.expressions.parser import parse_expression
from svcaudit.expressions.types import Kind
from svcaudit.score import Breaches, FailOn, Scorecard, limit_text, score, with_baseline
from svcaudit.sources import Logs
from svcaudit.sources.profiles import PROFILES, Profile, detect_profile
from svcaudit.standards.loader import ParsedExpression, StandardsSet, load_standards


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
    maps: tuple[str, ...] = ()  # --map logical=source
    since: str | None = None  # audit interactions that arrived at or after this
    until: str | None = None  # ... and before this (a date: up to the end of that day)
    engine: str = DEFAULT_ENGINE  # where the compiled audit runs: duckdb or spark
    spark_master: str | None = None  # --engine spark: a master URL (default local, SPARK_REMOTE)


def _bound(value: str | None, option: str, end_of_day: bool) -> str | None:
    """An ISO date or timestamp for --since/--until; a date --until includes that whole day."""
    if value is None:
        return None
    try:
        if len(value.strip()) == 10:
            day = date.fromisoformat(value.strip())
            return (day + timedelta(days=1) if end_of_day else day).isoformat()
        return datetime.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise SvcauditError(
            f"'{value}' is not a date or timestamp",
            location=Location(option),
            hint="write 2025-03-01 or 2025-03-01T08:00:00+01:00",
        ) from None


def choose_profile(
    requested: str | None, from_file: str | None, columns: set[str]
) -> tuple[Profile, bool]:
    """The profile to use and whether it was detected rather than asked for."""
    name = requested or from_file
    if name is None:
        found = detect_profile(columns)
        return (found, True) if found is not None else (PROFILES["generic"], False)
    if name not in PROFILES:
        where = "--profile" if requested else "profile:"
        raise SvcauditError(
            f"unknown profile '{name}'",
            location=Location(where),
            hint=did_you_mean(name, PROFILES) or "profiles: " + ", ".join(PROFILES),
        )
    return PROFILES[name], False


def column_mapping(
    profile: Profile, file_columns: Mapping[str, ParsedExpression], maps: Sequence[str]
) -> dict[str, ParsedExpression]:
    """Logical columns: the profile's, then the standards files' `columns:`, then --map."""
    mapping: dict[str, ParsedExpression] = {}
    where = Location(f"profile {profile.name}")
    for name, text in profile.columns.items():
        mapping[name] = ParsedExpression(text, parse_expression(text), where, None)
    mapping.update(file_columns)
    for spec in maps:
        logical, sep, source = spec.partition("=")
        logical, source = logical.strip(), source.strip()
        if not sep or not logical or not source:
            raise SvcauditError(
                f"--map '{spec}' needs LOGICAL=SOURCE",
                location=Location("--map"),
                hint="e.g. --map arrived_at=created_on",
            )
        text = "`" + source.replace("`", "``") + "`"
        mapping[logical] = ParsedExpression(text, parse_expression(text), Location("--map"), None)
    return mapping


@dataclass
class _Session:
    """An open audit: standards, logs, a DuckDB connection and the compiled plan."""

    standards: StandardsSet
    logs: Logs
    con: duckdb.DuckDBPyConnection
    plan: Plan
    profile: Profile
    detected: bool
    staged: dict[str, str]  # local sample -> the URI it stands for (--engine spark)


@contextmanager
def _session(request: AuditRequest) -> Iterator[_Session]:
    """Load standards, open the logs and compile; close the connection afterwards."""
    period = (_bound(request.since, "--since", False), _bound(request.until, "--until", True))
    standards = load_standards(request.standards)
    args, staged = stage_inputs(request.engine, request.spark_master, list(request.logs))
    logs = Logs.open(args)
    if staged:  # URIs: planned on a local sample, read in full by Spark, shown as given
        logs = Logs([replace(f, display=staged.get(f.path, f.display)) for f in logs.files])
    con = engine.connect(standards.time_zone)
    try:
        schema = logs.schema(con)
        empty = logs.all_empty(con)
        if empty:
            raise SvcauditError(
                "the log has no rows" + (" (only a header)" if schema else ""),
                location=Location(empty[0].display),
                hint="the export produced no data; check the export's date range and filters",
            )
        profile, detected = choose_profile(request.profile, standards.profile, set(schema))
        shown = ", ".join(f.display for f in logs.files[:3])
        plan = plan_audit(
            standards,
            schema,
            logs.relation,
            group_by=request.by or None,
            group_location=Location("--branch/--by") if request.by else None,
            origin=f"the log {shown}" + (", ..." if len(logs.files) > 3 else ""),
            mapping=column_mapping(profile, standards.columns, request.maps),
            notes=logs.notes(),
            dedupe=profile.dedupe,
            required=profile.required,
            unavailable=profile.unavailable,
            period=period,
        )
        yield _Session(standards, logs, con, plan, profile, detected, staged)
    finally:
        con.close()


def run_audit(request: AuditRequest) -> Scorecard:
    """Run an audit; raise SvcauditError when it cannot be done."""
    if request.regression_limit is not None and request.baseline is None:
        raise SvcauditError(
            "--fail-on-regression needs --baseline PREVIOUS.json",
            location=Location("--fail-on-regression"),
        )
    baseline = load_baseline(request.baseline) if request.baseline else None
    with _session(request) as session:
        query = aggregate_query(session.plan)
        runner = get_engine(request.engine, session.con, request.spark_master, session.staged)
        raw = runner.run(session.plan, query, session.logs, session.standards.time_zone)
    standards, profile = session.standards, session.profile
    names = [f.display for f in session.logs.files]
    if raw.rows_evaluated == 0:
        raise SvcauditError(
            "no interaction could be evaluated"
            + (f": all {raw.rows_rejected} rows were rejected" if raw.rows_rejected else ""),
            location=Location(names[0]),
            hint=(raw.rejects[0].reason if raw.rejects else "the log has a header but no rows"),
        )
    card = score(
        " + ".join(f.name for f in standards.files),
        query.standards,
        raw,
        logs=names,
        standards_files=standards.paths,
        fail_on=request.fail_on,
    )
    card = replace(card, profile=profile.name + (" (detected)" if session.detected else ""))
    if baseline is not None:
        card = with_baseline(card, baseline, request.regression_limit)
    if all(s.counts.in_scope == 0 for s in card.standards):
        raise SvcauditError(
            f"no interactions in scope for any standard ({raw.rows_evaluated} rows evaluated)",
            location=Location(standards.paths[0]),
            hint="check the `when:` conditions against the log's values (svcaudit inspect LOG)",
        )
    return card


def explain(
    request: AuditRequest, standard_ids: Sequence[str] | None, branch: str | None, limit: int | None
) -> list[Breaches]:
    """The breaching interactions of some standards (all when None), optionally in one branch."""
    out = []
    with _session(request) as session:
        runner = get_engine(request.engine, session.con, request.spark_master, session.staged)
        ids = standard_ids or [cs.rule.standard.id for cs in session.plan.compiled]
        for standard_id in ids:
            query = breach_query(session.plan, standard_id, branch, limit)
            if query.standard.unavailable:
                continue
            rows = runner.fetch(session.plan, query, session.logs, session.standards.time_zone)
            cs = query.standard
            out.append(
                Breaches(
                    standard_id=standard_id,
                    title=cs.rule.standard.title,
                    limit=limit_text(cs),
                    measure_is_duration=cs.measure_kind == Kind.DURATION,
                    columns=query.columns,
                    rows=tuple(tuple(r) for r in rows),
                )
            )
    return out
