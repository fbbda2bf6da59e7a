"""One audit from end to end: standards + logs -> compile -> engine -> score."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from svcaudit import engine
from svcaudit.baseline import load_baseline
from svcaudit.compile import compile_audit
from svcaudit.errors import Location, SvcauditError
from svcaudit.score import FailOn, Scorecard, score, with_baseline
from svcaudit.sources import Logs
from svcaudit.standards.loader import load_standards


@dataclass(frozen=True)
class AuditRequest:
    """What to audit, as the CLI (or a library user) asks for it."""

    logs: Sequence[str]
    standards: Sequence[str]
    by: tuple[str, ...] = ()  # group results by these columns (default: the branch column)
    fail_on: FailOn = FailOn.FAIL
    baseline: str | None = None  # an earlier JSON report
    regression_limit: float | None = None  # fail when a rate drops by more (a fraction)


def run_audit(request: AuditRequest) -> Scorecard:
    """Run an audit; raise SvcauditError when it cannot be done."""
    if request.regression_limit is not None and request.baseline is None:
        raise SvcauditError(
            "--fail-on-regression needs --baseline PREVIOUS.json",
            location=Location("--fail-on-regression"),
        )
    standards = load_standards(request.standards)
    baseline = load_baseline(request.baseline) if request.baseline else None
    logs = Logs.open(request.logs)
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
        by_loc = Location("--branch/--by") if request.by else None
        shown = ", ".join(f.display for f in logs.files[:3]) + (
            ", ..." if len(logs.files) > 3 else ""
        )
        query = compile_audit(
            standards,
            schema,
            logs.relation,
            group_by=request.by or None,
            group_location=by_loc,
            origin=f"the log {shown}",
        )
        raw = engine.run(con, query, logs.readers)
    finally:
        con.close()
    names = [f.display for f in logs.files]
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
    if baseline is not None:
        card = with_baseline(card, baseline, request.regression_limit)
    if all(s.counts.in_scope == 0 for s in card.standards):
        raise SvcauditError(
            f"no interactions in scope for any standard ({raw.rows_evaluated} rows evaluated)",
            location=Location(standards.paths[0]),
            hint="check the `when:` conditions against the log's values (svcaudit inspect LOG)",
        )
    return card
