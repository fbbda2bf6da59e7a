"""Counts per branch and standard as ``sum(CASE ...)`` straight over the rows (few standards).

The query scans the data once, whatever the number of standards::

    SELECT branch, period, status, count(*), sum(CASE WHEN w0 THEN 1 ELSE 0 END) AS s0_in_scope, ...
    FROM (SELECT <branch>, <each distinct scope / measure / check expression once> FROM log)
    GROUP BY branch, period, status

Each distinct expression is computed once in the inner projection (two standards that share a
``when:`` share its column) and the outer aggregate compares plain numbers with thresholds.
"""

from __future__ import annotations

from sqlglot import exp

from svcaudit.compile.plan import BRANCH, INVALID, PERIOD, REJECTED, ROWS, Plan, period_column
from svcaudit.compile.query import LEADING, AuditQuery, count_column
from svcaudit.compile.repeats import repeats
from svcaudit.compile.rules import facts
from svcaudit.counts import COUNTS
from svcaudit.expressions.dialect import DUCKDB
from svcaudit.sources.prepare import MERGED


def _count_if(condition: exp.Expr, alias: str) -> exp.Expr:
    case = exp.Case().when(condition, exp.Literal.number(1)).else_(exp.Literal.number(0))
    return exp.alias_(exp.Sum(this=case), alias)


def direct_query(plan: Plan) -> AuditQuery:
    """Counts per branch and standard as ``sum(CASE ...)`` over the rows."""
    inner: dict[str, str] = {}  # SQL text -> alias: each distinct expression computed once
    projections: list[exp.Expr] = [
        exp.alias_(plan.group, BRANCH),
        exp.alias_(period_column(plan), PERIOD),
        exp.alias_(plan.status, REJECTED),  # evaluated, rejected or outside the period
    ]

    def ref(expression: exp.Expr) -> exp.Expr:
        key = expression.sql(DUCKDB)
        if key not in inner:
            inner[key] = f"x{len(inner)}"
            projections.append(exp.alias_(expression, inner[key]))
        return exp.column(inner[key])

    columns = list(LEADING)
    aggregates: list[exp.Expr] = [
        exp.alias_(exp.Count(this=exp.Star()), ROWS),
        exp.alias_(exp.Sum(this=exp.column(MERGED)), MERGED),
        exp.alias_(exp.Sum(this=exp.column(INVALID)), INVALID),
    ]
    for i, cs in enumerate(plan.compiled):
        scope = ref(cs.scope)
        invalid = ref(cs.invalid) if cs.invalid is not None else None
        tests = facts(cs, ref(cs.value), ref(cs.passes), invalid)  # on the projected values
        for count in COUNTS:
            if count.fact is not None and count.fact not in tests:
                continue  # this standard cannot have it: 0, decoded by name
            row = scope.copy() if count.fact is None else exp.and_(scope.copy(), tests[count.fact])
            columns.append(count_column(i, count.name))
            aggregates.append(_count_if(row, columns[-1]))
    projections.append(exp.alias_(plan.invalid_values(), INVALID))
    if plan.prepare is not None:
        projections.append(exp.column(MERGED))
    else:
        projections.append(exp.alias_(exp.Literal.number(0), MERGED))
    query = (
        exp.select(exp.column(BRANCH), exp.column(PERIOD), exp.column(REJECTED), *aggregates)
        .from_(exp.select(*projections).from_(plan.source().subquery("log")).subquery("m"))
        .group_by(exp.column(BRANCH), exp.column(PERIOD), exp.column(REJECTED))
    )
    return AuditQuery(
        query.sql(DUCKDB),
        plan.compiled,
        plan.needed,
        tuple(columns),
        repeats(plan),
        built=query,
    )


__all__ = ["direct_query"]
