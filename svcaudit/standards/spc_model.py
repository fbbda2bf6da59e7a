"""The standards file's ``period:`` and ``spc:`` settings (control charts over periods)."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError


class PeriodUnit(StrEnum):
    """The length of a period (``--period``, ``period:``), in local time."""

    DAY = "day"
    WEEK = "week"  # ISO weeks, from Monday
    MONTH = "month"
    QUARTER = "quarter"


def period_label(unit: PeriodUnit | str, first_day: str) -> str:
    """A period's name from its first day: 2025-03-14, 2025-W11, 2025-03, 2025-Q1."""
    day = date.fromisoformat(first_day)
    if unit == PeriodUnit.WEEK:
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if unit == PeriodUnit.MONTH:
        return f"{day.year}-{day.month:02d}"
    if unit == PeriodUnit.QUARTER:
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return day.isoformat()


def period_start(unit: PeriodUnit | str, day: date) -> date:
    """The first day of the period ``day`` is in."""
    if unit == PeriodUnit.WEEK:
        return day - timedelta(days=day.weekday())
    if unit == PeriodUnit.MONTH:
        return day.replace(day=1)
    if unit == PeriodUnit.QUARTER:
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day


def next_period(unit: PeriodUnit | str, first_day: date) -> date:
    """The first day of the period after the one starting on ``first_day``."""
    if unit == PeriodUnit.WEEK:
        return first_day + timedelta(days=7)
    if unit in (PeriodUnit.MONTH, PeriodUnit.QUARTER):
        months = 1 if unit == PeriodUnit.MONTH else 3
        month = first_day.month - 1 + months
        return date(first_day.year + month // 12, month % 12 + 1, 1)
    return first_day + timedelta(days=1)


class Window(BaseModel):
    """The periods a baseline is computed from: those starting in [since, until]."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    since: date = Field(description="The first period of the baseline (a date in it)")
    until: date = Field(description="The last period of the baseline (a date in it)")

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.until < self.since:
            raise PydanticCustomError(
                "window",
                "the baseline ends ({until}) before it starts ({since})",
                {"until": str(self.until), "since": str(self.since), "hint": "swap them"},
            )
        return self


class Spc(BaseModel):
    """Control charts of a standard's rate by period (used with ``--period``).

    A block at the top of a file sets defaults for all its standards; a block in a standard
    overrides only the keys it sets.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    chart: Literal["auto", "p", "p-prime"] = Field(
        "auto",
        description="p (binomial limits), p-prime (Laney's, for large samples) or auto "
        "(p-prime when the baseline periods vary beyond binomial noise)",
    )
    baseline: Window | None = Field(
        None, description="The periods the centre line and limits come from (default: the first 12)"
    )
    rebase: tuple[date, ...] = Field(
        (), description="Dates of known changes: each starts new limits from its own baseline"
    )
    min_interactions: int = Field(
        30, ge=1, description="A period with fewer is shown but not judged"
    )
    severity: Literal["warn", "fail"] = Field(
        "warn",
        description="fail: a concern signal reaching the latest period fails the audit; "
        "warn: reported (and fails only with --fail-on warn or special-cause)",
    )

    def merged(self, override: Spc | None) -> Spc:
        """These settings with the keys ``override`` sets replaced."""
        if override is None:
            return self
        return self.model_copy(update={k: getattr(override, k) for k in override.model_fields_set})


__all__ = ["PeriodUnit", "Spc", "Window", "next_period", "period_label", "period_start"]
