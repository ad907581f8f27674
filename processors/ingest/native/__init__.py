"""Hot loops in C, built with the environment, each with a pure-Python fallback.

- `fastclean.c`: the clean stage checks and converts the common line
  (printable ASCII, every value valid) several times faster than a regex per
  line;
- `copytext.c`: the load stage turns the cleaned CSV into PostgreSQL's COPY
  text format, which the server parses faster than CSV.

Both are compiled into one library when the environment is set up:
`python -m processors.ingest.native build` (run by bin/_bootstrap and by the
Dockerfile's build stage) puts it in `<environment>/native-cache/`, named by a
hash of the sources, and exits non-zero with a one-line reason when it cannot.
At run time the library is loaded from there; if it is missing it is built
then (into the first writable folder of `library_dirs()`). When neither
works, `block_cleaner()` and `copy_text_converter()` return None, the stages
use their pure-Python paths, which give the same results (tests compare
them), record that on each table (`engine`, `native_missing`), and the ingest
reports it as a warning (`fallback_warnings`).

`CALACCESS_NATIVE_DIR` replaces the folders looked in and built into by one
(the tests use it); `CC` names the compiler (default: `cc`, else `gcc`).
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from ..decode import CP1252_TABLE
from ..schema import DATE, DECIMAL, FLAG_INTEGERS, FLOAT, INTEGER, TEXT, Column

logger = logging.getLogger(__name__)

SOURCES = sorted(Path(__file__).parent.glob("*.c"))
COMPILE_FLAGS = ("-O2", "-shared", "-fPIC")
_KINDS = {TEXT: 0, INTEGER: 1, DECIMAL: 2, FLOAT: 3, DATE: 4}
# How much longer the clean stage takes on the pure-Python path than with the C
# one: 4.8 s against 1.5 s for a sample export of 1,000,000 records, inflating
# included (2.2x at 200,000, where fixed costs weigh more).
PYTHON_CLEAN_SLOWDOWN = 3

# Engines a table records (RawDataFile.clean_engine / load_engine).
NATIVE, PYTHON, SERVER = "native", "python", "server"


class BuildError(Exception):
    """The library could not be built; the message is one line."""


def library_name() -> str:
    """The library's file name: a hash of the sources, flags and platform, so a change rebuilds it."""
    source = b"".join(path.read_bytes() for path in SOURCES)
    tag = hashlib.sha256(source + " ".join(COMPILE_FLAGS).encode() + sysconfig.get_platform().encode()).hexdigest()
    return f"calaccess-native-{tag[:16]}.so"


def library_dirs() -> list[Path]:
    """Where the library is looked for, in order, and where a build puts it (the first writable one).

    The environment's `native-cache` (it goes away with the environment), then
    a folder in the temporary directory for a build at run time when the
    environment is read-only; CALACCESS_NATIVE_DIR alone when it is set.
    """
    if os.environ.get("CALACCESS_NATIVE_DIR"):
        return [Path(os.environ["CALACCESS_NATIVE_DIR"])]
    return [Path(sys.prefix) / "native-cache", Path(tempfile.gettempdir()) / "calaccess-archive-native"]


def compiler() -> str | None:
    """The C compiler's path, or None."""
    if os.environ.get("CC"):
        return shutil.which(os.environ["CC"])
    return shutil.which("cc") or shutil.which("gcc")


def _writable_dir() -> Path:
    for candidate in library_dirs():
        try:
            candidate.mkdir(parents=True, exist_ok=True)
            if os.access(candidate, os.W_OK):
                return candidate
        except OSError:
            continue
    raise BuildError(f"no writable folder for the library (tried {', '.join(map(str, library_dirs()))})")


def built_library() -> Path | None:
    """The built library of these sources, if one of `library_dirs()` has it."""
    name = library_name()
    return next((d / name for d in library_dirs() if (d / name).is_file()), None)


