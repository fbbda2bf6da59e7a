"""A small chain for the HTML report tests, with hostile text and hand-worked figures.

One standard, ``hold-60s`` (hold <= 60 s, target 90 %), titled ``<script>alert(1)</script>``,
over three branches, one of them named ``<script>alert(1)</script>`` too:

| branch  | holds (s)              | in scope | passed | failed | no value |
|---------|------------------------|----------|--------|--------|----------|
| XSS     | 10, 60, 61, 200        | 4        | 2      | 2      | 0        |
| Kraków  | 0, 12, 30, 59, 180     | 5        | 4      | 1      | 0        |
| B       | 13, 24, 25, (blank)    | 4        | 3      | 0      | 1        |
| chain   |                        | 13       | 9      | 3      | 1        |

rate = 9 / 13 (``missing: fail``), below 90 %: breached, exit 1.
A second standard, ``callback`` (a check, ``callback == "offered"``), is met by every row
whose hold is over 60 s (61, 200, 180: all "offered") and in scope only there: 3 of 3.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from tests.helpers import write

XSS = "<script>alert(1)</script>"
ROWS = [  # id, branch, hold_seconds, agent, callback
    ("1", XSS, "10", "Anna Nowak", "none"),
    ("2", XSS, "60", "Anna Nowak", "none"),
    ("3", XSS, "61", "Jan Kowalski", "offered"),
    ("4", XSS, "200", "Jan Kowalski", "offered"),
    ("5", "Kraków", "0", "Ewa Lis", "none"),
    ("6", "Kraków", "12", "Ewa Lis", "none"),
    ("7", "Kraków", "30", "Anna Nowak", "none"),
    ("8", "Kraków", "59", "Ewa Lis", "none"),
    ("9", "Kraków", "180", "Ewa Lis", "offered"),
    ("10", "B", "13", "Olek Wróbel", "none"),
    ("11", "B", "24", "Olek Wróbel", "none"),
    ("12", "B", "25", "Olek Wróbel", "none"),
    ("13", "B", "", "Olek Wróbel", "none"),
]
HOLDS = [float(r[2]) for r in ROWS if r[2]]
RULES = f"""\
svcaudit: 1
name: Hostile chain
consistency:
  min_interactions: 3
standards:
  - id: hold-60s
    title: "{XSS}"
    measure: hold
    at_most: 60s
    target: 90%
  - id: callback
    title: Callers held over a minute are offered a call back
    when: hold > 60s
    check: callback == "offered"
"""


def write_chain(directory: Path) -> tuple[Path, Path]:
    """The log (CSV, the branch names quoted) and the standards file."""
    lines = ["id,branch,hold_seconds,agent,callback"]
    lines += [",".join(f'"{v}"' if "," in v or "<" in v else v for v in row) for row in ROWS]
    log = write(directory / "hostile.csv", "\n".join(lines) + "\n", dedent=False)
    return log, write(directory / "hostile.yaml", RULES)


#: Text that would close the page's ``<style>``, open a script and break out of a quoted
#: attribute (either quote) if it were not escaped, with an ampersand for good measure.
HOSTILE = "</style><script>alert('x & \"y\"')</script>"
HOSTILE_ROWS = [  # id, branch, hold_seconds, agent: the hostile text as ids, branches, agents
    (f"{HOSTILE} 1", HOSTILE, "10", HOSTILE),
    (f"{HOSTILE} 2", HOSTILE, "90", HOSTILE),
    (f"{HOSTILE} 3", HOSTILE, "120", "Anna Nowak"),
    ("4", "Kraków", "20", "Ewa Lis"),
    ("5", "Kraków", "75", HOSTILE),
    ("6", "Kraków", "30", "Ewa Lis"),
]
HOSTILE_RULES = f"""\
svcaudit: 1
name: {json.dumps(HOSTILE)}
consistency:
  min_interactions: 3
standards:
  - id: hold-60s
    title: {json.dumps(HOSTILE)}
    when: agent != {json.dumps(HOSTILE[::-1])}
    measure: hold
    at_most: 60s
    target: 90%
"""


def write_hostile_chain(directory: Path) -> tuple[Path, Path]:
    """A log and standards file carrying ``HOSTILE`` as the audit's name, a standard's title,
    two branch names, interaction ids and values of a column the standard reads (``agent``,
    shown with each breaching interaction)."""
    text = io.StringIO()
    out = csv.writer(text, lineterminator="\n")
    out.writerow(["id", "branch", "hold_seconds", "agent"])
    out.writerows(HOSTILE_ROWS)
    log = write(directory / "hostile-all.csv", text.getvalue(), dedent=False)
    return log, write(directory / "hostile-all.yaml", HOSTILE_RULES, dedent=False)
