"""merges.c from Python: the valid merges of one table's records with several surplus fields."""

from __future__ import annotations

import ctypes
from collections.abc import Sequence

from ..schema import TEXT, Column
from . import _library

ANY_LENGTH, TYPED = -1, -2


class MergeTable:
    """What `merge_ways` found for one record: the count of valid merges (at most the cap), the widths
    of each state, and the columns where valid merges differ."""

    def __init__(self, count: int, ncols: int, extra: int, ways: bytes, reach: bytes, first: int, last: int,
                 first_widths: bytes):
        self.count, self.ncols, self.extra = count, ncols, extra
        self._ways, self._reach, self.first, self.last = ways, reach, first, last
        self.first_widths = first_widths  # of the first valid merge, when there is one

    def first_merge(self, fields: Sequence[str]) -> list[str]:
        """repair.py's _first_merge: the valid merge with the narrowest width at every column."""
        record, f = [], 0
        for width in self.first_widths:
            record.append(fields[f] if width == 1 else "\t".join(fields[f : f + width]))
            f += width
        return record

    def one_tab_merges(self) -> list[int]:
        """repair.py's _one_tab_merges, for a record with one surplus field: the columns a valid merge joins."""
        e1, ways, reach = self.extra + 1, self._ways, self._reach
        return [c for c in range(self.first, self.last + 1) if reach[c * e1] and ways[c * e1 * e1 + 1]]

    def states(self) -> dict[tuple[int, int], list[int]]:
        """The widths of every state a valid merge goes through, in the columns first..last."""
        e1 = self.extra + 1
        found, ways, reach = {}, self._ways, self._reach
        for c in range(self.first, self.last + 1):
            for s in range(e1):
                if reach[c * e1 + s]:
                    base = (c * e1 + s) * e1
                    found[(c + s, c)] = [w + 1 for w, n in enumerate(ways[base : base + e1]) if n]
        return found


class MergeSearch:
    """Runs `merge_ways` for one table's columns."""

    def __init__(self, library: ctypes.CDLL, columns: Sequence[Column]):
        self._merge_ways = library.merge_ways
        self._merge_ways.restype = ctypes.c_long
        self._merge_ways.argtypes = [
            ctypes.c_int, ctypes.c_int, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_long),
            ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int),
            ctypes.c_char_p,
        ]
        self.columns = list(columns)
        self.ncols = len(columns)
        self._longest = (ctypes.c_int * self.ncols)(*(
            (ANY_LENGTH if c.max_length is None else c.max_length) if c.kind == TEXT else TYPED for c in columns))
        self._typed = [(i, c) for i, c in enumerate(columns) if c.kind != TEXT]
        self._doubt = (ctypes.c_int * 2)()

    def search(self, fields: Sequence[str], cap: int) -> MergeTable:
        ncols, extra = self.ncols, len(fields) - self.ncols
        e1 = extra + 1
        typed_ok = bytearray(ncols * e1)
        for i, column in self._typed:
            for s in range(e1):
                typed_ok[i * e1 + s] = column.is_valid(fields[i + s])
        starts = [0]
        for value in fields:
            starts.append(starts[-1] + len(value))
        ways = ctypes.create_string_buffer(ncols * e1 * e1)
        reach = ctypes.create_string_buffer(ncols * e1)
        first_widths = ctypes.create_string_buffer(ncols)
        count = self._merge_ways(ncols, extra, self._longest, (ctypes.c_long * len(starts))(*starts),
                                 bytes(typed_ok), cap, ways, reach, self._doubt, first_widths)
        if count < 0:
            raise ValueError(f"merge_ways refused {extra} surplus fields")
        return MergeTable(count, ncols, extra, ways.raw, reach.raw, self._doubt[0], self._doubt[1],
                          first_widths.raw if count else b"")


def merge_search(columns: Sequence[Column]) -> MergeSearch | None:
    library = _library()
    return MergeSearch(library, columns) if library is not None else None
