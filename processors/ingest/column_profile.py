"""What each column of a table usually holds, learned from the table's own valid records.

A record with a tab inside a value has more fields than its table has columns,
and often more than one way of merging fields puts a valid value in every
column (processors/ingest/repair.py). A person tells them apart by what each
column usually holds: a name column two or three words, a position column a
title, a mostly empty column nothing. `TableProfile` keeps exactly that, in
bounded memory, per column:

- how many values are empty;
- the shape of the others (digits become 9, capital words A, lower-case words
  a, capitalized words Aa, punctuation kept; up to four words);
- how many words and how many characters they have (in buckets);
- whether they begin or end with a space (the state pads some columns);
- how often each value recurs (codes, cities, employers), and each first and
  last word (first names, "COMMITTEE", "INC.").

`log_typicality(i, value)` is how typical `value` is of column i, a log
probability: every share is smoothed, so an unseen feature is unlikely, not
impossible. Rules and margin: docs/cleaning.md.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

# Distinct shapes kept per column; rarer ones share one bucket.
MAX_SHAPES = 200
# Distinct values, and distinct first and last words, counted per column.
MAX_VALUES = 5000

_TOKEN_SPLIT = re.compile(r"[ \t]+")
_WORD_CHARS = re.compile(r"[A-Za-z]+|[0-9]+|[^A-Za-z0-9]")


def _token_shape(token: str) -> str:
    parts = []
    for piece in _WORD_CHARS.findall(token):
        if piece.isdigit():
            parts.append("9")
        elif piece.isupper():
            parts.append("A")
        elif piece.islower():
            parts.append("a")
        elif piece[0].isupper() and piece[1:].islower():
            parts.append("Aa")
        elif piece[0].isalpha():
            parts.append("Aa" if piece[0].isupper() else "a")
        else:
            parts.append(piece)
    return "".join(parts)


def value_features(value: str) -> tuple[str, int, int, int]:
    """(shape, word-count bucket, length bucket, edge spaces) of a non-empty value.

    A tab counts as the space it stands for: a merged value is judged as the
    text it would be with its tab read as a word break.
    """
    words = [t for t in _TOKEN_SPLIT.split(value) if t]
    shape = " ".join(_token_shape(t) for t in words[:4]) + (" +" if len(words) > 4 else "")
    word_bucket = min(len(words), 6)
    length_bucket = min(len(value).bit_length(), 9)  # 1, 2-3, 4-7, 8-15 ... 256+
    edges = (value[0] in " \t") + 2 * (value[-1] in " \t")
    return shape, word_bucket, length_bucket, edges


class _BoundedCounter(Counter):
    """A Counter that stops taking new keys at `limit` (known keys still count)."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit

    def see(self, key) -> None:
        if key in self or len(self) < self.limit:
            self[key] += 1


class ColumnProfile:
    """The counts of one column's values (see the module docstring)."""

    __slots__ = ("values", "empty", "shapes", "words", "lengths", "edges", "exact", "first_words", "last_words")

    def __init__(self) -> None:
        self.values = 0
        self.empty = 0
        self.shapes = _BoundedCounter(MAX_SHAPES)
        self.words: Counter = Counter()
        self.lengths: Counter = Counter()
        self.edges: Counter = Counter()
        self.exact = _BoundedCounter(MAX_VALUES)
        self.first_words = _BoundedCounter(MAX_VALUES)
        self.last_words = _BoundedCounter(MAX_VALUES)

    def add(self, value: str) -> None:
        self.values += 1
        if value == "":
            self.empty += 1
            return
        shape, words, length, edges = value_features(value)
        self.shapes.see(shape)
        self.words[words] += 1
        self.lengths[length] += 1
        self.edges[edges] += 1
        self.exact.see(value)
        first, last = _end_words(value)
        self.first_words.see(first)
        if last is not None:
            self.last_words.see(last)

    def log_typicality(self, value: str) -> float:
        """log P(value) under the column's profile.

        P(empty) is the share of empty values. A filled value's probability mixes two
        estimates the way Good-Turing does: how often the value itself recurs, and,
        weighted by the share of values seen only once (the chance of a new value),
        how typical its features are (shape, words, length, spaces at the ends, and
        its first and last word).
        """
        n = self.values
        if value == "":
            return _log_share(self.empty, n, 2)
        filled = n - self.empty
        score = _log_share(filled, n, 2)
        if filled == 0:
            return score + _feature_log_floor(value)
        shape, words, length, edges = value_features(value)
        features = (
            _log_share(self.shapes.get(shape, 0), filled, len(self.shapes) + 1)
            + _log_share(self.words[words], filled, 7)
            + _log_share(self.lengths[length], filled, 10)
            + _log_share(self.edges[edges], filled, 4)
        )
        first, last = _end_words(value)
        features += _log_share(self.first_words.get(first, 0), filled, len(self.first_words) + 1)
        if last is not None:
            multi = filled - self.words[1] - self.words[0]
            features += _log_share(self.last_words.get(last, 0), multi, len(self.last_words) + 1)
        singletons = sum(1 for c in self.exact.values() if c == 1) + (filled - sum(self.exact.values()))
        new_value = (singletons + 1) / (filled + 2)
        novel = math.log(new_value) + features
        seen = self.exact.get(value, 0)
        if not seen:
            return score + novel
        return score + _log_add(math.log(seen / filled), novel)


def _log_add(a: float, b: float) -> float:
    """log(e^a + e^b), without overflow or underflow."""
    high, low = max(a, b), min(a, b)
    return high + math.log1p(math.exp(low - high))


def _end_words(value: str) -> tuple[str, str | None]:
    """The first word of a value and, when it has more than one, its last."""
    words = [t for t in _TOKEN_SPLIT.split(value) if t] or [value]
    return words[0], (words[-1] if len(words) > 1 else None)


def _feature_log_floor(value: str) -> float:
    """Features of a value in a column that was never filled: nothing to compare, a flat penalty."""
    return math.log(1 / 7) + math.log(1 / 10) + math.log(1 / 4)


def _log_share(count: int, total: int, kinds: int) -> float:
    """log of a share, add-one smoothed over `kinds` possible outcomes."""
    return math.log((count + 1) / (total + kinds))


class TableProfile:
    """The profiles of a table's columns (only those asked for are counted)."""

    def __init__(self, ncolumns: int, columns: Iterable[int] | None = None):
        wanted = range(ncolumns) if columns is None else sorted(set(columns))
        self.columns: dict[int, ColumnProfile] = {i: ColumnProfile() for i in wanted}
        self.records = 0

    def add(self, record: Sequence[str]) -> None:
        self.records += 1
        for i, profile in self.columns.items():
            profile.add(record[i])

    def log_typicality(self, column: int, value: str) -> float:
        return self.columns[column].log_typicality(value)

    def record_score(self, record: Sequence[str], columns: Iterable[int]) -> float:
        """How typical `record` is in `columns` (the ones its candidates disagree on)."""
        return sum(self.columns[i].log_typicality(record[i]) for i in columns)
