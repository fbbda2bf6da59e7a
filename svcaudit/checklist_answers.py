"""Checklist answers read from sheets and coded: 0 not met, 1 met, 2 N/A, 3 blank, 4 invalid.

A wide sheet has a row per visit and a column per item; a long sheet a row per answer (visit,
item, answer). Each item's words are the defaults (``standards.checklist.DEFAULT_ANSWERS``),
replaced kind by kind by the checklist's ``answers:`` and the item's. A word that is none of
them is an invalid answer: coded 4, counted, and listed with its cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from svcaudit.errors import Location, SvcauditError, did_you_mean
from svcaudit.league import InvalidAnswer
from svcaudit.score import NO_BRANCH
from svcaudit.sources.sheets import Sheet
from svcaudit.standards.checklist import DEFAULT_ANSWERS, Answer, Checklist, Item, Layout
from svcaudit.standards.loader import LoadedChecklist

NOT_MET, MET, NOT_APPLICABLE, BLANK, INVALID = 0, 1, 2, 3, 4
_CODES = {Answer.MET: MET, Answer.NOT_MET: NOT_MET, Answer.NOT_APPLICABLE: NOT_APPLICABLE}
MAX_LISTED = 100  # invalid answers listed with their cells (all are counted)


@dataclass(frozen=True)
class Visits:
    """The visits of a checklist's sheets: metadata per visit and one code per item."""

    ids: list[str]
    groups: list[str]  # the branch (or the --by values) of each visit
    dates: list[str | None]
    visitors: list[str | None]
    channels: list[str | None]
    lines: list[str]
    codes: np.ndarray  # visits x items, int8
    invalid: list[InvalidAnswer]
    invalid_count: int
    broken: list[str]


def vocabulary(checklist: Checklist, item: Item) -> dict[str, int]:
    """The item's answer words (lower case) -> codes: defaults, the checklist's, the item's."""
    words = dict(DEFAULT_ANSWERS)
    for block in (checklist.answers, item.answers):
        if block is not None:
            words = block.words(words)
    out = {"": BLANK}
    for kind, texts in words.items():
        for text in texts:
            word = text.strip().lower()
            for spelling in (word, word.upper(), word.capitalize(), word.title()):
                out[spelling] = _CODES[kind]  # the usual spellings: one look-up per cell
    return out


def _column(sheet: Sheet, name: str | None, what: str, where: Location) -> int | None:
    """The index of column ``name`` in the sheet (None when not asked for)."""
    if name is None:
        return None
    try:
        return sheet.header.index(name)
    except ValueError:
        raise SvcauditError(
            f"the sheet has no column '{name}' ({what})",
            location=Location(sheet.path + (f"[{sheet.name}]" if sheet.name else "")),
            hint=(did_you_mean(name, sheet.header) or f"set the column in {where}"),
        ) from None


def read_visits(
    loaded: LoadedChecklist, sheets: Sequence[Sheet], branch: str, by: Sequence[str]
) -> Visits:
    """Every visit of the sheets with its answers coded (wide or long layout)."""
    c = loaded.checklist
    items = c.items
    vocab = [vocabulary(c, item) for item in items]
    parts = [
        (_wide if c.layout == Layout.WIDE else _long)(loaded, s, branch, by, vocab) for s in sheets
    ]
    codes = (
        np.concatenate([p.codes for p in parts]) if parts else np.zeros((0, len(items)), np.int8)
    )
    listed = [a for p in parts for a in p.invalid][:MAX_LISTED]
    return Visits(
        ids=[v for p in parts for v in p.ids],
        groups=[v for p in parts for v in p.groups],
        dates=[v for p in parts for v in p.dates],
        visitors=[v for p in parts for v in p.visitors],
        channels=[v for p in parts for v in p.channels],
        lines=[v for p in parts for v in p.lines],
        codes=codes,
        invalid=listed,
        invalid_count=sum(p.invalid_count for p in parts),
        broken=[b for p in parts for b in p.broken],
    )


def _meta(
    loaded: LoadedChecklist, sheet: Sheet, branch: str, by: Sequence[str]
) -> tuple[int | None, list[int], list[int | None]]:
    c = loaded.checklist
    where = loaded.location
    visit = (
        _column(sheet, c.visit, "the visit id, `visit:`", where)
        if c.visit in sheet.header
        else None
    )
    if c.layout == Layout.LONG:
        visit = _column(sheet, c.visit, "the visit id, `visit:`", where)
    group = [_column(sheet, name, "--by", where) or 0 for name in by] if by else []
    if not by:
        found = _column(sheet, c.branch or branch, "the branch, `branch:`", where)
        group = [found or 0]
    extra = [
        _column(sheet, c.date, "`date:`", where),
        _column(sheet, c.visitor, "`visitor:`", where),
        _column(sheet, c.channel, "`channel:`", where),
    ]
    return visit, group, extra


