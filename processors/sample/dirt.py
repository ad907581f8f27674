"""The dirt of the real export, injected into clean records of the synthetic one.

A line is handled as text whose characters U+0000-U+00FF stand for the bytes
written (it is encoded as Latin-1), so a fault can place any byte, including
Windows-1252 and UTF-8 sequences, without a second encoding step.

`field_clean` is the cleaning rule for one field's bytes, as the clean stage
applies it; the answer key's records are computed with it, so the key and the
rule cannot disagree.
"""

from __future__ import annotations

import codecs
import random
from collections.abc import Sequence
from dataclasses import dataclass

from processors.ingest.schema import TEXT, Column

FAULTS = ("tab", "line_break", "control_bytes", "non_ascii", "blank_line", "duplicate", "trailing_cr")

# Windows-1252 leaves 0x81, 0x8D, 0x8F, 0x90 and 0x9D undefined; the cleaner
# keeps them as the code point of the same number rather than failing.
_CP1252_UNDEFINED = (0x81, 0x8D, 0x8F, 0x90, 0x9D)
_CP1252_TABLE = "".join(
    chr(b) if b in _CP1252_UNDEFINED else bytes([b]).decode("cp1252") for b in range(256)
)
# Bytes 0x11-0x19 are Windows-1252 punctuation (0x91-0x99) that lost the high
# bit upstream; NUL and SUB carry nothing and are dropped.
_CONTROL_MAP = {b: _CP1252_TABLE[b + 0x80] for b in range(0x11, 0x1A)} | {0x00: None, 0x1A: None}


