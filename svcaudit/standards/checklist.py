"""The ``checklist:`` section of a standards file: inspection and evaluation-form items.

A checklist is read from a sheet (one row per visit, one column per item; or one row per
answer) rather than an interaction log. Its items are grouped into sections; each item has a
weight, may be critical, and has a target share of visits that must meet it. The answer words
are configurable per checklist and per item; ``DEFAULT_ANSWERS`` documents the defaults.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from svcaudit.units import PERCENT_HINT, parse_percent

ITEM_ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"


class Answer(StrEnum):
    """What an answer cell says about its item on that visit."""

    MET = "met"
    NOT_MET = "not met"
    NOT_APPLICABLE = "n/a"  # leaves the denominator (0 of 0)


# The default words, compared without case and surrounding spaces. A blank cell is "not
# assessed"; any other word is an invalid value (reported with its cell, never guessed).
DEFAULT_ANSWERS: dict[Answer, tuple[str, ...]] = {
    Answer.MET: ("y", "yes", "meet", "meets", "met", "pass", "passed", "1", "✓", "✔", "true"),
    Answer.NOT_MET: ("n", "no", "below", "not met", "fail", "failed", "0", "✗", "✘", "false"),
    Answer.NOT_APPLICABLE: ("na", "n/a", "n.a.", "not applicable"),
}


def _percent(value: object) -> float:
    try:
        return parse_percent(value)
    except ValueError as e:
        raise PydanticCustomError("percent", str(e), {"hint": PERCENT_HINT}) from None


Share = Annotated[
    float,
    PlainValidator(_percent),
    WithJsonSchema(
        {
            "anyOf": [{"type": "string", "pattern": r"^\d+(\.\d+)?%$"}, {"type": "number"}],
            "description": "A share: 95% or 0.95",
        }
    ),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Answers(_Model):
    """Answer words that replace the defaults for their kind (the other kinds keep theirs)."""

    met: tuple[str, ...] | None = Field(None, description="Words for a met item (Y, Yes, MEET)")
    not_met: tuple[str, ...] | None = Field(None, description="Words for a missed item (N, BELOW)")
    not_applicable: tuple[str, ...] | None = Field(None, description="Words for N/A")

    def words(self, base: dict[Answer, tuple[str, ...]]) -> dict[Answer, tuple[str, ...]]:
        """``base`` with the kinds this block sets replaced."""
        out = dict(base)
        for kind, words in (
            (Answer.MET, self.met),
            (Answer.NOT_MET, self.not_met),
            (Answer.NOT_APPLICABLE, self.not_applicable),
        ):
            if words is not None:
                out[kind] = words
        return out


class Item(_Model):
    """One checklist item: a question the inspector answers on each visit."""

    id: str = Field(pattern=ITEM_ID_PATTERN, description="Unique id: lower-case letters, digits, -")
    title: str = Field(min_length=1)
    column: str | None = Field(None, description="The sheet column it is read from (default: id)")
    weight: float = Field(1.0, gt=0, description="Its weight in section and visit scores")
    critical: bool = Field(False, description="A failed critical item fails the visit")
    target: Share | None = Field(
        None,
        description="Share of assessed visits that must meet it (default: the checklist's; "
        "100% for a critical item)",
    )
    severity: Literal["fail", "warn"] | None = Field(
        None, description="Missing the target: fail or warn (default: fail if critical, else warn)"
    )
    answers: Answers | None = Field(None, description="Answer words for this item only")

    @property
    def source(self) -> str:
        """The column the answers are read from."""
        return self.column or self.id


class Section(_Model):
    """A group of items (arrival, check-in, room, dining, telephone, departure...)."""

    id: str = Field(pattern=ITEM_ID_PATTERN)
    title: str = Field(min_length=1)
    items: tuple[Item, ...] = Field(min_length=1)


class Layout(StrEnum):
    """How the sheet holds its answers."""

    WIDE = "wide"  # one row per visit, one column per item
    LONG = "long"  # one row per answer: visit, item, answer


class Checklist(_Model):
    """An inspection or evaluation form, its sheet layout and how visits are scored."""

    id: str = Field("checklist", pattern=ITEM_ID_PATTERN)
    title: str = Field("Checklist", min_length=1)
    layout: Layout = Field(Layout.WIDE, description="wide: a column per item; long: a row each")
    sheet: str | None = Field(None, description="The Excel sheet to read (default: the first)")
    visit: str = Field("visit", description="Column with the visit or evaluation id")
    branch: str | None = Field(None, description="Column naming the branch (default: the file's)")
    date: str | None = Field(None, description="Column with the visit's date")
    visitor: str | None = Field(None, description="Column naming the inspector or evaluator")
    channel: str | None = Field(None, description="Column with the channel (in-person, phone)")
    item_column: str = Field("item", description="long layout: the column naming the item")
    answer_column: str = Field("answer", description="long layout: the column with the answer")
    answers: Answers | None = Field(None, description="Answer words for every item")
    target: Share = Field(1.0, description="Default target of every item but critical ones")
    critical_fails_visit: bool = Field(
        False, description="A failed critical item sets the visit's score to 0"
    )
    min_visits: int = Field(5, ge=2, description="Branches with fewer visits are not judged")
    bands: dict[str, Share] = Field(
        default_factory=dict,
        description="Rating bands by lowest score, e.g. {five: 90%, four: 80%} (none shipped)",
    )
    sections: tuple[Section, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Checklist:
        seen: dict[str, str] = {}
        columns: dict[str, str] = {}
        for s, section in enumerate(self.sections):
            for i, item in enumerate(section.items):
                at = f"sections[{s}].items[{i}]"
                if item.id in seen:
                    raise PydanticCustomError(
                        "duplicate",
                        "item id '{id}' is used twice",
                        {"id": item.id, "hint": f"first at {seen[item.id]}", "key": "sections"},
                    )
                if item.source in columns:
                    raise PydanticCustomError(
                        "duplicate",
                        "column '{column}' is read by two items",
                        {"column": item.source, "hint": f"also by {columns[item.source]}"},
                    )
                seen[item.id] = at
                columns[item.source] = item.id
        return self

    @property
    def items(self) -> tuple[Item, ...]:
        """Every item, in file order."""
        return tuple(item for section in self.sections for item in section.items)
