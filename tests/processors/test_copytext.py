"""The C converter from cleaned CSV to COPY text (processors/native/copytext.c).

Checked against a small pure-Python reference on random records full of the
bytes it treats apart, fed in random pieces: the C code scans 8 bytes at a
time and stores ahead of its output, so values cross word boundaries (some
are longer than 64 bytes), blocks end anywhere (right after a quote, inside a
doubled quote), and input and output end at an inaccessible page to catch a
read or store past the block or the documented output bound.
"""

import csv
import ctypes
import io
import mmap
import multiprocessing
import os
import random
import shutil

import pytest

from processors.ingest import native


def have_compiler() -> bool:
    return bool(os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc"))


pytestmark = pytest.mark.skipif(not have_compiler(), reason="no C compiler: the pure-Python path is used")


def converter(typed, numbered=False):
    conv = native.copy_text_converter(typed, numbered=numbered)
    assert conv is not None, "the C library builds"
    return conv


FLAGS = {"Y": "1", "y": "1", "X": "1", "x": "1", "N": "0", "n": "0"}


def reference_value(value: str, kind: str) -> str | None:
    """What the typed table takes for a cleaned CSV value: None for NULL."""
    if kind == "text":
        return value
    if value.strip(" \t\n\r\v\f") == "":
        return None
    return FLAGS.get(value, value) if kind == "integer" else value


def reference(data: bytes, typed: list[str], numbered: bool, first: int = 1) -> bytes:
    """COPY text for `data` the slow, obvious way: the csv module, the conversions, then escapes."""
    escapes = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
    lines = []
    rows = csv.reader(io.StringIO(data.decode("latin-1"), newline=""), strict=True)
    for number, row in enumerate(rows, first):
        assert len(row) == len(typed)
        converted = [reference_value(value, kind) for value, kind in zip(row, typed)]
        fields = ["\\N" if value is None else value.translate(escapes) for value in converted]
        if numbered:
            fields.insert(0, str(number))
        lines.append("\t".join(fields) + "\n")
    return "".join(lines).encode("latin-1")


def quoted(values: list[bytes]) -> bytes:
    return b",".join(b'"' + v.replace(b'"', b'""') + b'"' for v in values) + b"\n"


# Pieces of values: the bytes the converter escapes or stops at, their CRLF
# pair, bytes that its word test may flag without being special ('#' after a
# quote, ']' after a backslash, 0x0E after a control byte, other controls),
# high bytes, and plain text.
SPECIAL_PIECES = [
    b'"', b'""', b"\\", b"\t", b"\n", b"\r", b"\r\n", b",", b"#", b'"#', b"\\]", b"\x01\x0e", b"\x0b",
    b"\x0c", b"\x0e", b"\x7f", b"\x80", b"\xe9", b"\xff", b"\\N",
]
PLAIN = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ./:-"


def random_value(rng: random.Random) -> bytes:
    kind = rng.random()
    if kind < 0.4:
        return b""
    if kind < 0.45:  # what a typed column takes converted: flags, whitespace only
        return rng.choice([b"Y", b"N", b"x", b"n", b"YY", b" ", b"   ", b" \t\r\n ", b"\x0b\x0c", b" Y"])
    length = rng.choice([rng.randint(1, 7), rng.randint(8, 24), rng.randint(65, 300)])
    special_rate = rng.choice([0.0, 0.05, 0.3, 0.9])
    value = bytearray()
    while len(value) < length:
        if rng.random() < special_rate:
            value += rng.choice(SPECIAL_PIECES)
        else:
            value += bytes(rng.choices(PLAIN, k=rng.randint(1, 12)))
    return bytes(value)


KINDS = ("text", "text", "decimal", "integer")


def random_table(rng: random.Random, records: int, ncols: int) -> tuple[bytes, list[str]]:
    typed = [rng.choice(KINDS) for _ in range(ncols)]
    return b"".join(quoted([random_value(rng) for _ in range(ncols)]) for _ in range(records)), typed


def cut(data: bytes, rng: random.Random, how: str) -> list[bytes]:
    """`data` in pieces: at random, right after quotes, or a byte at a time."""
    if how == "whole":
        return [data]
    if how == "bytes":
        return [data[i : i + 1] for i in range(len(data))]
    if how == "after quotes":  # includes the middle of every doubled quote chosen
        points = [i + 1 for i, b in enumerate(data) if b == ord('"') and rng.random() < 0.3]
    else:
        points, at = [], 0
        while at < len(data):
            at += rng.choice([1, 2, 3, rng.randint(1, 16), rng.randint(1, 200), rng.randint(200, 5000)])
            points.append(at)
    points = sorted(set(p for p in points if 0 < p < len(data)))
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)])]