def field_clean(raw: bytes) -> str:
    """The cleaned value of one field's bytes (see the module docstring)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = codecs.charmap_decode(raw, "strict", _CP1252_TABLE)[0]
    # A UTF-16 apostrophe (0x2019, little end lost) written byte by byte.
    return text.replace("\x00\x19", "\u2019").translate(_CONTROL_MAP)


@dataclass
class Fault:
    """A record as written (`raw`, physical text) and what cleaning must make of it."""

    raw: str
    record: list[str]
    lines: int
    expect: str


def _fits(column: Column, length: int) -> bool:
    return column.max_length is None or length <= column.max_length


def _text_columns(columns: Sequence[Column], fields: list[str], grow: int, inner: bool = False) -> list[int]:
    """Text columns that can take `grow` more characters, non-empty values first."""
    last = len(columns) - 1
    found = [
        i
        for i, c in enumerate(columns)
        if c.kind == TEXT and _fits(c, len(fields[i]) + grow) and not (inner and i in (0, last))
    ]
    filled = [i for i in found if len(fields[i]) >= 3]
    return filled or found


def _at_space_or_middle(value: str, insert: str, rng: random.Random) -> str:
    """`insert` in place of a space of `value`, or in its middle if it has none."""
    spaces = [i for i, ch in enumerate(value) if ch == " "]
    if spaces:
        i = rng.choice(spaces)
        return value[:i] + insert + value[i + 1 :]
    i = len(value) // 2
    return value[:i] + insert + value[i:]


# How many tabs a tab-shifted record carries (real ones: one to three).
TAB_COUNTS = (1, 1, 1, 1, 1, 1, 2, 2, 3)
# Columns whose values real tabs fall inside: names, descriptions, titles, activities.
_TAB_PRONE = ("NAM", "DSCR", "DESC", "POSIT", "ACTVTY", "TITLE", "MEMO", "TEXT", "EMP", "OCC", "ADR")


def _tab_places(columns: Sequence[Column], record: list[str]) -> list[tuple[int, int, int]]:
    """Where a tab can go as it does in real records: (column, position, weight).

    Every real tab-shifted record has its tab where text columns are adjacent
    (often empty ones): between the words of a value, a name between first and
    last name, a description between words.
    """
    places = []
    last = len(columns) - 1
    for i, (column, value) in enumerate(zip(columns, record)):
        if column.kind != TEXT or not value or not _fits(column, len(value) + 1):
            continue
        left = i > 0 and columns[i - 1].kind == TEXT
        right = i < last and columns[i + 1].kind == TEXT
        if not (left or right):
            continue
        weight = 3 if any(p in column.name for p in _TAB_PRONE) else 1
        spaces = [k for k, ch in enumerate(value) if ch == " " and 0 < k < len(value) - 1]
        places.extend((i, k, weight) for k in spaces)
    return places


def fault_tab(columns: Sequence[Column], fields: list[str], rng: random.Random) -> Fault | None:
    """One to three tabs inside values, where real ones are; the key holds the true record."""
    record = list(fields)
    placed = 0
    for _ in range(rng.choice(TAB_COUNTS)):
        places = _tab_places(columns, record)
        if not places:
            break
        i, k, _ = rng.choices(places, weights=[w for _, _, w in places])[0]
        value = record[i]
        # At a space the tab replaces it (the filer typed a tab for a word break).
        record[i] = value[:k] + "\t" + value[k + 1 :]
        placed += 1
    if not placed:
        return None
    return Fault("\t".join(record), record, 1, "repaired")


def fault_line_break(columns: Sequence[Column], fields: list[str], rng: random.Random) -> Fault | None:
    # Never in the first or last column: either way one of the two lines would
    # have a full record's field count and look complete.
    brk = rng.choice(("\n", "\r", "\r\n"))
    choices = _text_columns(columns, fields, len(brk), inner=True)
    if not choices:
        return None
    i = rng.choice(choices)
    record = list(fields)
    record[i] = _at_space_or_middle(fields[i], brk, rng) if fields[i] else brk
    if brk == "\r":
        # Lines end at LF: a bare CR stays inside its value and splits nothing.
        return Fault("\t".join(record), record, 1, "kept")
    return Fault("\t".join(record), record, 2, "rejoined")


def _with_control_bytes(value: str, rng: random.Random) -> str:
    words = value.split(" ") if value else ["A"]
    w = rng.randrange(len(words))
    kind = rng.choice(("nul", "sub", "apostrophe", "apostrophe", "dash", "quotes", "utf16"))
    if kind == "nul":
        return value + "\x00" if rng.random() < 0.5 else "\x00" + value
    if kind == "sub":
        return value[: len(value) // 2] + "\x1a" + value[len(value) // 2 :]
    if kind == "apostrophe":
        words[w] += "\x12S"  # "GOVERNOR<0x12>S OFFICE"
    elif kind == "utf16":
        words[w] += "\x00\x19S"  # "GOVERNORB<0x00><0x19>S OFFICE"
    elif kind == "dash":
        words.insert(w + 1, rng.choice(("\x16", "\x17")))  # "FUND <0x16> YES ON 1"
    else:
        words[w] = "\x13" + words[w] + "\x14"
    return " ".join(words)


def fault_control_bytes(columns: Sequence[Column], fields: list[str], rng: random.Random) -> Fault | None:
    choices = _text_columns(columns, fields, 0)
    for i in rng.sample(choices, k=min(4, len(choices))):
        raw_value = _with_control_bytes(fields[i], rng)
        clean = field_clean(raw_value.encode("latin-1"))
        if not _fits(columns[i], len(clean)):
            continue  # the mapped punctuation made the value too long; try another
        raw = list(fields)
        raw[i] = raw_value
        record = list(fields)
        record[i] = clean
        return Fault("\t".join(raw), record, 1, "fixed")
    return None


# Accented names and punctuation seen in filings; either encoding is written.
NON_ASCII_NAMES = ("JOSÉ", "MUÑOZ", "PEÑA", "GÓMEZ", "NÚÑEZ", "O’BRIEN", "BJÖRK", "ANDRÉ", "CÉSAR", "IBÁÑEZ")
NON_ASCII_PHRASES = (
    "CAFÉ CATERING", "“YES ON 1” SIGNS", "GOVERNOR¿S OFFICE", "NIÑOS FIRST", "RENT – JULY", "WORKERS’ COMPENSATION",
)


def fault_non_ascii(columns: Sequence[Column], fields: list[str], rng: random.Random) -> Fault | None:
    choices = [i for i in _text_columns(columns, fields, 0) if (columns[i].max_length or 99) >= 6]
    if not choices:
        return None
    i = rng.choice(choices)
    name = columns[i].name
    pool = NON_ASCII_NAMES if "NAM" in name else NON_ASCII_PHRASES
    text = rng.choice(pool)
    if not _fits(columns[i], len(text)):
        text = rng.choice(NON_ASCII_NAMES[:4])
        if not _fits(columns[i], len(text)):
            return None
    # Windows-1252 bytes that happen to form valid UTF-8 would read as other
    # characters; such a value is written as UTF-8 instead.
    encoding = rng.choice(("cp1252", "cp1252", "cp1252", "utf-8"))
    data = text.encode(encoding)
    if field_clean(data) != text:
        data = text.encode("utf-8")
    raw = list(fields)
    raw[i] = data.decode("latin-1")
    record = list(fields)
    record[i] = text
    return Fault("\t".join(raw), record, 1, "fixed")


def fault_trailing_cr(columns: Sequence[Column], fields: list[str], rng: random.Random) -> Fault | None:
    return Fault("\t".join(fields) + "\r", list(fields), 1, "fixed")


# A fault that depends on the record; blank lines and duplicates are written by the table writer.
RECORD_FAULTS = {
    "tab": fault_tab,
    "line_break": fault_line_break,
    "control_bytes": fault_control_bytes,
    "non_ascii": fault_non_ascii,
    "trailing_cr": fault_trailing_cr,
}
