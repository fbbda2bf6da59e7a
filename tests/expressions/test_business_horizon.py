"""business_time() over a span past its horizon (10 years) gives no value; within it, the
exact figure. A log of spans from year 1 to 9999 once made a row per day (3.65 million per
interaction) and passed 2 GB; the expected figures are worked out by a plain-Python count of
weekdays, not by svcaudit."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from svcaudit.expressions.calendars import HORIZON_DAYS
from tests.helpers import write
from tests.invoke import invoke

# (id, start, end): a Monday 2016-01-04 to a Monday 2025-01-06 (9 years), and one past 10 years
WITHIN = ("within", "2016-01-04T00:00:00Z", "2025-01-06T00:00:00Z")
PAST = ("past", "2001-01-01T00:00:00Z", "2025-01-06T00:00:00Z")
AGES = ("ages", "0001-01-01T00:00:00Z", "9999-12-31T00:00:00Z")


def weekday_hours(first: date, last: date) -> int:
    """Opening hours (mon-fri 08:00-17:00 UTC) from ``first`` 00:00 to ``last`` 00:00."""
    days = (first + timedelta(n) for n in range((last - first).days))
    return sum(9 for d in days if d.weekday() < 5)


def horizon_case(tmp: Path) -> tuple[Path, Path]:
    """A log with the three spans and a standard pinning the exact value of the first."""
    rows = ["id,branch,created,replied"] + [
        ",".join((c[0], "A", c[1], c[2])) for c in (WITHIN, PAST, AGES)
    ]
    log = write(tmp / "log.csv", "\n".join(rows) + "\n", dedent=False)
    hours = weekday_hours(date(2016, 1, 4), date(2025, 1, 6))
    rules = write(
        tmp / "s.yaml",
        "svcaudit: 1\nname: H\ncalendars:\n  default:\n    time_zone: UTC\n"
        '    hours: {mon-fri: "08:00-17:00"}\nfields:\n  reply: business_time(created, replied)\n'
        "standards:\n"
        f'  - id: exact\n    title: t\n    when: id == "within"\n    measure: reply\n'
        f"    at_least: {hours}h\n"
        f'  - id: exact-upper\n    title: t\n    when: id == "within"\n    measure: reply\n'
        f"    at_most: {hours}h\n"
        '  - id: too-long\n    title: t\n    when: id != "within"\n    measure: reply\n'
        "    at_most: 1h\n",
        dedent=False,
    )
    return log, rules


def test_horizon_is_ten_years() -> None:
    assert HORIZON_DAYS == 3_653  # README: "longer than 10 years (3,653 days)"
    assert (date(2025, 1, 6) - date(2016, 1, 4)).days < HORIZON_DAYS
    assert (date(2025, 1, 6) - date(2001, 1, 1)).days > HORIZON_DAYS


def test_within_the_horizon_exact_past_it_missing(tmp_path: Path) -> None:
    log, rules = horizon_case(tmp_path)
    run = invoke("audit", str(log), "-s", str(rules), "-f", "json", "--fail-on", "never")
    assert run.code == 0, run.stderr
    got = {s["id"]: s for s in json.loads(run.stdout)["standards"]}
    assert (got["exact"]["in_scope"], got["exact"]["passed"]) == (1, 1)
    assert (got["exact-upper"]["in_scope"], got["exact-upper"]["passed"]) == (1, 1)
    too_long = got["too-long"]
    assert (too_long["in_scope"], too_long["unmeasured"], too_long["passed"]) == (2, 2, 0)