def convert(pieces: list[bytes], typed: list[str], numbered: bool) -> bytes:
    conv = converter(typed, numbered)
    out = b"".join(conv.feed(piece) for piece in pieces)
    conv.finish()
    if numbered:
        assert conv.rows == out.count(b"\n")
    return out


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("how", ["whole", "random", "after quotes"])
def test_matches_the_reference_on_random_records(seed, how):
    rng = random.Random(seed)
    ncols = rng.choice([1, 2, 3, 5, 8, 63])
    data, typed = random_table(rng, records=max(20, 1200 // ncols), ncols=ncols)
    for numbered in (False, True):
        assert convert(cut(data, rng, how), typed, numbered) == reference(data, typed, numbered)


def test_byte_at_a_time():
    rng = random.Random(99)
    data, typed = random_table(rng, records=40, ncols=4)
    assert b'""' in data and b"\r\n" in data
    for numbered in (False, True):
        assert convert(cut(data, rng, "bytes"), typed, numbered) == reference(data, typed, numbered)


def test_doubled_quotes_split_between_blocks():
    values = [b'"', b'a""b', b'"""', b"x" * 70 + b'"' + b"y" * 70, b""]
    data = quoted(values) * 3
    typed = ["decimal"] * len(values)
    for at in range(1, len(data)):
        assert convert([data[:at], data[at:]], typed, True) == reference(data, typed, True), at


def test_empty_values_and_nulls():
    data = quoted([b"", b"", b"1"]) + quoted([b"", b"x", b""]) + quoted([b"\\N", b"", b""])
    assert convert([data], ["decimal", "text", "decimal"], False) == b"\\N\t\t1\n\\N\tx\t\\N\n\\\\N\t\t\\N\n"


def test_flags_and_blank_typed_values_are_converted_and_counted():
    data = quoted([b"Y", b"N", b"Y", b"   "]) + quoted([b"x", b" \t ", b"YES", b""]) + quoted([b"n", b"12", b"N", b" "])
    conv = converter(["integer", "integer", "text", "decimal"])
    out = conv.feed(data)
    conv.finish()
    assert out == b"1\t0\tY\t\\N\n1\t\\N\tYES\t\\N\n0\t12\tN\t\\N\n"
    assert conv.conversions == {"flag_to_integer": 4, "blank_number_to_null": 3}


def test_numbers_count_up_across_digits():
    data = quoted([b"v"]) * 1001
    out = convert(cut(data, random.Random(3), "random"), ["text"], True)
    assert out.splitlines()[8:10] == [b"9\tv", b"10\tv"]
    assert out.splitlines()[998:] == [b"999\tv", b"1000\tv", b"1001\tv"]


PAGE = mmap.PAGESIZE
PROT_NONE = 0  # not in the mmap module
libc = ctypes.CDLL(None, use_errno=True)
libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]


class Fenced:
    """`size` bytes that end where an inaccessible page starts: touching past them is a crash."""

    def __init__(self, content: bytes = b"", size: int | None = None):
        size = len(content) if size is None else size
        pages = size // PAGE + 2
        self.map = mmap.mmap(-1, pages * PAGE)
        start = ctypes.addressof(ctypes.c_char.from_buffer(self.map))
        assert libc.mprotect(start + (pages - 1) * PAGE, PAGE, PROT_NONE) == 0, ctypes.get_errno()
        self.offset = (pages - 1) * PAGE - size
        self.size = size
        self.map[self.offset : self.offset + len(content)] = content
        self.pointer = ctypes.cast(start + self.offset, ctypes.c_char_p)

    def read(self, n: int) -> bytes:
        return self.map[self.offset : self.offset + n]


def raw(data: bytes, typed: list[str], next_id: int | None = None, records: int | None = None, fence=False):
    """(return value, consumed, next id, output) of csv_to_copy_text itself.

    The output holds what CopyTextConverter.feed allocates, or with `records`
    the documented bound for that many records. With `fence`, the input and
    the output end where an inaccessible page starts.
    """
    library = native._library()
    ncols = len(typed)
    if records is None:
        records = len(data) // (3 * ncols) + 1
    size = 2 * len(data) + 2 * ncols + 16 + 24 * records
    if fence:
        source, out = Fenced(data), Fenced(size=size)
        source_pointer, out_pointer = source.pointer, out.pointer
    else:
        source_pointer, out = data, ctypes.create_string_buffer(size)
        out_pointer = out
    consumed = ctypes.c_long(-7)
    number = ctypes.c_long(next_id) if next_id is not None else None
    conversions = (ctypes.c_long * 2)()
    written = library.csv_to_copy_text(
        source_pointer, len(data), ncols, native.CopyTextConverter(library, typed).typed, out_pointer,
        ctypes.byref(consumed), ctypes.byref(number) if number is not None else None, conversions,
    )
    output = out.read(max(written, 0)) if fence else out.raw[: max(written, 0)]
    return written, consumed.value, number.value if number is not None else None, output


def check_every_prefix_within_bounds():
    """Every prefix of some small streams whose output nears the documented bound."""
    escapes = quoted([b"\\" * 37]) + quoted([b"\t\r\\" * 5])  # every byte doubles
    empties = quoted([b""] * 5) * 2  # each "" becomes \\N
    mixed = quoted([b"", b"\\" * 9, b"x" * 20, b""]) + quoted([b'"' * 8, b"", b"\r" * 11, b"\\"])
    for data, typed in ((escapes, ["decimal"]), (empties, ["decimal"] * 5), (mixed, ["decimal", "text", "integer", "decimal"])):
        assert b"\n" not in data.replace(b'"\n', b"")  # records end at the only LFs
        for next_id in (None, 1, 10**18):
            for at in range(1, len(data) + 1):
                started = data[:at].count(b"\n") + 1
                written, consumed, _, out = raw(data[:at], typed, next_id, records=started, fence=True)
                assert written >= 0
                assert out == reference(data[:consumed], typed, next_id is not None, first=next_id or 1)


def test_reads_and_writes_stay_within_bounds():
    """Word-at-a-time code reads and stores ahead: up to the block's end and the output bound, no further."""
    child = multiprocessing.get_context("fork").Process(target=check_every_prefix_within_bounds)
    child.start()
    child.join()
    assert child.exitcode == 0  # a crash (-11) is a read or store past the end


def test_incomplete_record_is_left_for_later():
    record = quoted([b"ab", b'c"d'])  # "ab","c""d"\n
    expected = b'41\tab\tc"d\n'
    for at in range(len(record)):
        assert raw(record + record[:at], ["text", "text"], next_id=41) == (len(expected), len(record), 42, expected), at


def test_block_ending_right_after_a_quote_waits():
    # The last quote may open a doubled quote or close the value: not decided until the next byte.
    assert raw(b'"a"', ["text"]) == (0, 0, None, b"")
    assert raw(b'"a""', ["text"]) == (0, 0, None, b"")
    assert raw(b'"a"\n', ["text"]) == (2, 4, None, b"a\n")
    assert raw(b'"a"""\n', ["text"]) == (3, 6, None, b'a"\n')


def test_number_text_carries():
    data = quoted([b"v"]) * 3
    for first in (9, 99, 999_999, 10**18 - 1):
        written, consumed, next_id, out = raw(data, ["text"], next_id=first)
        assert (written, consumed, next_id) == (len(out), len(data), first + 3)
        assert out == b"".join(b"%d\tv\n" % (first + k) for k in range(3))


@pytest.mark.parametrize(
    "data, ncols, complete",
    [
        (b'a,"b"\n', 2, 0),  # unquoted value
        (b'"a","b"\n', 3, 0),  # too few fields
        (b'"a","b","c"\n', 2, 0),  # too many fields
        (b'"","",""\n', 2, 0),  # too many, all empty
        (b'"a"x,"b"\n', 2, 0),  # text after the closing quote
        (b'"a","b"\r\n', 2, 0),  # CRLF record end
        (b'"a",\n', 1, 0),  # trailing comma
        (b'"a"\n"b"\n\n', 1, 8),  # blank line
        (b'"ok"\n"' + b"x" * 100 + b'" \n', 1, 5),  # a long value, then a space
    ],
)
def test_malformed_input_is_an_error(data, ncols, complete):
    written, consumed, _, _ = raw(data, ["decimal"] * ncols)
    assert (written, consumed) == (-1, complete)  # the records before the bad one still count
    conv = converter(["decimal"] * ncols)
    with pytest.raises(ValueError, match="malformed"):
        for k in range(0, len(data), 3):
            conv.feed(data[k : k + 3])
