"""Standards for the benchmark: 10 hand-picked ones, and variants of them up to 200 or 800.

One list of ``Spec`` values feeds all three contenders, so they audit the same standards:
the svcaudit YAML file, the hand-written DuckDB query (``expert.py``) and the pandas script
(``analyst_pandas.py``, which reads them as a JSON table, as an analyst reads a spreadsheet).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path

# measure name -> (svcaudit measure, pandas/SQL definition)
#   ("diff", start, end): seconds from start to end; ("col", c): a number column
MEASURES: dict[str, tuple[str, ...]] = {
    "greet_wait": ("diff", "arrived_at", "greeted_at"),
    "handling_time": ("diff", "arrived_at", "completed_at"),
    "email_reply": ("diff", "arrived_at", "first_reply_at"),
    "rings": ("col", "rings"),
    "hold_seconds": ("col", "hold_seconds"),
}


@dataclass(frozen=True)
class Spec:
    """One standard: scope (kind, optional priority), measure and limit, or a check."""

    id: str
    kind: str
    priority: str | None  # None: any priority
    measure: str | None  # a key of MEASURES; None for the check
    at_most: int | None  # seconds for durations, a count for rings
    duration: bool  # at_most is seconds of a duration (else a plain number)
    missing: str = "fail"
    check: str | None = None  # a boolean column (scope adds hold_seconds > 30)


BASE = [
    Spec("greet-60s", "arrival", None, "greet_wait", 60, True),
    Spec("phone-3-rings", "call", None, "rings", 3, False),
    Spec("hold-30s", "call", None, "hold_seconds", 30, True),
    Spec("callback-offered", "call", None, None, None, False, check="callback_offered"),
    Spec("checkin-5min", "check-in", None, "handling_time", 300, True),
    Spec("luggage-10min", "luggage", None, "handling_time", 600, True, missing="skip"),
    Spec("email-24h", "email", None, "email_reply", 86400, True),
    Spec("vip-greet-30s", "arrival", "vip", "greet_wait", 30, True),
    Spec("call-10min", "call", None, "handling_time", 600, True),
    Spec("high-email-4h", "email", "high", "email_reply", 14400, True),
]
FACTORS = [
    1.0,
    0.5,
    0.75,
    1.25,
    1.5,
    2.0,
    0.25,
    3.0,
    0.9,
    1.1,
    0.6,
    0.8,
    1.2,
    1.4,
    1.75,
    2.5,
    4.0,
    0.4,
    0.3,
    0.2,
    0.7,
    1.3,
    1.6,
    1.8,
    2.2,
]


def specs(n: int) -> list[Spec]:
    """``n`` standards: the base ten, then variants (other priority, other limit)."""
    out = list(BASE[:n])
    seen = {s.id for s in out}
    for factor in FACTORS:
        for priority in (None, "normal", "high", "vip"):
            for base in BASE:
                if len(out) >= n:
                    return out
                if base.check is not None:
                    if factor != 1.0:
                        continue
                    limit = None
                else:
                    assert base.at_most is not None
                    limit = max(1, round(base.at_most * factor))
                sid = f"{base.id}-{priority or 'all'}-x{factor:g}".replace(".", "p")
                if sid in seen:
                    continue
                seen.add(sid)
                out.append(replace(base, id=sid, priority=priority, at_most=limit))
    if len(out) < n:
        raise ValueError(f"only {len(out)} distinct standards")
    return out


def yaml_text(standards: list[Spec]) -> str:
    """The svcaudit standards file."""
    lines = [
        "svcaudit: 1",
        f"name: Benchmark ({len(standards)} standards)",
        "branch: branch",
        "time_zone: Europe/Warsaw",
        "fields:",
        "  greet_wait: greeted_at - arrived_at",
        "  handling_time: completed_at - arrived_at",
        "  email_reply: first_reply_at - arrived_at",
        "standards:",
    ]
    for s in standards:
        when = f'kind == "{s.kind}"'
        if s.priority:
            when += f' and priority == "{s.priority}"'
        lines += [f"  - id: {s.id}", f"    title: {s.id}"]
        if s.check:
            lines += [f"    when: {when} and hold_seconds > 30", f"    check: {s.check}"]
        else:
            lines += [f"    when: {when}", f"    measure: {s.measure}"]
            lines.append(
                f"    at_most: {s.at_most}s" if s.duration else f"    at_most: {s.at_most}"
            )
            if s.measure == "hold_seconds":
                lines.append("    unit: s")
        lines += ["    target: 90%", f"    missing: {s.missing}"]
    return "\n".join(lines) + "\n"


def write(n: int, folder: Path) -> tuple[Path, Path]:
    """standards-N.yaml (for svcaudit) and standards-N.json (for the others)."""
    folder.mkdir(parents=True, exist_ok=True)
    chosen = specs(n)
    yaml_path, json_path = folder / f"standards-{n}.yaml", folder / f"standards-{n}.json"
    yaml_path.write_text(yaml_text(chosen), encoding="utf-8")
    json_path.write_text(json.dumps([asdict(s) for s in chosen], indent=1), encoding="utf-8")
    return yaml_path, json_path
