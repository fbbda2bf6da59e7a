"""How a text value is read: null markers, true/false words, and invalid values.

A value that is a *null marker* (empty, ``?``, ``N/A``, ...) is missing: NULL, never an
error and never a branch name. A value present in the file that cannot be read as its
column's type is an *invalid value*: NULL for that row too, and flagged in a column of its
own, ``invalid_column(c)``, which holds the raw text (NULL when the value was read, or
missing). Only a broken record (wrong number of fields, an unterminated quote, bytes that are
not UTF-8) rejects a row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlglot import exp

from svcaudit.sources.sql import lit

#: read as missing in every column unless a column declares its own ``null:`` markers. `NA`
#: is among them (R's and spreadsheets' "not available"): a column where NA is a real code
#: declares ``null: [""]`` (or its own list) in `columns:`.
DEFAULT_NULLS: tuple[str, ...] = ("", "?", "N/A", "NA", "n/a", "null", "NULL", "None", "-")

#: the prefix of the column holding a column's invalid raw text (not a name a log can have
#: by accident: svcaudit's own columns all start with two underscores)
INVALID_PREFIX = "__invalid:"


#: the prefix of a needed column holding another column's text as written (``parse_time``)
TEXT_PREFIX = "__text:"


def text_column(name: str) -> str:
    """The relation's column holding ``name``'s text as written (null markers are NULL)."""
    return TEXT_PREFIX + name


def invalid_column(name: str) -> str:
    """The relation's column holding ``name``'s raw text where it could not be read."""
    return INVALID_PREFIX + name


@dataclass(frozen=True)
class ValueRules:
    """How the text of each column is read (declared in `columns:`, else the defaults)."""

    nulls: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # column -> markers
    true_words: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    false_words: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    default_nulls: tuple[str, ...] = DEFAULT_NULLS
    zones: Mapping[str, str] = field(default_factory=dict)  # column -> its declared time_zone

    def markers(self, column: str) -> tuple[str, ...]:
        """The null markers of ``column``."""
        return self.nulls.get(column, self.default_nulls)

    def words(self, column: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
        """The declared true and false words of ``column`` (None: the engine's own)."""
        if column not in self.true_words and column not in self.false_words:
            return None
        return self.true_words.get(column, ()), self.false_words.get(column, ())


DEFAULT_RULES = ValueRules()


@dataclass(frozen=True)
class ColumnReading:
    """How a declaration (`columns:` in a standards file) says to read one source column."""

    type: str | None = None  # DuckDB type; None: as detected
    format: str | None = None  # strptime format of its timestamps
    nulls: tuple[str, ...] | None = None  # its null markers (None: the defaults)
    true_words: tuple[str, ...] = ()
    false_words: tuple[str, ...] = ()
    time_zone: str | None = None  # the zone of its timestamps written without an offset


def is_marker(value: exp.Expr, markers: tuple[str, ...]) -> exp.Expr:
    """The test that a text value is one of ``markers`` (compared after trimming blanks).

    Trimming costs about 0.7 s of CPU per column per 5 M values, so it is done only where
    it could find a marker (``may_be_marker``): about 0.1 s for a column of timestamps.
    """
    trimmed = exp.In(this=exp.Trim(this=value.copy()), expressions=[lit(m) for m in markers])
    return exp.and_(may_be_marker(value, markers), trimmed)


def may_be_marker(value: exp.Expr, markers: tuple[str, ...]) -> exp.Expr:
    """A cheap test true of every text that trimming turns into one of ``markers``: one no
    longer (in bytes) than the longest marker, or one with a blank at either end. A blank is
    a space or, for DuckDB, any Unicode space separator, which is not ASCII: the text then has
    more bytes than characters. ``strlen`` (bytes) is ``octet_length`` on Spark."""
    longest = max((len(m.encode("utf-8")) for m in markers), default=0)
    size = exp.Anonymous(this="strlen", expressions=[value.copy()])
    return exp.or_(
        exp.LTE(this=size, expression=exp.Literal.number(longest)),
        exp.Like(this=value.copy(), expression=lit(" %")),
        exp.Like(this=value.copy(), expression=lit("% ")),
        exp.NEQ(this=size.copy(), expression=exp.Length(this=value.copy())),
    )


def without_markers(value: exp.Expr, markers: tuple[str, ...]) -> exp.Expr:
    """A text value, NULL where it is a null marker."""
    if not markers:
        return value
    return exp.Case().when(is_marker(value, markers), exp.null()).else_(value.copy())


def boolean_words(value: exp.Expr, words: tuple[tuple[str, ...], tuple[str, ...]]) -> exp.Expr:
    """Declared true/false words as a boolean; any other text is NULL (then invalid)."""
    trimmed = exp.Trim(this=value.copy())
    true_words, false_words = words
    case = exp.Case()
    if true_words:
        case = case.when(exp.In(this=trimmed, expressions=[lit(w) for w in true_words]), exp.true())
    if false_words:
        case = case.when(
            exp.In(this=trimmed.copy(), expressions=[lit(w) for w in false_words]), exp.false()
        )
    return case.else_(exp.cast(exp.null(), "BOOLEAN"))


__all__ = [
    "DEFAULT_NULLS",
    "DEFAULT_RULES",
    "INVALID_PREFIX",
    "TEXT_PREFIX",
    "ColumnReading",
    "ValueRules",
    "boolean_words",
    "invalid_column",
    "is_marker",
    "may_be_marker",
    "text_column",
    "without_markers",
]
