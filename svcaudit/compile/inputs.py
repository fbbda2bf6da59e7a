"""What an audit reads the logs as, before planning: the profile (asked for, named in the
standards file, or detected), the format it reads, the logical columns (the profile's, then
`columns:`, then ``--map``), and an event log's fold (``fold:``, ``--fold KEY:LATEST_BY``): the
prepare step that keeps one row per id, the latest by a column, checked against the log."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta

from svcaudit.errors import Location, SvcauditError, did_you_mean
from svcaudit.expressions.nodes import Name
from svcaudit.expressions.parser import parse_expression
from svcaudit.expressions.types import Kind, kind_of_sql_type
from svcaudit.sources.base import target_type
from svcaudit.sources.files import LogFormat
from svcaudit.sources.prepare import LatestPerKey, Prepare
from svcaudit.sources.profiles import PROFILES, Profile, detect_profile
from svcaudit.standards.loader import FoldSpec, ParsedExpression
from svcaudit.standards.model import Fold


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


def profile_format(name: str | None) -> LogFormat | None:
    """The log format a named profile reads (``asterisk-queue-log``: queue_log), whatever the
    files are called; None for profiles over any format (an unknown name is refused later)."""
    profile = PROFILES.get(name) if name else None
    return LogFormat(profile.reader) if profile is not None and profile.reader else None


def column_mapping(
    profile: Profile, columns: Mapping[str, ParsedExpression]
) -> dict[str, ParsedExpression]:
    """Logical columns: the profile's, then `columns:` (the standards files', the config
    file's and --map's, merged by ``layers``; --map's renames applied at once: a swap works)."""
    mapping: dict[str, ParsedExpression] = {}
    where = Location(f"profile {profile.name}")
    for name, text in profile.columns.items():
        mapping[name] = ParsedExpression(text, parse_expression(text), where, None)
    mapping.update(columns)
    return mapping


def parse_fold_option(text: str) -> FoldSpec:
    """``--fold KEY:LATEST_BY`` as a fold."""
    key, sep, latest = (part.strip() for part in text.rpartition(":"))
    if not sep or not key or not latest:
        raise SvcauditError(
            f"--fold '{text}' needs KEY:LATEST_BY",
            location=Location("--fold"),
            hint="e.g. --fold number:sys_mod_count (one row per number, the highest "
            "sys_mod_count)",
        )
    return FoldSpec(Fold(key=key, latest_by=latest), Location("--fold"))


def fold_step(
    spec: FoldSpec,
    profile: str,
    profile_step: Prepare | None,
    schema: Mapping[str, str],
    mapping: Mapping[str, ParsedExpression],
) -> Prepare:
    """The step that folds the log as ``spec`` says; its columns must be the log's (a
    logical column mapped plainly to one counts as that column)."""
    if profile_step is not None:
        raise SvcauditError(
            f"the {profile} profile already {profile_step.summary}: it cannot be folded again",
            location=spec.location,
            hint="remove the fold, or pass --profile generic to fold the rows yourself",
        )
    key = _column(spec.fold.key, "key", spec, schema, mapping)
    order = _column(spec.fold.latest_by, "latest_by", spec, schema, mapping)
    typ = schema[order]
    kind = kind_of_sql_type(typ)
    if kind not in (Kind.NUMBER, Kind.TIMESTAMP):
        raise SvcauditError(
            f"the fold's latest_by column '{order}' is read as text ({typ}), whose order is "
            "not the order of updates ('10' sorts before '9')",
            location=spec.location,
            hint="fold by a number or timestamp column (an update counter, an update time); "
            "run `svcaudit inspect LOG` to see each column's type",
        )
    return LatestPerKey(key=key, order=order, order_type=target_type(kind, typ), what="update")


def _column(
    name: str,
    what: str,
    spec: FoldSpec,
    schema: Mapping[str, str],
    mapping: Mapping[str, ParsedExpression],
) -> str:
    if name in schema:
        return name
    parsed = mapping.get(name)
    if parsed is not None and isinstance(parsed.tree, Name) and parsed.tree.name in schema:
        return parsed.tree.name
    raise SvcauditError(
        f"the fold's {what} column '{name}' is not in the log",
        location=spec.location,
        hint=did_you_mean(name, list(schema)) or "columns: " + ", ".join(list(schema)[:12]),
    )


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


def time_window(since: str | None, until: str | None) -> tuple[str | None, str | None]:
    """--since and --until as bounds; an --until at or before --since selects nothing, so it
    is an error (naive and zoned times are compared as if the naive one were UTC)."""
    start, end = _bound(since, "--since", False), _bound(until, "--until", True)
    if start is not None and end is not None:
        a, b = (datetime.fromisoformat(t) for t in (start, end))
        if (a.tzinfo is None) != (b.tzinfo is None):
            a, b = (t if t.tzinfo else t.replace(tzinfo=UTC) for t in (a, b))
        if b <= a:
            raise SvcauditError(
                f"--until {until} is not after --since {since}: no interaction can be in "
                "the period",
                location=Location("--until"),
                hint="--since is the first day audited, --until the last (a date: through it)",
            )
    return start, end


__all__ = [
    "choose_profile",
    "column_mapping",
    "fold_step",
    "parse_fold_option",
    "profile_format",
    "time_window",
]
