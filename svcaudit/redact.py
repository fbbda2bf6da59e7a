"""Personal data out of shareable reports: redacted columns become keyed-hash tokens.

A value of a redacted column (``--redact agent`` or ``redact: [agent]`` in the standards file)
is replaced by ``anon-`` and the first 10 hex digits of HMAC-SHA-256(key, value). The key is
random for each run unless one is given, so the same person maps to the same token everywhere
in one run's reports (scorecard, HTML, JSON, violations file, explain) but tokens cannot be
looked up in a table of hashed names, nor linked across runs. Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from svcaudit.findings import Breaches
from svcaudit.league import ChecklistResult, League, VisitScore
from svcaudit.score import BranchResult, ConsistencyResult, Scorecard

TOKEN_DIGITS = 10


@dataclass(frozen=True)
class Redactor:
    """Hashes the values of some columns; ``key`` salts the hash (random when not given)."""

    columns: frozenset[str] = frozenset()
    key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)

    @classmethod
    def of(cls, columns: Iterable[str], key: bytes | None = None) -> Redactor:
        """A redactor for ``columns`` (names as the standards use them)."""
        names = frozenset(c.strip() for c in columns if c.strip())
        return cls(names) if key is None else cls(names, key)

    def __bool__(self) -> bool:
        return bool(self.columns)

    def covers(self, column: str) -> bool:
        """Whether the values of ``column`` are redacted."""
        return column in self.columns

    def token(self, value: object) -> object:
        """The stable token standing for ``value`` (None stays None: a missing value)."""
        if value is None:
            return None
        digest = hmac.new(self.key, str(value).encode("utf-8"), hashlib.sha256).hexdigest()
        return "anon-" + digest[:TOKEN_DIGITS]

    def text(self, value: str) -> str:
        """``token`` for text that is never missing (branch names)."""
        return str(self.token(value))


def redact_breaches(found: Breaches, redactor: Redactor, group: Iterable[str]) -> Breaches:
    """Breaching interactions with redacted columns (and the branch, id if listed) hashed."""
    if not redactor:
        return found
    hash_branch = any(redactor.covers(g) for g in group)
    hash_id = redactor.covers("id")
    hashed = [redactor.covers(c) for c in found.columns]
    rows = []
    for branch, ident, value, *cols in found.rows:
        rows.append(
            (
                redactor.token(branch) if hash_branch else branch,
                redactor.token(ident) if hash_id else ident,
                value,
                *(redactor.token(v) if h else v for v, h in zip(cols, hashed, strict=True)),
            )
        )
    return replace(found, rows=tuple(rows))


def redact_scorecard(card: Scorecard, redactor: Redactor, group: Iterable[str]) -> Scorecard:
    """The scorecard with branch names hashed when the branch (group) column is redacted
    (and a checklist's visitors and branches when their columns are)."""
    card = replace(card, checklists=tuple(redact_checklist(c, redactor) for c in card.checklists))
    if not any(redactor.covers(g) for g in group):
        return card
    names = redactor.text

    def branch(b: BranchResult) -> BranchResult:
        return replace(b, branch=names(b.branch))

    def consistency(c: ConsistencyResult | None) -> ConsistencyResult | None:
        if c is None:
            return None
        return replace(
            c,
            alarm_low=tuple(map(names, c.alarm_low)),
            alert_low=tuple(map(names, c.alert_low)),
            high=tuple(map(names, c.high)),
        )

    standards = tuple(
        replace(
            s,
            branches=tuple(branch(b) for b in s.branches),
            consistency=consistency(s.consistency),
        )
        for s in card.standards
    )
    trends = tuple(
        replace(t, branches=tuple(replace(b, branch=names(b.branch)) for b in t.branches))
        for t in card.trends
    )
    return replace(
        card, standards=standards, branches=tuple(map(names, card.branches)), trends=trends
    )


def redact_checklist(c: ChecklistResult, redactor: Redactor) -> ChecklistResult:
    """A checklist's visitors (and branch names) as tokens when their columns are redacted."""
    visitors = c.visitor_column is not None and redactor.covers(c.visitor_column)
    branches = redactor.covers(c.branch_column)
    if not visitors and not branches:
        return c
    names = redactor.text if branches else str

    def visit(v: VisitScore) -> VisitScore:
        who = v.visitor if v.visitor is None or not visitors else redactor.text(v.visitor)
        return replace(v, visitor=who, branch=names(v.branch))

    def scores(league: League) -> League:
        rows = tuple(replace(b, branch=names(b.branch)) for b in league.branches)
        return replace(league, branches=rows)

    return replace(c, visits=tuple(map(visit, c.visits)), league=scores(c.league))