def build(directory: Path | None = None, *, prune: bool = False) -> Path:
    """Compile the library into `directory` (default: the first writable of
    `library_dirs()`) unless it is there already; return its path.

    Raises BuildError with a one-line reason. With `prune`, older libraries in
    the folder (of earlier sources) are removed.
    """
    cc = compiler()
    if cc is None:
        wanted = f"CC={os.environ['CC']} not found" if os.environ.get("CC") else "neither cc nor gcc on the PATH"
        raise BuildError(f"no C compiler: {wanted}")
    directory = directory or _writable_dir()
    target = directory / library_name()
    if not target.exists():
        try:
            directory.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=directory) as scratch:
                built = Path(scratch) / target.name
                subprocess.run(
                    [cc, *COMPILE_FLAGS, "-o", str(built), *map(str, SOURCES)],
                    check=True, capture_output=True, text=True, timeout=120,
                )
                os.replace(built, target)  # atomic: parallel workers may build at once
        except subprocess.CalledProcessError as exc:
            said = [line.strip() for line in (exc.stderr or "").splitlines() if line.strip()]
            first = next((line for line in said if "error" in line), said[0] if said else "")
            raise BuildError(f"{cc} failed (exit {exc.returncode}){': ' + first if first else ''}") from exc
        except (OSError, subprocess.SubprocessError) as exc:
            raise BuildError(f"could not build in {directory}: {exc}") from exc
    for stale in directory.glob("calaccess-native-*.so") if prune else ():
        if stale != target:
            stale.unlink(missing_ok=True)
    return target


# Why the library is unavailable in this process (set by _library), or None.
_missing: list[str | None] = [None]


@cache
def _library() -> ctypes.CDLL | None:
    path = built_library()
    if path is None:
        logger.info("the C fast paths were not built with the environment; building them now")
        try:
            path = build()
        except BuildError as exc:
            _missing[0] = f"the C fast paths are not built ({exc})"
            # No compiler is a state of the machine, reported by the ingest; a failing one is a bug.
            log = logger.info if compiler() is None else logger.warning
            log("%s; using the pure-Python paths", _missing[0])
            return None
    try:
        library = ctypes.CDLL(str(path))
        clean_block, csv_to_copy_text = library.clean_block, library.csv_to_copy_text
    except (OSError, AttributeError) as exc:
        _missing[0] = f"the C fast paths do not load ({path}: {exc})"
        logger.warning("%s; using the pure-Python paths", _missing[0])
        return None
    clean_block.restype = ctypes.c_long
    int_array = ctypes.POINTER(ctypes.c_int)
    clean_block.argtypes = [
        ctypes.c_char_p, ctypes.c_long, ctypes.c_int, int_array, int_array, int_array, int_array, int_array,
        ctypes.c_char_p, ctypes.POINTER(ctypes.c_long), ctypes.POINTER(ctypes.c_long), ctypes.c_char_p,
        int_array, ctypes.c_long,
    ]
    csv_to_copy_text.restype = ctypes.c_long
    csv_to_copy_text.argtypes = [
        ctypes.c_char_p, ctypes.c_long, ctypes.c_int, ctypes.c_char_p, ctypes.c_char_p,
        ctypes.POINTER(ctypes.c_long), ctypes.POINTER(ctypes.c_long), ctypes.POINTER(ctypes.c_long),
    ]
    return library


def unavailable_reason() -> str | None:
    """Why this process runs without the C library (one line), or None when it has it."""
    return None if _library() is not None else _missing[0]


