"""What each raw table holds: columns, their types, and what counts as a valid value.

The column list of each of the 80 tables comes from django-calaccess-raw-data's
models (`calaccess_archive.raw_schemas` builds a `TableSchema` per model and
hands it to the stages as a plain value). Every stage (the sample export,
clean, load) asks these classes, so "is this value valid for this column?" has
exactly one answer in the project.

Validity is the set of values PostgreSQL accepts for the column's type, in the
form CAL-ACCESS writes them:
- text: any string of at most `max_length` characters;
- integer: an optional sign and digits within int4 (flags `Y`/`X`/`N` are the
  documented exception, see `flag_integer`); empty means NULL;
- decimal: digits with at most `decimal_places` fractional digits and at most
  `max_digits` digits; empty means NULL;
- float: a decimal number, optionally with an exponent; empty means NULL;
- date: `M/D/YYYY` optionally followed by ` H:MM:SS AM|PM` (the export's form)
  or ISO `YYYY-MM-DD`; empty means NULL.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

TEXT, INTEGER, DECIMAL, FLOAT, DATE = "text", "integer", "decimal", "float", "date"

INT4_MAX = 2_147_483_647

# Integer columns of CAL-ACCESS hold some yes/no flags as letters. The cleaned
# CSV keeps the letters; the typed table gets 1/0 (the convention of the
# export's own documentation and of the earlier tool), converted by the load
# and counted on the table's record.
FLAG_INTEGERS = {"Y": "1", "y": "1", "X": "1", "x": "1", "N": "0", "n": "0"}

# re.ASCII: PostgreSQL reads only ASCII digits ("１２" would fail the whole load).
_INTEGER_RE = re.compile(r"[+-]?\d+", re.ASCII)
_DECIMAL_RE = re.compile(r"[+-]?(\d*)(?:\.(\d*))?", re.ASCII)
_FLOAT_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_EXPORT_DATE_RE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?: (\d{1,2}):(\d{2}):(\d{2}) ?([AP]M))?", re.ASCII)
_ISO_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
# The whitespace PostgreSQL's number and date input skips around a value (isspace in C).
PG_SPACE = " \t\n\v\f\r"


@dataclass(frozen=True)
class Column:
    name: str  # the export's column name (the model's db_column)
    kind: str  # TEXT, INTEGER, DECIMAL, FLOAT or DATE
    max_length: int | None = None
    max_digits: int | None = None
    decimal_places: int | None = None

    @property
    def typed(self) -> bool:
        return self.kind != TEXT

    def is_valid(self, value: str) -> bool:
        """True when PostgreSQL would load `value` into this column as is (after flags)."""
        if self.kind == TEXT:
            return self.max_length is None or len(value) <= self.max_length
        if value.strip(PG_SPACE) == "":
            return True  # NULL (the load converts a value of spaces)
        value = value.strip(PG_SPACE)
        if self.kind == INTEGER:
            if value in FLAG_INTEGERS:
                return True
            return bool(_INTEGER_RE.fullmatch(value)) and -INT4_MAX - 1 <= int(value) <= INT4_MAX
        if self.kind == DECIMAL:
            return _decimal_is_valid(value, self.max_digits, self.decimal_places)
        if self.kind == FLOAT:
            return bool(_FLOAT_RE.fullmatch(value))
        return parse_date(value) is not None

    def fast_pattern(self) -> str:
        """A regex fragment that matches only valid values (a subset of them).

        The clean stage matches whole lines against these fragments; a line
        that does not match is checked value by value with `is_valid`.
        """
        if self.kind == TEXT:
            if self.max_length is None:
                return r"[^\t]*"
            return r"[^\t]{0,%d}" % self.max_length
        if self.kind == INTEGER:
            return r"(?:-?\d{1,9})?"
        if self.kind == DECIMAL:
            whole = max((self.max_digits or 18) - (self.decimal_places or 0), 1)
            places = self.decimal_places or 0
            frac = r"(?:\.\d{0,%d})?" % places if places else ""
            return r"(?:-?\d{1,%d}%s)?" % (whole, frac)
        if self.kind == FLOAT:
            return r"(?:-?\d{1,15}(?:\.\d{0,15})?)?"
        # February 29th is left to `is_valid`: a regex cannot know leap years.
        month_day = (
            r"(?:(?:0?[1-9]|1[0-2])/(?:0?[1-9]|1\d|2[0-8])"
            r"|(?:0?[13-9]|1[0-2])/(?:29|30)"
            r"|(?:0?[13578]|1[02])/31)"
        )
        return r"(?:%s/(?!0000)\d{4}(?: 12:00:00 AM)?)?" % month_day


@dataclass(frozen=True)
class TableSchema:
    name: str  # e.g. RCPT_CD, the file is <name>.TSV and the table "<name>"
    db_table: str
    columns: tuple[Column, ...] = field(repr=False)
    # A column the table's primary key is on (only FILER_TYPES_CD has one;
    # the others get our own `id`): its values must be present and unique.
    primary_key: str | None = None

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)


def _decimal_is_valid(value: str, max_digits: int | None, decimal_places: int | None) -> bool:
    match = _DECIMAL_RE.fullmatch(value)
    if not match or not (match.group(1) or match.group(2)):
        return False
    whole, frac = match.group(1) or "", match.group(2) or ""
    if decimal_places is not None and len(frac) > decimal_places:
        return False
    if max_digits is not None and decimal_places is not None:
        return len(whole.lstrip("0")) <= max_digits - decimal_places
    return True


def parse_date(value: str) -> dt.date | None:
    """The date a CAL-ACCESS date value stands for, or None if it is not one."""
    match = _EXPORT_DATE_RE.fullmatch(value)
    if match:
        month, day, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
        if match.group(4) is not None:
            hour, minute, second = int(match.group(4)), int(match.group(5)), int(match.group(6))
            if not (1 <= hour <= 12 and minute < 60 and second < 60):
                return None
    else:
        match = _ISO_DATE_RE.fullmatch(value)
        if not match:
            return None
        year, month, day = (int(g) for g in match.groups())
    if year < 1:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def row_pattern(columns: list[Column], *, text: str | None = None) -> re.Pattern:
    """A regex that matches only valid records (a subset of them).

    The strict form (the default, for the raw line, CR included) lets text
    hold only printable ASCII and integers only digits. The decoded forms (for
    a line already decoded and without its CR) let integers hold flags and
    text hold any character in the `text` class.
    """
    parts = []
    for c in columns:
        pattern = c.fast_pattern()
        if c.kind == TEXT:
            pattern = pattern.replace(r"[^\t]", text or r"[ -~]")
        elif c.kind == INTEGER and text:
            pattern = r"(?:-?\d{1,9}|[%s])?" % "".join(FLAG_INTEGERS)
        parts.append(pattern)
    # (?!\r|$): an empty line is a blank line, even in a one-column table (FILERS_CD).
    # re.ASCII: \d must not match other scripts' digits, which PostgreSQL does not read.
    return re.compile(r"(?!\r|$)" + "\t".join(parts) + ("" if text else "\r"), re.ASCII)
