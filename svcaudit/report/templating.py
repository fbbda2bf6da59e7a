"""The Jinja2 environment the HTML report is rendered with (templates in ``templates/``).

Autoescaping is on for every template, whatever its name: every value put into a page is
escaped unless Python handed it over as ``Markup`` (only the JSON island, escaped for its
``<script>`` element by ``html.json_island``). ``None`` prints as nothing, as an empty cell.

The ``*.html.j2`` templates are written as indented HTML, one element per line; their line
breaks and indentation are taken out when they are loaded, so the page is one compact line
of markup as before (``JoinLines``); text that runs on is kept on one line of its template.
``style.css.j2`` keeps its lines.

Imported by ``html.html_report`` when a report is written, not at start-up (``import
jinja2`` takes about 40 ms).
"""

from __future__ import annotations

import functools
import re
from typing import Any

import jinja2
from jinja2.ext import Extension
from markupsafe import Markup

from svcaudit.report.summary import pct

_LINE_BREAK = re.compile(r"\n[ \t]*")


class JoinLines(Extension):
    """Removes each line break of an ``*.html.j2`` template with the indentation after it."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        """The template's source as one line (other templates unchanged)."""
        if name is not None and name.endswith(".html.j2"):
            return _LINE_BREAK.sub("", source)
        return source


def _count(n: int) -> str:
    """A count with thousands separators: 1,363."""
    return f"{n:,}"


def _nothing_for_none(value: Any) -> Any:
    return "" if value is None else value


@functools.cache
def environment() -> jinja2.Environment:
    """The report's template environment (built once per process)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("svcaudit.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_nothing_for_none,
        extensions=[JoinLines],
        keep_trailing_newline=True,
    )
    env.filters["pct"] = pct
    env.filters["count"] = _count
    return env


def render(name: str, **data: Any) -> str:
    """The named template rendered with ``data``."""
    return environment().get_template(name).render(**data)


def safe(text: str) -> Markup:
    """Text already made safe for where the template puts it: never escaped again."""
    return Markup(text)