def fallback_warnings(cleaned: dict[str, str], loaded: dict[str, str]) -> list[str]:
    """The ingest's warnings about tables that went the pure-Python way for want of the library.

    `cleaned`, `loaded`: {table: unavailable_reason()} of those tables.
    """
    warnings = []
    for reason in sorted(set(cleaned.values()) | set(loaded.values())):
        parts = []
        if tables := [t for t, r in cleaned.items() if r == reason]:
            parts.append(f"{len(tables)} table(s) cleaned by the Python path, about {PYTHON_CLEAN_SLOWDOWN}x slower")
        if tables := [t for t, r in loaded.items() if r == reason]:
            parts.append(f"{len(tables)} table(s) streamed to PostgreSQL as CSV, without the C converter")
        warnings.append(f"{reason}; {'; '.join(parts)}")
    return warnings


NFIX = 6  # the value-fix counters of fastclean.c (named in clean_records._NATIVE_FIXES)
# A line's status from clean_block (fastclean.c's S_* values).
LEFT_TO_PYTHON, VALID, DUPLICATE, BLANK = 0, 1, 2, 3


class CleanedBlock:
    """What `clean_block` made of a block of lines (see fastclean.c).

    `csv`: the CSV of the lines it decided; `offsets[i]:offsets[i + 1]` is line
    i's part; `status[i]`: LEFT_TO_PYTHON, VALID, DUPLICATE (valid and equal to
    the valid line before) or BLANK. `lines` are the block's lines as text (one
    character per byte, without the LF), made only when asked for.
    `offsets` and the arrays behind `lines` and `fixes` are the cleaner's
    buffers, valid until it cleans the next block: a block of short lines
    (FILERS_CD) has hundreds of thousands, too many to copy into lists.
    """

    def __init__(self, block: bytes, csv: bytes, offsets, status: bytes, running_fixes, starts):
        self.csv, self.offsets, self.status = csv, offsets, status
        self._running = running_fixes
        self.lines = _BlockLines(block, starts, len(status))

    def fixes(self, start: int, end: int) -> list[int]:
        """Counts of each value fix over the valid lines start..end-1."""
        r = self._running
        return [r[end * NFIX + k] - r[start * NFIX + k] for k in range(NFIX)]


class _BlockLines(Sequence):
    """The lines of a block as latin-1 text, decoded one by one: the Python
    paths look at a few lines of a block, and decoding all of them costs more
    than the C path itself."""

    def __init__(self, block: bytes, starts, count: int):
        self._block, self._starts, self._count = block, starts, count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += self._count
        if not 0 <= i < self._count:
            raise IndexError(i)
        return self._block[self._starts[i] : self._starts[i + 1] - 1].decode("latin-1")


class BlockCleaner:
    """Runs `clean_block` for one table's columns."""

    def __init__(self, library: ctypes.CDLL, columns: list[Column]):
        self._clean_block = library.clean_block
        n = len(columns)
        self.ncols = n
        self.kinds = (ctypes.c_int * n)(*(_KINDS[c.kind] for c in columns))
        self.arg_a = (ctypes.c_int * n)(*(_arg_a(c) for c in columns))
        self.arg_b = (ctypes.c_int * n)(*((c.decimal_places or 0) if c.kind == DECIMAL else 0 for c in columns))
        self.cp1252 = (ctypes.c_int * 256)(*map(ord, CP1252_TABLE))
        # fastclean.c writes a flag's integer as one digit.
        assert all(len(v) == 1 for v in FLAG_INTEGERS.values()), "flags map to one digit"
        self.flags = (ctypes.c_int * 128)(*(int(FLAG_INTEGERS.get(chr(c), -1)) for c in range(128)))
        self._capacity = 0
        self._line_capacity = 0

    def _buffers(self, size: int, lines: int) -> None:
        # Reused from block to block: zeroing fresh buffers costs as much as the cleaning.
        if size > self._capacity:
            self._capacity = max(size, 2 * self._capacity)
            self._out = ctypes.create_string_buffer(4 * self._capacity + 16)
        if lines + 1 > self._line_capacity:
            self._line_capacity = max(lines + 1, 1024, 2 * self._line_capacity)
            self._offsets = (ctypes.c_long * (self._line_capacity + 1))()
            self._starts = (ctypes.c_long * (self._line_capacity + 1))()
            self._status = ctypes.create_string_buffer(self._line_capacity + 1)
            self._running = (ctypes.c_int * ((self._line_capacity + 1) * NFIX))()

    def clean(self, block: bytes) -> CleanedBlock:
        """Clean the complete lines of `block`."""
        max_lines = block.count(b"\n")
        self._buffers(len(block), max_lines)
        lines = self._clean_block(
            block, len(block), self.ncols, self.kinds, self.arg_a, self.arg_b, self.cp1252, self.flags,
            self._out, self._offsets, self._starts, self._status, self._running, max_lines,
        )
        end = self._offsets[lines]
        return CleanedBlock(
            block, ctypes.string_at(self._out, end), self._offsets, ctypes.string_at(self._status, lines),
            self._running, self._starts,
        )


