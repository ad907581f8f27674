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

`ColumnProfile.log_typicality(value)` is how typical `value` is of its column, a log
probability: every share is smoothed, so an unseen feature is unlikely, not
impossible. Rules and margin: docs/cleaning.md.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

# Distinct values, and distinct first and last words, counted per column.
MAX_VALUES = 5000

# A character's class in a shape: digits 9, capitals A, lower case a, spaces and tabs a space; the
# rest (punctuation, other scripts) stands for itself. Runs of one class collapse: "John" is "Aa".
_CLASSES = str.maketrans(
    {**{c: "9" for c in "0123456789"}, **{c: "A" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
     **{c: "a" for c in "abcdefghijklmnopqrstuvwxyz"}, "\t": " "}
)
# Three literal replacements: several times faster than one with a group reference.
_RUNS = (re.compile("9{2,}"), "9"), (re.compile("A{2,}"), "A"), (re.compile("a{2,}"), "a")


# A value's shape is its words' shapes (runs stop at spaces), and words recur far more than values.
_WORD_SHAPES: dict[str, str] = {}
MAX_WORD_SHAPES = 50_000


def _word_shape(word: str) -> str:
    shape = _WORD_SHAPES.get(word)
    if shape is None:
        shape = word.translate(_CLASSES)
        for run, one in _RUNS:
            shape = run.sub(one, shape)
        if len(_WORD_SHAPES) >= MAX_WORD_SHAPES:
            _WORD_SHAPES.clear()
        _WORD_SHAPES[word] = shape
    return shape


def _shape(words: list[str]) -> str:
    return " ".join([_word_shape(w) for w in words[:4]]) + (" +" if len(words) > 4 else "")


def value_features(value: str) -> tuple[str, int, int, int, str, str | None]:
    """(shape, word-count bucket, length bucket, edge spaces, first word, last word) of a non-empty value.

    A tab counts as the space it stands for: a merged value is judged as the
    text it would be with its tab read as a word break. The last word is None
    for a value of one word (a value of spaces is its own first word).
    """
    words = value.split()
    shape = _shape(words)
    word_bucket = min(len(words), 6)
    length_bucket = min(len(value).bit_length(), 9)  # 1, 2-3, 4-7, 8-15 ... 256+
    edges = (value[0] in " \t") + 2 * (value[-1] in " \t")
    first = words[0] if words else value
    last = words[-1] if len(words) > 1 else None
    return shape, word_bucket, length_bucket, edges, first, last


class ColumnProfile:
    """The counts of one column's values (see the module docstring).

    Values are counted as they come (`add_values`, a C-speed Counter update);
    their features are counted once per distinct value, weighted by its count,
    when a value leaves the bounded count of values or when the profile is read.
    """

    def __init__(self) -> None:
        self.values = 0
        self.empty = 0
        self.exact: Counter = Counter()  # up to MAX_VALUES distinct values
        self.evicted = 0  # values no longer in `exact` (their features are counted)
        self.shapes: Counter = Counter()
        self.words: Counter = Counter()
        self.lengths: Counter = Counter()
        self.edges: Counter = Counter()
        self.first_words: Counter = Counter()
        self.last_words: Counter = Counter()
        self._ready = False
        self._singletons = 0
        self._scores: dict[str, float] = {}

    def add_values(self, values: list[str]) -> None:
        if self._ready:
            raise RuntimeError("a profile takes no more values once it has been read")
        self.values += len(values)
        empty = values.count("")
        self.empty += empty
        self.exact.update(values)
        if empty:
            del self.exact[""]
        if len(self.exact) > MAX_VALUES:
            kept = dict(self.exact.most_common(MAX_VALUES))
            for value, n in self.exact.items():
                if value not in kept:
                    self._count_features(value, n)
                    self.evicted += n
            self.exact = Counter(kept)

    def _count_features(self, value: str, n: int) -> None:
        shape, words, length, edges, first, last = value_features(value)
        self.shapes[shape] += n
        self.words[words] += n
        self.lengths[length] += n
        self.edges[edges] += n
        self.first_words[first] += n
        if last is not None:
            self.last_words[last] += n

    def _prepare(self) -> None:
        """Count the features of the values held exactly, once, when the profile is first read."""
        if self._ready:
            return
        for value, n in self.exact.items():
            self._count_features(value, n)
        self._singletons = sum(1 for n in self.exact.values() if n == 1) + self.evicted
        filled = self.values - self.empty
        multi = filled - self.words[1] - self.words[0]
        self._denominators = {
            "features": math.log(filled + len(self.shapes) + 1) + math.log(filled + 7) + math.log(filled + 10)
            + math.log(filled + 4) + math.log(filled + len(self.first_words) + 1),
            "last": math.log(multi + len(self.last_words) + 1),
            "novel": math.log((self._singletons + 1) / (filled + 2)),
        }
        self._ready = True

    def log_typicality(self, value: str) -> float:
        """log P(value) under the column's profile (remembered: a table's records repeat their values)."""
        found = self._scores.get(value)
        if found is None:
            if len(self._scores) >= MAX_VALUES:
                self._scores.clear()
            found = self._scores[value] = self._log_typicality(value)
        return found

    def _log_typicality(self, value: str) -> float:
        """log P(value) under the column's profile.

        P(empty) is the share of empty values. A filled value's probability mixes two
        estimates the way Good-Turing does: how often the value itself recurs, and,
        weighted by the share of values seen only once (the chance of a new value),
        how typical its features are (shape, words, length, spaces at the ends, and
        its first and last word).
        """
        self._prepare()
        n = self.values
        if value == "":
            return _log_share(self.empty, n, 2)
        filled = n - self.empty
        score = _log_share(filled, n, 2)
        if filled == 0:
            return score + _feature_log_floor(value)
        shape, words, length, edges, first, last = value_features(value)
        # Each share add-one smoothed (_log_share), its denominator's log computed once (_prepare).
        den = self._denominators
        features = (
            math.log(self.shapes.get(shape, 0) + 1) + math.log(self.words.get(words, 0) + 1)
            + math.log(self.lengths.get(length, 0) + 1) + math.log(self.edges.get(edges, 0) + 1)
            + math.log(self.first_words.get(first, 0) + 1) - den["features"]
        )
        if last is not None:
            features += math.log(self.last_words.get(last, 0) + 1) - den["last"]
        novel = den["novel"] + features
        seen = self.exact.get(value, 0)
        if not seen:
            return score + novel
        return score + _log_add(math.log(seen / filled), novel)


def _log_add(a: float, b: float) -> float:
    """log(e^a + e^b), without overflow or underflow."""
    high, low = max(a, b), min(a, b)
    return high + math.log1p(math.exp(low - high))


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

    def add_records(self, records: Sequence[Sequence[str]]) -> None:
        """Count a batch of records (column by column: one C-speed count per column)."""
        self.records += len(records)
        for i, profile in self.columns.items():
            profile.add_values([r[i] for r in records])
