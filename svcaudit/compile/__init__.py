"""Compile standards into queries over the log: rules, a frozen plan, the aggregate (two
strategies) and the queries beside it.

``rules`` compiles each standard; ``plan`` fixes everything an audit's queries share; the
aggregate is ``direct`` (``sum(CASE ...)`` per count) or, for many standards, ``histogram``;
``extra`` builds the breach and distribution queries. Each depends only on the plan (and the
counts registry), never on another strategy.
"""

from __future__ import annotations

from typing import Any

from svcaudit.columns import (
    LOGICAL_COLUMNS,
    UNIT_SUFFIXES,
    FieldResolver,
    Layer,
    LogicalResolver,
    LogResolver,
    UnavailableColumnError,
    UnavailableResolver,
)
from svcaudit.compile.direct import direct_query
from svcaudit.compile.extra import (
    BreachColumns,
    BreachQuery,
    DistributionQuery,
    branch_names,
    breach_columns,
    breach_query,
    breaching_rows,
    check_branch,
    distribution_query,
    interactions,
)
from svcaudit.compile.histogram import histogram_query
from svcaudit.compile.plan import BRANCH, PERIOD, REJECTED, ROWS, Plan, plan_audit
from svcaudit.compile.query import AuditQuery, Repeats, count_column
from svcaudit.compile.rules import INSTANT_TEXT, CompiledStandard, compile_rules
from svcaudit.sources.prepare import MERGED

#: Above this many standards the counts come from a histogram (see ``compile.histogram``).
HISTOGRAM_ABOVE = 40


def aggregate_query(plan: Plan) -> AuditQuery:
    """The single grouped aggregate over the log: counts per branch and standard.

    Few standards: one ``sum(CASE ...)`` per count, straight over the rows. Many: the same
    counts from a histogram of the rows (``histogram_query``), which stays cheap per row.
    """
    if len(plan.compiled) > HISTOGRAM_ABOVE:
        return histogram_query(plan)
    return direct_query(plan)


def compile_audit(*args: Any, **kwargs: Any) -> AuditQuery:
    """Compile all standards into one aggregate query (see ``plan_audit`` for arguments)."""
    return aggregate_query(plan_audit(*args, **kwargs))


__all__ = [
    "BRANCH",
    "INSTANT_TEXT",
    "LOGICAL_COLUMNS",
    "MERGED",
    "PERIOD",
    "REJECTED",
    "ROWS",
    "UNIT_SUFFIXES",
    "AuditQuery",
    "BreachColumns",
    "BreachQuery",
    "CompiledStandard",
    "DistributionQuery",
    "FieldResolver",
    "Layer",
    "LogResolver",
    "LogicalResolver",
    "Plan",
    "Repeats",
    "UnavailableColumnError",
    "UnavailableResolver",
    "aggregate_query",
    "branch_names",
    "breach_columns",
    "breach_query",
    "breaching_rows",
    "check_branch",
    "compile_audit",
    "compile_rules",
    "count_column",
    "direct_query",
    "distribution_query",
    "histogram_query",
    "interactions",
    "plan_audit",
]