def _arg_a(column: Column) -> int:
    if column.kind == TEXT:
        return column.max_length if column.max_length is not None else -1
    if column.kind == DECIMAL:
        return max((column.max_digits or 18) - (column.decimal_places or 0), 1)
    return 0


def block_cleaner(columns: list[Column]) -> BlockCleaner | None:
    library = _library()
    return BlockCleaner(library, columns) if library is not None else None


# What copytext.c's conversions[] count, in its order (the names of the clean stage's counts of the same values).
CONVERSIONS = ("flag_to_integer", "blank_number_to_null")


class CopyTextConverter:
    """Turns a stream of cleaned-CSV bytes (after its header) into COPY text format.

    `kinds` has one entry a column: TEXT, INTEGER or another typed kind. An
    integer column's flag letters become their digit and a typed value of
    only whitespace NULL, counted in `conversions`. With `numbered`, each row
    starts with its number (1, 2, ...), for the table's `id` column.
    """

    def __init__(self, library: ctypes.CDLL, kinds: list[str], numbered: bool = False):
        self._convert = library.csv_to_copy_text
        self.ncols = len(kinds)
        self.typed = bytes(0 if k == TEXT else 2 if k == INTEGER else 1 for k in kinds)
        self._conversions = (ctypes.c_long * len(CONVERSIONS))()
        self.pending = b""
        self._next_id = ctypes.c_long(1) if numbered else None
        self._out = ctypes.create_string_buffer(0)  # reused from call to call

    @property
    def rows(self) -> int:
        """Rows numbered so far."""
        return self._next_id.value - 1 if self._next_id is not None else 0

    def feed(self, data: bytes) -> bytes:
        """COPY text for the complete records so far; the rest waits for the next call."""
        block = self.pending + data
        # A record takes at least 3 bytes a field ("" and , or LF); each may gain a 24-byte number.
        size = 2 * len(block) + 2 * self.ncols + 16 + 24 * (len(block) // (3 * self.ncols) + 1)
        if size > len(self._out):
            self._out = ctypes.create_string_buffer(max(size, 2 * len(self._out)))
        out = self._out
        consumed = ctypes.c_long()
        next_id = ctypes.byref(self._next_id) if self._next_id is not None else None
        written = self._convert(block, len(block), self.ncols, self.typed, out, ctypes.byref(consumed), next_id,
                                self._conversions)
        if written < 0:
            raise ValueError("cleaned CSV is malformed")
        self.pending = block[consumed.value :]
        return ctypes.string_at(out, written)

    def finish(self) -> None:
        if self.pending:
            raise ValueError("cleaned CSV ends inside a record")

    @property
    def conversions(self) -> dict[str, int]:
        """Values converted so far, by rule (only rules that converted any)."""
        return {name: n for name, n in zip(CONVERSIONS, self._conversions) if n}


def copy_text_converter(kinds: list[str], *, numbered: bool = False) -> CopyTextConverter | None:
    library = _library()
    return CopyTextConverter(library, kinds, numbered) if library is not None else None
