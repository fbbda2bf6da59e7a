"""Column declarations: how `columns:` in a standards file says to read a log's column.

``columns: {NAME: EXPRESSION}`` defines a logical column over the log's own; a mapping
declares how a column is read instead::

    columns:
      arrived_at: {source: "Received DtTm", format: "%m/%d/%Y %I:%M:%S %p"}
      Priority: {type: text}                      # 3, 2 and E: codes, not numbers
      callback: {source: cb, true: ["Y"], false: ["N"]}
      hold: {source: hold_time, unit: s}          # a plain number of seconds as a duration
      code: {null: [""]}                          # NA is a real code here, not a null marker
      ny_arrived_at: {source: ny_arrived, time_zone: America/New_York}

``time_zone:`` is the zone of the column's timestamps written without an offset, instead of
the standards file's ``time_zone``. A value written with an offset (``+02:00``, ``Z``) keeps
its own offset: the zone is never applied on top of it. A ``format:`` that reads an offset
(``%z``, ``%Z``) with a ``time_zone:`` is refused here (the zone could never apply), and a
column the log holds as anything but written timestamps (text, numbers, Unix times, a file's
own instants) is refused when the log is read.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from svcaudit.standards.zones import valid_zone
from svcaudit.units import Unit


class ColumnType(StrEnum):
    """The type a declared column is read as."""

    TEXT = "text"
    NUMBER = "number"
    TIMESTAMP = "timestamp"
    DATE = "date"
    BOOLEAN = "boolean"

    @property
    def sql(self) -> str:
        """The DuckDB type of the column as the audit reads it."""
        return {
            "text": "VARCHAR",
            "number": "DOUBLE",
            "timestamp": "TIMESTAMP",
            "date": "DATE",
            "boolean": "BOOLEAN",
        }[self.value]


#: strftime directives the readers (DuckDB's strptime, and Spark's through it) understand
_DIRECTIVES = set("aAwdbBmyYHIpMSfzZjUWcxX%")
_DIRECTIVE = re.compile(r"%(.)", re.S)


def check_format(value: str) -> str:
    """A strftime format that reads timestamps: known directives, and at least a date."""
    found = _DIRECTIVE.findall(value)
    unknown = sorted({d for d in found if d not in _DIRECTIVES})
    if value.endswith("%") and not value.endswith("%%"):
        unknown.append("(nothing)")
    if unknown:
        raise PydanticCustomError(
            "format",
            "`format: {value}` has an unknown directive %{bad}",
            {
                "value": value,
                "bad": unknown[0],
                "hint": "strftime directives: %Y %m %d %H %M %S %I %p %y %b %f %z, e.g. "
                "%m/%d/%Y %I:%M:%S %p",
            },
        )
    if not {"d", "j", "c", "x"} & set(found) and not {"m", "b", "B"} & set(found):
        raise PydanticCustomError(
            "format",
            "`format: {value}` reads no date",
            {"value": value, "hint": "a timestamp format needs the day and month, e.g. %d/%m/%Y"},
        )
    return value


def _words(value: Any, key: str) -> Any:
    """Words as text: YAML reads unquoted Yes, No, true, null as booleans or null."""
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if isinstance(item, bool) or item is None:
            raise PydanticCustomError(
                "words",
                "`{key}:` holds {item}, which YAML read as {what}, not as the text in the log",
                {
                    "key": key,
                    "item": "null" if item is None else str(item).lower(),
                    "what": "null" if item is None else "a boolean",
                    "hint": 'quote each word: ["Yes", "Y"], ["?", "NA", ""]',
                },
            )
        out.append(str(item) if isinstance(item, int | float) else item)
    return out


class ColumnDeclaration(BaseModel):
    """How one column of the log is read (a `columns:` entry written as a mapping)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)

    source: str | None = Field(
        None, min_length=1, description="The log's column (default: the entry's name)"
    )
    type: ColumnType | None = Field(None, description="text, number, timestamp, date, boolean")
    format: str | None = Field(
        None, min_length=2, description='strftime format of its timestamps: "%d/%m/%Y %H:%M"'
    )
    unit: Unit | None = Field(None, description="A number column as a duration in this unit")
    null: tuple[str, ...] | None = Field(
        None, description="Its null markers, instead of the defaults (empty, ?, N/A, NA, ...)"
    )
    true: tuple[str, ...] | None = Field(None, description='Words for true: ["Y", "Yes", "1"]')
    false: tuple[str, ...] | None = Field(None, description='Words for false: ["N", "No", "0"]')
    time_zone: str | None = Field(
        None,
        description="IANA zone of its timestamps written without an offset (default: the "
        "standards file's time_zone); values with an offset keep theirs",
    )

    @field_validator("null", "true", "false", mode="before")
    @classmethod
    def _text_words(cls, value: Any, info: Any) -> Any:
        return _words(value, str(info.field_name))

    @field_validator("format")
    @classmethod
    def _format(cls, value: str | None) -> str | None:
        return None if value is None else check_format(value)

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return None if value is None else valid_zone(value)

    @model_validator(mode="after")
    def _consistent(self) -> ColumnDeclaration:
        kind = self.read_as
        if self.format is not None and kind not in (ColumnType.TIMESTAMP, ColumnType.DATE):
            raise PydanticCustomError(
                "declaration",
                "`format:` is for timestamps, and this column is declared {kind}",
                {"kind": kind.value, "hint": "remove `type:` or `format:`"},
            )
        if (self.true or self.false) and kind != ColumnType.BOOLEAN:
            raise PydanticCustomError(
                "declaration",
                "`true:`/`false:` words are for true/false columns, and this one is {kind}",
                {"kind": kind.value, "hint": "remove `type:` (or declare `type: boolean`)"},
            )
        if self.time_zone is not None:
            _zone_applies(self, kind)
        if self.unit is not None and kind != ColumnType.NUMBER:
            raise PydanticCustomError(
                "declaration",
                "`unit:` is for number columns, and this one is declared {kind}",
                {"kind": kind.value, "hint": "remove `type:` or `unit:`"},
            )
        return self

    @property
    def read_as(self) -> ColumnType:
        """The declared type, or the one its other keys imply (none: text stays detected)."""
        if self.type is not None:
            return self.type
        if self.format is not None:
            timed = any(d in self.format for d in ("%H", "%I", "%M", "%S", "%c", "%X"))
            return ColumnType.TIMESTAMP if timed else ColumnType.DATE
        if self.true or self.false:
            return ColumnType.BOOLEAN
        if self.unit is not None:
            return ColumnType.NUMBER
        return ColumnType.TEXT

    @property
    def types_it(self) -> bool:
        """Whether it sets the column's type (else the detected one stays)."""
        return any(
            x is not None for x in (self.type, self.format, self.unit, self.true, self.false)
        )


def _zone_applies(decl: ColumnDeclaration, kind: ColumnType) -> None:
    """A declared ``time_zone:`` can apply: timestamps (or dates), and a format without an
    offset of its own."""
    if decl.types_it and kind not in (ColumnType.TIMESTAMP, ColumnType.DATE):
        raise PydanticCustomError(
            "declaration",
            "`time_zone:` is for timestamps, and this column is declared {kind}",
            {"kind": kind.value, "hint": "remove `type:` or `time_zone:`", "key": "time_zone"},
        )
    if decl.format is not None and {"z", "Z"} & set(_DIRECTIVE.findall(decl.format)):
        raise PydanticCustomError(
            "declaration",
            "`format: {value}` reads each value's own UTC offset, so `time_zone:` would never "
            "apply",
            {
                "value": decl.format,
                "hint": "remove `time_zone:` (a value with an offset keeps it), or %z from the "
                "format",
                "key": "time_zone",
            },
        )


__all__ = ["ColumnDeclaration", "ColumnType", "check_format"]
