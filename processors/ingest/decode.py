"""Turning the export's bytes into faithful text (rules in docs/cleaning.md).

- Each field is decoded on its own: as UTF-8 when its bytes are valid UTF-8,
  otherwise as Windows-1252, whose five undefined bytes (0x81, 0x8D, 0x8F, 0x90,
  0x9D) keep their Latin-1 code points. No byte ever becomes U+FFFD.
- Control bytes are mapped back, not deleted blindly: NUL and SUB are padding
  and are removed; 0x11-0x19 are Windows-1252 punctuation 0x91-0x99 whose high
  bit was lost upstream; the pair NUL 0x19 is the UTF-16 fragment of U+2019.
  Every change is counted by rule.
"""

from __future__ import annotations

import codecs
import re
from collections import Counter

# Windows-1252 with its holes filled from Latin-1, so decoding never fails.
CP1252_TABLE = "".join(
    bytes([b]).decode("cp1252") if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D) else chr(b) for b in range(256)
)

# 0x11..0x19 -> the Windows-1252 character of 0x91..0x99
LOST_HIGH_BIT = {b: bytes([b + 0x80]).decode("cp1252") for b in range(0x11, 0x1A)}
_LOST_HIGH_BIT_TABLE = {chr(b): c for b, c in LOST_HIGH_BIT.items()}
_TRANSLATE_LOST_HIGH_BIT = str.maketrans(_LOST_HIGH_BIT_TABLE)

# Bytes of a field that are not UTF-8, as decoded with surrogateescape.
_NOT_UTF8 = re.compile("[\udc80-\udcff]")
# Characters map_control_characters changes.
_CONTROL = re.compile("[\x00\x11-\x1a]")

# Rule names, as counted in RawDataFile.value_fixes.
FIX_WINDOWS_1252 = "decoded_windows_1252"
FIX_NUL_SUB = "removed_nul_or_sub"
FIX_UTF16_APOSTROPHE = "utf16_apostrophe"
FIX_LOST_HIGH_BIT = "restored_windows_1252_punctuation"


def decode_line(raw: bytes, fixes: Counter) -> str:
    """The text a line's bytes stand for: UTF-8, else each field that is not UTF-8 read as Windows-1252;
    control bytes mapped back (map_control_characters)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        # Only the fields that are not UTF-8 are decoded as Windows-1252.
        fields = raw.decode("utf-8", "surrogateescape").split("\t")
        for i, field in enumerate(fields):
            if not field.isascii() and _NOT_UTF8.search(field):
                fields[i] = codecs.charmap_decode(field.encode("utf-8", "surrogateescape"), "strict", CP1252_TABLE)[0]
                fixes[FIX_WINDOWS_1252] += 1
        text = "\t".join(fields)
    if _CONTROL.search(text):
        text = map_control_characters(text, fixes)
    return text


def map_control_characters(text: str, fixes: Counter) -> str:
    if "\x00\x19" in text:
        fixes[FIX_UTF16_APOSTROPHE] += text.count("\x00\x19")
        text = text.replace("\x00\x19", "\u2019")
    removed = text.count("\x00") + text.count("\x1a")
    if removed:
        fixes[FIX_NUL_SUB] += removed
        text = text.replace("\x00", "").replace("\x1a", "")
    lost = sum(text.count(c) for c in _LOST_HIGH_BIT_TABLE)
    if lost:
        fixes[FIX_LOST_HIGH_BIT] += lost
        text = text.translate(_TRANSLATE_LOST_HIGH_BIT)
    return text


def decode_for_humans(raw: bytes) -> str:
    """A readable rendering of arbitrary bytes (for quarantine files), never lossy."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return codecs.charmap_decode(raw, "strict", CP1252_TABLE)[0]
