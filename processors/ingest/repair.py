"""Repairing a record that has more fields than its table has columns.

A tab inside a text value splits that value in two and shifts every later
column right. The repair puts the tab back: it tries every way of merging
adjacent fields into text columns (joined with the tab they were split at)
and keeps the ways in which every column's value is valid for its type and
length (`Column.is_valid`).

The rule (docs/cleaning.md): exactly one valid way means the record is
repaired (the true record is always one of the valid ways, so it is this one);
none means it is quarantined with the reason. Between several valid ways the
clean stage decides by what each column usually holds (`merge_by_evidence`,
with processors/ingest/column_profile.py), and quarantines the record when the
evidence does not single one out by a wide margin.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .column_profile import TableProfile
from .native.merges import MergeSearch
from .schema import Column

# While a table streams, valid merges are counted up to this many: one is a repair,
# more wait for the table's profile.
MAX_CANDIDATES = 2
# The best merge must be this much more typical than the runner-up (in natural log
# units of the profile's likelihood: e^9, about 8,000 times as likely) to be applied.
# Tuned on the synthetic export for at most 1 wrong repair in 1,000 (docs/cleaning.md).
EVIDENCE_MARGIN = 9.0
# Records with more surplus fields than this are not searched (the search grows
# with the number of ways to place them) and go to quarantine.
MAX_EXTRA_FIELDS = 8


def _merge_ways(columns: Sequence[Column], fields: Sequence[str], cap: int):
    """ways(f, c): the valid widths for column c starting at field f, each with how
    many valid completions (at most `cap`) follow.

    Filled in column by column from the last, over the shifts f - c (0 to the surplus):
    a text value's validity is its length, so merged widths are checked by summing
    field lengths, without joining them; typed columns take one field.
    """
    extra = len(fields) - len(columns)
    ncols = len(columns)
    starts = [0]  # starts[i]: the length of fields[:i]
    for value in fields:
        starts.append(starts[-1] + len(value))
    # table[c][s]: the (width, completions) of column c at shift s.
    table: list[list[list[tuple[int, int]]]] = [[] for _ in range(ncols)]
    after = [0] * extra + [1]  # completions of the columns after the current one, by shift
    for c in range(ncols - 1, -1, -1):
        column = columns[c]
        here = []
        counts = []
        for shift in range(extra + 1):
            f = c + shift
            found: list[tuple[int, int]] = []
            if column.kind == "text":
                longest = column.max_length
                for width in range(1, extra - shift + 2):
                    if longest is not None and starts[f + width] - starts[f] + width - 1 > longest:
                        break  # a longer merge is only longer
                    n = after[shift + width - 1]
                    if n:
                        found.append((width, n))
            elif after[shift] and column.is_valid(fields[f]):
                found.append((1, after[shift]))
            here.append(found)
            counts.append(min(cap, sum(n for _, n in found)))
        table[c] = here
        after = counts

    def ways(f: int, c: int) -> list[tuple[int, int]]:
        return [] if c == ncols else table[c][f - c]

    return ways


def tab_repair_candidates(columns: Sequence[Column], fields: Sequence[str]) -> list[list[str]]:
    """Every valid record (up to MAX_CANDIDATES) that `fields` can be merged into, in a fixed order."""
    extra = len(fields) - len(columns)
    if extra <= 0 or extra > MAX_EXTRA_FIELDS:
        return []
    if extra == 1:
        return _one_tab_candidates(columns, fields)
    ncols = len(columns)
    ways = _merge_ways(columns, fields, MAX_CANDIDATES)
    candidates: list[list[str]] = []

    def build(f: int, c: int, record: list[str]) -> None:
        if len(candidates) >= MAX_CANDIDATES:
            return
        if c == ncols:
            candidates.append(list(record))
            return
        for width, _ in ways(f, c):
            record.append("\t".join(fields[f : f + width]))
            build(f + width, c + 1, record)
            record.pop()

    build(0, 0, [])
    return candidates


def _one_tab_merges(columns: Sequence[Column], fields: Sequence[str], limit: int | None = None) -> list[int]:
    """The common case, one surplus field: the columns j where merging fields j and j+1 is valid.

    Merging at column j keeps the fields before j in place and shifts the ones
    after it left by one. So j needs every column before it valid in place (j up
    to the first one that is not) and every column after it valid shifted (j
    from the last one that is not): one scan from each end tells the few j worth
    trying.
    """
    n = len(columns)
    first_bad = next((i for i in range(n) if not columns[i].is_valid(fields[i])), n)
    last_bad = next((i for i in range(n - 1, -1, -1) if not columns[i].is_valid(fields[i + 1])), -1)
    merges = []
    for j in range(max(last_bad, 0), min(first_bad, n - 1) + 1):
        column = columns[j]
        if column.kind == "text" and column.is_valid(fields[j] + "\t" + fields[j + 1]):
            merges.append(j)
            if limit is not None and len(merges) >= limit:
                break
    return merges


def _one_tab_merged(fields: Sequence[str], j: int) -> list[str]:
    return [*fields[:j], fields[j] + "\t" + fields[j + 1], *fields[j + 2 :]]


def _one_tab_candidates(columns: Sequence[Column], fields: Sequence[str]) -> list[list[str]]:
    return [_one_tab_merged(fields, j) for j in _one_tab_merges(columns, fields, MAX_CANDIDATES)]


def _one_tab_space(fields: Sequence[str], merges: list[int]) -> "MergeSpace":
    """The space of a one-surplus-field record's valid merges (`merges`, from _one_tab_merges), without a
    search: a merge at column j takes fields c for columns before j, j and j+1 for column j, c+1 after."""
    first, last = merges[0], merges[-1]
    states: dict[tuple[int, int], list[int]] = {}
    for c in range(first, last + 1):
        widths = ([2] if c in merges else []) + ([1] if c < last else [])
        if widths:
            states[(c, c)] = widths  # not merged yet
        if c > first:
            states[(c + 1, c)] = [1]  # merged before c
    return MergeSpace(_one_tab_merged(fields, first), first, last, states, merges)


@dataclass
class MergeSpace:
    """Every valid merge of a record, in the few columns where they differ.

    Outside the columns first..last every valid merge holds the same values, those
    of `base` (one of them); `states` maps (field, column) to the widths a valid merge
    may take there, for the columns first..last.
    """

    base: list[str]
    first: int
    last: int
    states: dict[tuple[int, int], list[int]]
    # One surplus field: the columns a valid merge may join at (the decision then needs no search).
    merges: list[int] | None = None

    @property
    def columns(self) -> set[int]:
        return set(range(self.first, self.last + 1))


def tab_repair(columns: Sequence[Column], fields: Sequence[str], search: MergeSearch | None = None
               ) -> tuple[list[str] | None, str, MergeSpace | None]:
    """What the valid merges of `fields` into records are: the one record when there is exactly one
    (the repair); the space of them all when there are more (to be decided by evidence); or, with
    neither, the reason it cannot be repaired. `search`: the table's C search (native.merges); without
    it, the same search in Python."""
    extra = len(fields) - len(columns)
    ncols = len(columns)
    if extra > MAX_EXTRA_FIELDS:
        return None, f"{extra} fields too many; too many to repair safely", None
    if search is not None:
        table = search.search(fields, MAX_CANDIDATES)
        count = table.count
        if count > 1 and extra == 1:
            return None, "", _one_tab_space(fields, table.one_tab_merges())
        if count > 1:
            return None, "", MergeSpace(table.first_merge(fields), table.first, table.last, table.states())
        if count:
            return table.first_merge(fields), "", None
    elif extra == 1:
        merges = _one_tab_merges(columns, fields)
        if len(merges) > 1:
            return None, "", _one_tab_space(fields, merges)
        count = len(merges)
    else:
        ways = _merge_ways(columns, fields, MAX_CANDIDATES)
        count = min(MAX_CANDIDATES, sum(n for _, n in ways(0, 0)))
        if count > 1:
            return None, "", _merge_space(ncols, ways, _first_merge(ncols, fields, ways))
    if not count:
        return None, f"{extra} field(s) too many and no merge of text columns makes every column valid", None
    return (_one_tab_merged(fields, merges[0]) if extra == 1 else _first_merge(ncols, fields, ways)), "", None


def _first_merge(ncols: int, fields: Sequence[str], ways) -> list[str]:
    """One valid merge: the narrowest width at every column."""
    record, f = [], 0
    for c in range(ncols):
        width = ways(f, c)[0][0]
        record.append("\t".join(fields[f : f + width]))
        f += width
    return record


def _merge_space(ncols: int, ways, base: list[str]) -> MergeSpace:
    """The valid merges' states (from the search's `ways`), cut to the columns where they differ."""
    options: dict[int, set[tuple[int, int]]] = {}
    states: dict[tuple[int, int], list[int]] = {}
    todo = [(0, 0)]
    while todo:
        f, c = todo.pop()
        if (f, c) in states or c == ncols:
            continue
        states[(f, c)] = [width for width, _ in ways(f, c)]
        for width in states[(f, c)]:
            options.setdefault(c, set()).add((f, width))
            todo.append((f + width, c + 1))
    doubt = [c for c, found in options.items() if len(found) > 1]
    first, last = min(doubt), max(doubt)
    return MergeSpace(base, first, last, {(f, c): w for (f, c), w in states.items() if first <= c <= last})


@dataclass(frozen=True)
class EvidenceChoice:
    """The two most typical valid merges of a record, and how typical each is."""

    best: list[str]
    runner_up: list[str]
    best_score: float
    runner_up_score: float

    @property
    def margin(self) -> float:
        return self.best_score - self.runner_up_score

    @property
    def decided(self) -> bool:
        return self.margin >= EVIDENCE_MARGIN


def merge_by_evidence(fields: Sequence[str], profile: TableProfile, space: MergeSpace) -> EvidenceChoice | None:
    """The best and second-best valid merges of `fields` by the profile (None: fewer than two).

    A merge's score is the sum, over the columns where merges differ, of how typical its
    value is of its column, so the best two are found by dynamic programming over
    (field, column), however many merges there are. Between equal scores the merge
    joining fields earlier ranks first.
    """
    if space.merges is not None:
        return _one_tab_by_evidence(fields, profile, space)
    states, first, end = space.states, space.first, space.last + 1
    # top[(f, c)]: the two best (score, width, rank of the continuation) from (f, c) on, column by
    # column from the last one in doubt back to the first.
    top: dict[tuple[int, int], list[tuple[float, int, int]]] = {}
    by_column: dict[int, list[tuple[int, list[int]]]] = {}
    for (f, c), widths in states.items():
        by_column.setdefault(c, []).append((f, widths))
    finish = [(0.0, 0, 0)]
    for c in range(end - 1, first - 1, -1):
        typicality = profile.columns[c].log_typicality
        for f, widths in by_column.get(c, ()):
            options = []
            for width in widths:
                here = typicality(fields[f] if width == 1 else "\t".join(fields[f : f + width]))
                rest = finish if c + 1 == end else top[(f + width, c + 1)]
                options.append((here + rest[0][0], width, 0))
                if len(rest) > 1:
                    options.append((here + rest[1][0], width, 1))
            options.sort(key=_score, reverse=True)  # stable, reversed too: equal scores keep their order
            top[(f, c)] = options[:2]
    start = next(f for f, _ in by_column[first])

    def record(rank: int) -> list[str]:
        out, f = list(space.base), start
        for c in range(first, end):
            _, width, next_rank = top[(f, c)][rank]
            out[c] = "\t".join(fields[f : f + width])
            f, rank = f + width, next_rank
        return out

    ranked = top[(start, first)]
    if len(ranked) < 2:
        return None
    return EvidenceChoice(record(0), record(1), ranked[0][0], ranked[1][0])


def _score(option: tuple) -> float:
    return option[0]


def _one_tab_by_evidence(fields: Sequence[str], profile: TableProfile, space: MergeSpace) -> EvidenceChoice | None:
    """merge_by_evidence for one surplus field, in closed form: a merge at column j scores its
    columns before j in place, j joined and the ones after j shifted, so each column's three
    possible values are scored once. Sums run from the last column back, as the search's do,
    so both give the same scores to the bit."""
    merges, first, last = space.merges, space.first, space.last
    columns = profile.columns
    in_place, shifted = {}, {}
    for c in range(first, last + 1):
        typicality = columns[c].log_typicality
        in_place[c] = typicality(fields[c])
        shifted[c] = typicality(fields[c + 1])
    after = {last + 1: 0.0}  # after[k]: the shifted columns k..last, summed from the last back
    for c in range(last, first - 1, -1):
        after[c] = shifted[c] + after[c + 1]
    scored = []
    for j in merges:
        score = columns[j].log_typicality(fields[j] + "\t" + fields[j + 1]) + after[j + 1]
        for c in range(j - 1, first - 1, -1):
            score = in_place[c] + score
        scored.append((score, j))
    if len(scored) < 2:
        return None
    scored.sort(key=_score, reverse=True)  # stable: the earlier merge first between equal scores
    (best, j_best), (runner_up, j_runner) = scored[0], scored[1]
    return EvidenceChoice(_one_tab_merged(fields, j_best), _one_tab_merged(fields, j_runner), best, runner_up)


def merged_columns(columns: Sequence[Column], record: Sequence[str]) -> str:
    """Which columns of a repaired record hold the tabs put back, e.g. "BENE_NAME" or "A+B"."""
    return "+".join(c.name for c, v in zip(columns, record) if "\t" in v) or "-"
