"""Property: on generated logs with random bad rows, the row accounting adds up and equals a
count made in Python from the rows as they were generated.

``read = evaluated + rejected``; per standard ``in scope = passed + failed + unmeasured``; the
branches add up to the chain; every bad row is rejected and listed at its line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.helpers import assert_accounting, audit, chain, per_branch

HEADER = "id,branch,arrived_at,greeted_at,hold_seconds"
STANDARDS = """\
svcaudit: 1
name: Accounting
time_zone: UTC
standards:
  - id: greet-60s
    title: Greeted within 60 seconds
    measure: greeted_at - arrived_at
    at_most: 60s
  - id: hold-30s
    title: Held at most 30 seconds
    when: branch != "B"
    measure: hold
    at_most: 30s
    missing: skip
"""
BRANCHES = ["A", "B", "Łódź"]


@dataclass(frozen=True)
class Good:
    branch: str
    greet: int | None  # seconds, None: not greeted (unmeasured)
    hold: int

    def line(self, i: int) -> str:
        greeted = "" if self.greet is None else f"2025-03-03 09:{self.greet // 60:02d}:" + (
            f"{self.greet % 60:02d}"
        )
        return f"{i},{self.branch},2025-03-03 09:00:00,{greeted},{self.hold}"


BAD_KINDS = ["timestamp", "number", "too-many", "too-few", "header"]


def _bad_line(kind: str, i: int) -> str:
    return {
        "timestamp": f"{i},A,not a time,2025-03-03 09:00:10,5",
        "number": f"{i},A,2025-03-03 09:00:00,2025-03-03 09:00:10,lots",
        "too-many": f"{i},A,2025-03-03 09:00:00,2025-03-03 09:00:10,5,extra",
        "too-few": f"{i},A,2025-03-03 09:00:00",
        "header": HEADER,
    }[kind]


good_rows = st.builds(
    Good,
    st.sampled_from(BRANCHES),
    st.one_of(st.none(), st.integers(0, 120)),
    st.integers(0, 60),
)
logs = st.tuples(
    st.lists(good_rows, min_size=4, max_size=30),
    st.lists(st.sampled_from(BAD_KINDS), max_size=4),
    st.randoms(use_true_random=False),
    st.sampled_from(["\n", "\r\n"]),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(logs)
def test_row_accounting_on_logs_with_bad_rows(
    tmp_path: Path, log: tuple[list[Good], list[str], object, str]
) -> None:
    good, bad, rnd, end = log
    # a column is typed from what most of its values hold: keep the bad rows a minority
    assume(sum(g.greet is not None for g in good) > 2 * len(bad))
    entries: list[Good | str] = [*good, *bad]
    rnd.shuffle(entries)  # type: ignore[attr-defined]
    lines, bad_lines = [HEADER], []
    for i, entry in enumerate(entries, start=1):
        if isinstance(entry, Good):
            lines.append(entry.line(i))
        else:
            lines.append(_bad_line(entry, i))
            bad_lines.append(len(lines))  # 1-based physical line
    path = tmp_path / "log.csv"
    path.write_bytes(end.join(lines).encode("utf-8") + end.encode())
    rules = tmp_path / "rules.yaml"
    rules.write_text(STANDARDS, encoding="utf-8")

    card = audit([path], [rules])
    assert_accounting(card)
    assert (card.rows.read, card.rows.evaluated, card.rows.rejected) == (
        len(entries),
        len(good),
        len(bad),
    )
    assert sorted(r.line for r in card.rejects) == bad_lines

    # greet-60s: every good row in scope; unmeasured when not greeted; pass when <= 60 s.
    unmeasured = sum(g.greet is None for g in good)
    passed = sum(g.greet is not None and g.greet <= 60 for g in good)
    assert chain(card, "greet-60s") == (len(good), passed, len(good) - passed - unmeasured,
                                        unmeasured)  # fmt: skip
    # hold-30s: branches other than B; every row has a hold.
    scope = [g for g in good if g.branch != "B"]
    held = sum(g.hold <= 30 for g in scope)
    assert chain(card, "hold-30s") == (len(scope), held, len(scope) - held, 0)
    expected = {
        b: (
            sum(g.branch == b for g in good),
            sum(g.branch == b and g.greet is not None and g.greet <= 60 for g in good),
        )
        for b in BRANCHES
        if any(g.branch == b for g in good)
    }
    got = {b: (c[0], c[1]) for b, c in per_branch(card, "greet-60s").items()}
    assert got == expected
