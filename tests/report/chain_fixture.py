"""A small chain with two standards files, shared by the JUnit and GitHub report tests.

Every figure below is worked out by hand from the per-branch counts; the funnel positions are
argued with a plain-Python binomial (``alarm_low`` / ``not_low``), not taken from svcaudit.

Branches (rows): N 25, S 25, E 25, T 5 (T is below ``min_interactions: 10``: never judged).

| column / standard                    | N     | S     | E     | T   | chain         |
|--------------------------------------|-------|-------|-------|-----|---------------|
| c1 (a-met: check, target 95%)        | 25    | 25    | 25    | 5   | 80/80 = 100%  |
| hold <= 60s (a-breach, target 90%)   | 22    | 23    | 5     | 4   | 54/80 = 67.5% |
| c3 (a-warn: check, 95%, warn)        | 23    | 23    | 23    | 5   | 74/80 = 92.5% |
| hold <= 2m (b-met, target 100%)      | 25    | 25    | 25    | 5   | 80/80 = 100%  |
| c5 (b-inconsistent: check, 50%)      | 25    | 25    | 3     | 5   | 58/80 = 72.5% |

(Failing holds are 90 s: over 60 s, under 2 min.)

- a-met, b-met: chain rate 100 %, so every funnel limit is 100 % and every judged branch
  (E, N, S) is within: three passing consistency cases each.
- a-breach: 67.5 % < 90 %, severity fail -> a failure. Below target: E 20 %, T 80 %, N 88 %
  (S 92 % meets 90 %): the worst branches, worst first. Consistency (a.yaml: severity warn):
  E 5 of 25 around 67.5 % is below the 99.8 % limit -> a warning (skipped); N 88 %, S 92 % are
  above the chain rate -> pass.
- a-warn: 92.5 % < 95 %, severity warn -> a warning (skipped). N, S, E 23 of 25 = 92 % around
  92.5 % are within -> pass.
- b-inconsistent: 72.5 % >= 50 % -> met (pass). Consistency (b.yaml: severity fail): E 3 of 25
  around 72.5 % is below the 99.8 % limit -> a failure; N, S 100 % are above -> pass.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from tests.helpers import write

BRANCHES = {  # name: (rows, hold <= 60 s, c3 true, c5 true)
    "N": (25, 22, 23, 25),
    "S": (25, 23, 23, 25),
    "E": (25, 5, 23, 3),
    "T": (5, 4, 5, 5),
}

A_YAML = """\
svcaudit: 1
name: Chain A
time_zone: UTC
consistency:
  min_interactions: 10
standards:
  - id: a-met
    title: Every visit is recorded
    check: c1
    target: 95%
  - title: Holds stay under a minute   # the title first: the item starts on this line
    id: a-breach
    measure: hold
    at_most: 60s
    target: 90%

  - id: a-warn
    title: Callers get a callback
    check: c3
    target: 95%
    severity: warn
"""

B_YAML = """\
svcaudit: 1
name: Chain B
consistency:
  min_interactions: 10
  severity: fail
standards:
  - id: b-met
    title: No hold over two minutes
    measure: hold
    at_most: 2m
  - id: b-inconsistent
    title: Complaints are logged
    check: c5
    target: 50%
"""

TITLES = {
    "a-met": "Every visit is recorded",
    "a-breach": "Holds stay under a minute",
    "a-warn": "Callers get a callback",
    "b-met": "No hold over two minutes",
    "b-inconsistent": "Complaints are logged",
}


def chain_log() -> str:
    rows = ["id,branch,hold_seconds,c1,c3,c5"]
    i = 0
    for branch, (n, hold_ok, c3_ok, c5_ok) in BRANCHES.items():
        for k in range(n):
            i += 1
            hold = 10 if k < hold_ok else 90
            c3 = "true" if k < c3_ok else "false"
            c5 = "true" if k < c5_ok else "false"
            rows.append(f"{i},{branch},{hold},true,{c3},{c5}")
    return "\n".join(rows) + "\n"


@dataclass(frozen=True)
class Chain:
    dir: Path
    log: str  # file names, relative to dir
    a: str
    b: str


def write_chain(directory: Path) -> Chain:
    write(directory / "chain.csv", chain_log(), dedent=False)
    write(directory / "a.yaml", A_YAML, dedent=False)
    write(directory / "b.yaml", B_YAML, dedent=False)
    return Chain(directory, "chain.csv", "a.yaml", "b.yaml")


# ---- plain-Python references -----------------------------------------------------------------


def item_line(yaml_text: str, sid: str) -> int:
    """1-based line where the list item of standard ``sid`` starts (its ``-``), by scanning."""
    lines = yaml_text.splitlines()
    pattern = re.compile(rf"^\s*(-\s+)?id:\s*['\"]?{re.escape(sid)}['\"]?\s*(#.*)?$")
    (i,) = [n for n, line in enumerate(lines) if pattern.match(line)]
    while not re.match(r"^\s*-(\s|$)", lines[i]):
        i -= 1
    return i + 1


def binom_cdf(x: int, n: int, p: float) -> float:
    """P(R <= x) for R ~ Binomial(n, p), summed term by term."""
    return sum(math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(x + 1))


def alarm_low(passed: int, n: int, p0: float, outer: float = 0.998) -> bool:
    """Sufficient for 'below the outer funnel limit': P(R <= passed) < (1 - outer) / 2.

    (The limit is (r - a) / n with r the smallest count whose cdf reaches the tail and
    0 <= a < 1; a count with a smaller cdf is at most r - 1 < r - a.)
    """
    return binom_cdf(passed, n, p0) < (1 - outer) / 2


def not_low(passed: int, n: int, p0: float, inner: float = 0.95) -> bool:
    """Sufficient for 'not below the inner limit': P(R <= passed - 1) >= (1 - inner) / 2."""
    return passed >= 1 and binom_cdf(passed - 1, n, p0) >= (1 - inner) / 2
