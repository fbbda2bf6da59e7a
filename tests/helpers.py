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
