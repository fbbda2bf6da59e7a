"""Checklists scored: answers -> item compliance, visit, section and branch scores, a league.

Each item becomes a ``StandardResult`` (its compliance rate over the visits that assessed it,
with Wilson intervals, per branch, placed in the funnel like any standard), so every report,
the verdict and the exit code treat items as standards. On top of them:

- a visit's score is the sum of the weights of its met items over the sum of the weights of
  its assessed items (met or not met); N/A and blank leave both sums, an invalid answer too
  (it is counted and listed with its cell). With ``critical_fails_visit`` a failed critical
  item sets the visit's score to 0. A visit that assessed nothing has no score ("no data").
- a section's score in a branch: met weights over assessed weights, pooled over its visits.
- a branch's score: the mean of its visit scores with a Student t interval (``league``).

Answers are coded in numpy (0 not met, 1 met, 2 N/A, 3 blank, 4 invalid): a sheet of 800
items x 20,000 visits is 16 million cells.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from svcaudit.checklist_answers import (
    BLANK,
    INVALID,
    MAX_LISTED,
    MET,
    NOT_APPLICABLE,
    NOT_MET,
    Visits,
    read_visits,
)
from svcaudit.counts import Counts
from svcaudit.errors import Location, SvcauditError
from svcaudit.league import (
    VISIT_METHOD,
    WEIGHTED_METHOD,
    BranchScore,
    ChecklistResult,
    ItemInfo,
    League,
    VisitScore,
    WeightedRate,
    mean_interval,
    order,
    rating,
    visit_positions,
    weighted_score,
)
from svcaudit.score import (
    NO_BRANCH,
    FailOn,
    Rate,
    Rows,
    Scorecard,
    StandardResult,
    judge_consistency,
    rates_of,
)
from svcaudit.sources.base import Reject
from svcaudit.sources.sheets import Sheet, read_sheet
from svcaudit.standards.checklist import Checklist
from svcaudit.standards.loader import LoadedChecklist, StandardsSet
from svcaudit.standards.model import Consistency, Missing, Severity


def score_checklist(
    loaded: LoadedChecklist,
    sheets: Sequence[Sheet],
    *,
    branch: str,
    by: Sequence[str] = (),
    consistency: Consistency | None = None,
) -> tuple[tuple[StandardResult, ...], ChecklistResult]:
    """The checklist's items as standards, and its visits, sections and league of branches."""
    c = loaded.checklist
    settings = (consistency or Consistency()).model_copy(update={"min_interactions": c.min_visits})
    visits = read_visits(loaded, sheets, branch, by)
    if not visits.ids:
        raise SvcauditError(
            "the checklist's sheets have no visits",
            location=Location(sheets[0].path if sheets else loaded.path),
            hint="the sheet has a header row but no rows under it",
        )
    names = sorted(set(visits.groups), key=lambda n: (n == NO_BRANCH, n))
    index = {name: k for k, name in enumerate(names)}
    groups = np.array([index[name] for name in visits.groups], dtype=np.int64)
    items = _item_results(loaded, visits, names, groups, settings)
    league, scored = _league(c, visits, names, groups, settings)
    codes = visits.codes
    result = ChecklistResult(
        id=c.id,
        title=c.title,
        path=loaded.path,
        sheets=tuple(s.path + (f"[{s.name}]" if s.name else "") for s in sheets),
        items=tuple(
            ItemInfo(item.id, section.id, item.weight, item.critical, item.source)
            for section in c.sections
            for item in section.items
        ),
        league=league,
        visits=scored,
        answers=int(codes.size),
        not_assessed=int((codes == BLANK).sum()),
        not_applicable=int((codes == NOT_APPLICABLE).sum()),
        invalid=visits.invalid_count,
        invalid_answers=tuple(visits.invalid),
        broken_rows=tuple(visits.broken),
        critical_fails_visit=c.critical_fails_visit,
        repeated_visits=tuple(
            (v, n) for v, n in Counter(visits.ids).most_common(MAX_LISTED) if n > 1
        ),
        branch_column=c.branch or branch,
        visitor_column=c.visitor,
    )
    return items, result


def _by_group(values: np.ndarray, groups: np.ndarray, n: int) -> np.ndarray:
    """Column sums of ``values`` (visits x k) per group (n x k)."""
    out = np.zeros((n, values.shape[1]), dtype=np.float64)
    np.add.at(out, groups, values) if values.size < 1_000_000 else _sorted_sum(out, values, groups)
    return out


