"""Small helpers shared by the tests: write fixtures, run an audit, read its counts."""

from __future__ import annotations

import textwrap
from pathlib import Path

from svcaudit.audit import AuditRequest, run_audit
from svcaudit.score import FailOn, Scorecard, StandardResult

REPO = Path(__file__).resolve().parent.parent


def write(path: Path, text: str, *, dedent: bool = True) -> Path:
    """Write ``text`` (dedented) as UTF-8 with LF line ends and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((textwrap.dedent(text) if dedent else text).encode("utf-8"))
    return path


def audit(
    logs: list[Path | str],
    standards: list[Path | str],
    *,
    fail_on: FailOn = FailOn.FAIL,
) -> Scorecard:
    """Run an audit in-process."""
    return run_audit(
        AuditRequest(
            logs=[str(p) for p in logs],
            standards=[str(p) for p in standards],
            fail_on=fail_on,
        )
    )


def standard(card: Scorecard, sid: str) -> StandardResult:
    """The result of one standard, by id."""
    found = [s for s in card.standards if s.id == sid]
    assert len(found) == 1, f"{sid} not in {[s.id for s in card.standards]}"
    return found[0]


def chain(card: Scorecard, sid: str) -> tuple[int, int, int, int]:
    """(in_scope, passed, failed, unmeasured) of one standard over the chain."""
    c = standard(card, sid).counts
    return (c.in_scope, c.passed, c.failed, c.unmeasured)


def per_branch(card: Scorecard, sid: str) -> dict[str, tuple[int, int, int, int]]:
    """{branch: (in_scope, passed, failed, unmeasured)} of one standard."""
    return {
        b.branch: (b.counts.in_scope, b.counts.passed, b.counts.failed, b.counts.unmeasured)
        for b in standard(card, sid).branches
    }


def assert_accounting(card: Scorecard) -> None:
    """The design's row accounting: read = evaluated + rejected; in scope = passed+failed+unm."""
    assert card.rows.read == card.rows.evaluated + card.rows.rejected
    for s in card.standards:
        c = s.counts
        assert c.in_scope == c.passed + c.failed + c.unmeasured, s.id
        assert c.in_scope <= card.rows.evaluated, s.id
        assert sum(b.counts.in_scope for b in s.branches) == c.in_scope, s.id
        assert sum(b.counts.passed for b in s.branches) == c.passed, s.id


#: rows of ``write_big_audit``'s log: a scan of several seconds, to interrupt in the middle
BIG_ROWS = 16_000_000


def write_big_audit(d: Path, rows: int = BIG_ROWS) -> None:
    """``d/big.parquet`` (``rows`` interactions in 50 branches) and ``d/s.yaml`` (24
    standards): an audit of several seconds, for tests that signal a real process."""
    import duckdb  # noqa: PLC0415 (only these tests need it here)

    duckdb.sql(
        f"""COPY (SELECT 'B' || (i % 50) AS branch,
                         TIMESTAMP '2025-01-01' + to_seconds(i // 10) AS arrived_at,
                         (hash(i) % 120)::INT AS greet_seconds,
                         (hash(i * 7) % 90)::INT AS hold_seconds
                  FROM range({rows}) t(i)) TO '{d / "big.parquet"}' (FORMAT parquet)"""
    )
    lines = ["svcaudit: 1", "name: Big", "standards:"]
    for i in range(12):
        for measure in ("greet", "hold"):
            lines += [
                f"  - id: {measure}-{i}",
                f"    title: {measure} {i}",
                f"    measure: {measure}",
                f"    at_most: {10 + 5 * i}s",
                f"    when: hold > {i}s",
            ]
    write(d / "s.yaml", "\n".join(lines) + "\n")