def _group_name(row: Sequence[str], group: Sequence[int]) -> str:
    values = [row[g] for g in group]
    return " · ".join(v or NO_BRANCH for v in values)


def _wide(
    loaded: LoadedChecklist,
    sheet: Sheet,
    branch: str,
    by: Sequence[str],
    vocab: list[dict[str, int]],
) -> Visits:
    items = loaded.checklist.items
    visit, group, (date, visitor, channel) = _meta(loaded, sheet, branch, by)
    columns = [
        _column(sheet, item.source, f"item '{item.id}'", loaded.items[item.id]) or 0
        for item in items
    ]
    rows = sheet.rows
    codes = np.empty((len(rows), len(items)), np.int8)
    invalid: list[InvalidAnswer] = []
    count = 0
    for j, (col, words) in enumerate(zip(columns, vocab, strict=True)):
        texts = [row[col] for row in rows]
        coded = [words.get(t, -1) for t in texts]
        for i in (k for k, v in enumerate(coded) if v < 0):
            coded[i] = words.get(texts[i].strip().lower(), INVALID)
            if coded[i] == INVALID:
                count += 1
                if len(invalid) < MAX_LISTED:
                    invalid.append(InvalidAnswer(sheet.where(i, col), items[j].id, texts[i]))
        codes[:, j] = coded
    return Visits(
        ids=[
            row[visit] if visit is not None else f"row {n}"
            for row, n in zip(rows, sheet.lines, strict=True)
        ],
        groups=[_group_name(row, group) for row in rows],
        dates=_optional(rows, date),
        visitors=_optional(rows, visitor),
        channels=_optional(rows, channel),
        lines=[sheet.row_place(i) for i in range(len(rows))],
        codes=codes,
        invalid=invalid,
        invalid_count=count,
        broken=[f"{b.file}:{b.line}: {b.reason}" for b in sheet.broken],
    )


def _optional(rows: Sequence[Sequence[str]], column: int | None) -> list[str | None]:
    if column is None:
        return [None] * len(rows)
    return [row[column] or None for row in rows]


def _long(
    loaded: LoadedChecklist,
    sheet: Sheet,
    branch: str,
    by: Sequence[str],
    vocab: list[dict[str, int]],
) -> Visits:
    c = loaded.checklist
    items = c.items
    visit, group, (date, visitor, channel) = _meta(loaded, sheet, branch, by)
    assert visit is not None
    item_col = _column(sheet, c.item_column, "the item, `item_column:`", loaded.location) or 0
    answer_col = (
        _column(sheet, c.answer_column, "the answer, `answer_column:`", loaded.location) or 0
    )
    index = {item.source: j for j, item in enumerate(items)} | {
        item.id: j for j, item in enumerate(items)
    }
    first: dict[str, int] = {}  # visit id -> its first row
    cells: dict[tuple[str, int], list[int]] = {}
    invalid: list[InvalidAnswer] = []
    count = 0
    for i, row in enumerate(sheet.rows):
        first.setdefault(row[visit], i)
        j = index.get(row[item_col])
        if j is None:
            count += 1
            if len(invalid) < MAX_LISTED:
                invalid.append(
                    InvalidAnswer(sheet.where(i, item_col), "(unknown item)", row[item_col])
                )
            continue
        cells.setdefault((row[visit], j), []).append(i)
    ids = list(first)
    position = {v: k for k, v in enumerate(ids)}
    codes = np.full((len(ids), len(items)), BLANK, np.int8)
    for (v, j), found in cells.items():
        text = sheet.rows[found[0]][answer_col]
        code = vocab[j].get(text.strip().lower(), INVALID) if len(found) == 1 else INVALID
        codes[position[v], j] = code
        if code == INVALID:
            count += 1
            if len(invalid) < MAX_LISTED:
                why = text if len(found) == 1 else f"answered {len(found)} times for visit {v}"
                invalid.append(InvalidAnswer(sheet.where(found[0], answer_col), items[j].id, why))
    rows = [sheet.rows[first[v]] for v in ids]
    return Visits(
        ids=ids,
        groups=[_group_name(row, group) for row in rows],
        dates=_optional(rows, date),
        visitors=_optional(rows, visitor),
        channels=_optional(rows, channel),
        lines=[sheet.row_place(first[v]) for v in ids],
        codes=codes,
        invalid=invalid,
        invalid_count=count,
        broken=[f"{b.file}:{b.line}: {b.reason}" for b in sheet.broken],
    )