def _sorted_sum(out: np.ndarray, values: np.ndarray, groups: np.ndarray) -> None:
    order = np.argsort(groups, kind="stable")
    ordered = groups[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    sums = np.add.reduceat(values[order], starts, axis=0)
    out[ordered[starts]] = sums


def _item_results(
    loaded: LoadedChecklist,
    visits: Visits,
    names: Sequence[str],
    groups: np.ndarray,
    settings: Consistency,
) -> tuple[StandardResult, ...]:
    c = loaded.checklist
    codes = visits.codes
    counted = {
        code: _by_group((codes == code).astype(np.int32), groups, len(names)).astype(np.int64)
        for code in (MET, NOT_MET, INVALID)
    }
    out = []
    for j, item in enumerate(c.items):
        met, missed, invalid = (counted[k][:, j].tolist() for k in (MET, NOT_MET, INVALID))
        tallies = [
            Counts(in_scope=m + x + i, passed=m, unmeasured=i, invalid=i)
            for m, x, i in zip(met, missed, invalid, strict=True)
        ]
        target = item.target if item.target is not None else (1.0 if item.critical else c.target)
        rates = rates_of(tallies, Missing.SKIP)
        per_branch = [
            (name, r, _meets(r, target)) for name, r in zip(names, rates, strict=True) if r.in_scope
        ]
        chain = rates_of([Counts.combined(tallies)], Missing.SKIP)[0]
        branches, consistency = judge_consistency(per_branch, chain, settings)
        severity = item.severity or ("fail" if item.critical else "warn")
        out.append(
            StandardResult(
                id=item.id,
                title=item.title,
                severity=Severity(severity),
                target=target,
                limit="critical item" if item.critical else "checklist item",
                path=loaded.path,
                line=loaded.items[item.id].line,
                counts=chain,
                met=_meets(chain, target),
                branches=branches,
                consistency=consistency,
            )
        )
    return tuple(out)


def _meets(rate: Rate, target: float) -> bool | None:
    if rate.rate is None:
        return None  # every visit answered N/A or left it blank: no data, never 0%
    return rate.passed >= target * rate.n - 1e-9


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def _league(
    c: Checklist, visits: Visits, names: Sequence[str], groups: np.ndarray, settings: Consistency
) -> tuple[League, tuple[VisitScore, ...]]:
    codes = visits.codes
    weights = np.array([item.weight for item in c.items], dtype=np.float64)
    met = (codes == MET).astype(np.float32)
    assessed = met + (codes == NOT_MET).astype(np.float32)
    spans, start = [], 0
    for section in c.sections:
        spans.append(slice(start, start + len(section.items)))
        start += len(section.items)
    sec_num = np.stack([met[:, s] @ weights[s] for s in spans], axis=1)
    sec_den = np.stack([assessed[:, s] @ weights[s] for s in spans], axis=1)
    score = _ratio(sec_num.sum(axis=1), sec_den.sum(axis=1))
    critical = [j for j, item in enumerate(c.items) if item.critical]
    failed = (
        (codes[:, critical] == NOT_MET).any(axis=1)
        if critical
        else np.zeros(len(score), dtype=bool)
    )
    if c.critical_fails_visit:
        score = np.where(failed, 0.0, score)
    sec_score = _ratio(sec_num, sec_den)
    per_num, per_den = (_by_group(a, groups, len(names)) for a in (sec_num, sec_den))
    branch_sections = _ratio(per_num, per_den)
    scored = [score[(groups == k) & ~np.isnan(score)] for k in range(len(names))]
    positions = visit_positions(scored, settings.limits, c.min_visits)
    bands = tuple(sorted(c.bands.items(), key=lambda b: -b[1]))
    rows = []
    for k, name in enumerate(names):
        mean, low, high = mean_interval(scored[k])
        rows.append(
            BranchScore(
                branch=name,
                score=mean,
                ci_low=low,
                ci_high=high,
                visits=int((groups == k).sum()),
                position=positions[k],
                rating=rating(mean, bands),
                critical_failed=int(failed[groups == k].sum()),
                sections=tuple(_maybe(v) for v in branch_sections[k]),
            )
        )
    every = score[~np.isnan(score)]
    mean, low, high = mean_interval(every)
    chain_sections = _ratio(sec_num.sum(axis=0), sec_den.sum(axis=0))
    chain = BranchScore(
        "chain",
        mean,
        low,
        high,
        len(score),
        rating=rating(mean, bands),
        critical_failed=int(failed.sum()),
        sections=tuple(_maybe(v) for v in chain_sections),
    )
    league = League(
        title=c.title,
        method=VISIT_METHOD,
        chain=chain,
        branches=order(rows),
        bands=bands,
        sections=tuple((s.id, s.title) for s in c.sections),
    )
    visit_rows = tuple(
        VisitScore(
            visit=visits.ids[i],
            branch=visits.groups[i],
            date=visits.dates[i],
            visitor=visits.visitors[i],
            channel=visits.channels[i],
            score=_maybe(score[i]),
            critical_failed=bool(failed[i]),
            sections=tuple(_maybe(v) for v in sec_score[i]),
            line=visits.lines[i],
        )
        for i in range(len(score))
    )
    return league, visit_rows


def _maybe(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def standards_league(
    standards: Sequence[StandardResult], weights: Mapping[str, float]
) -> League | None:
    """The branches' overall score over the standards with a ``weight:`` (None: no weights)."""
    weighted = [s for s in standards if s.id in weights and s.counts.rate is not None]
    if not weighted:
        return None
    settings = weighted[0].consistency.settings if weighted[0].consistency else Consistency()
    names = sorted({b.branch for s in weighted for b in s.branches})
    rows = []
    for name in names:
        rates = []
        for s in weighted:
            found = next((b for b in s.branches if b.branch == name), None)
            if found is None or found.counts.rate is None:
                continue
            chain_rate = s.counts.rate or 0.0
            rates.append(WeightedRate(weights[s.id], found.counts.rate, found.counts.n, chain_rate))
        judged = sum(r.n for r in rates) >= settings.min_interactions  # over its standards
        rows.append(weighted_score(name, rates, settings.limits, judged))
    chain_rates = [
        WeightedRate(weights[s.id], s.counts.rate or 0.0, s.counts.n, s.counts.rate or 0.0)
        for s in weighted
    ]
    chain = weighted_score("chain", chain_rates, None, False)
    return League("Weighted standards", WEIGHTED_METHOD, chain, order(rows))


def _only(standards: StandardsSet, sheets: Sequence[str]) -> LoadedChecklist:
    if len(standards.checklists) > 1:
        second = standards.checklists[1]
        raise SvcauditError(
            "only one checklist can be audited at a time",
            location=second.location,
            hint=f"audit {standards.checklists[0].path} and {second.path} separately",
        )
    loaded = standards.checklists[0]
    if not sheets:
        raise SvcauditError(
            "the standards have a checklist but no sheet was given",
            location=loaded.location,
            hint="pass its sheet with --checklist visits.xlsx (or as the log when the "
            "file has no timed standards)",
        )
    return loaded


def audit_checklist(
    standards: StandardsSet, paths: Sequence[str], by: Sequence[str]
) -> tuple[tuple[StandardResult, ...], ChecklistResult, int]:
    """Read the sheets and score the standards' checklist; also the broken rows' count."""
    loaded = _only(standards, paths)
    sheets = [read_sheet(p, loaded.checklist.sheet) for p in paths]
    items, result = score_checklist(
        loaded, sheets, branch=standards.branch, by=by, consistency=standards.consistency
    )
    return items, result, sum(len(s.broken) for s in sheets)


def checklist_scorecard(
    standards: StandardsSet, paths: Sequence[str], by: Sequence[str], fail_on: FailOn
) -> Scorecard:
    """The scorecard of an audit of a checklist alone (a file with no timed standards)."""
    items, result, broken = audit_checklist(standards, paths, by)
    visits = len(result.visits)
    return Scorecard(
        name=" + ".join(f.name for f in standards.files),
        standards=items,
        rows=Rows(visits + broken, visits, broken),
        rejects=tuple(_rejects(result)),
        branches=tuple(b.branch for b in sorted(result.league.branches, key=lambda b: b.branch)),
        logs=result.sheets,
        standards_files=standards.paths,
        fail_on=fail_on,
        profile="checklist",
        checklists=(result,),
    )


def _rejects(result: ChecklistResult) -> list[Reject]:
    out = []
    for text in result.broken_rows:
        place, _, reason = text.partition(": ")
        file, _, line = place.rpartition(":")
        out.append(Reject(file, int(line) if line.isdigit() else None, reason))
    return out


def with_checklist(
    card: Scorecard, standards: StandardsSet, paths: Sequence[str], by: Sequence[str]
) -> Scorecard:
    """An audit's scorecard with its checklist's items and figures (and the weighted league)."""
    card = with_overall(card, standards)
    if not standards.checklists:
        if paths:
            raise SvcauditError(
                "--checklist was given but no standards file has a `checklist:`",
                location=Location("--checklist"),
                hint="add a `checklist:` section (svcaudit init --from-checklist SHEET)",
            )
        return card
    items, result, _ = audit_checklist(standards, paths, by)  # broken rows: in the result
    return replace(
        card,
        standards=(*card.standards, *items),
        checklists=(result,),
        logs=(*card.logs, *result.sheets),
    )


def with_overall(card: Scorecard, standards: StandardsSet) -> Scorecard:
    """The scorecard with the weighted league of its standards that have ``weight:``."""
    weights = {
        r.standard.id: r.standard.weight for r in standards.rules if r.standard.weight is not None
    }
    if not weights:
        return card
    return replace(card, overall=standards_league(card.standards, weights))
