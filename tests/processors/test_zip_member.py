"""zip_member_open (ISA-L inflate) against zipfile: the same bytes, the same damage caught."""

import dataclasses
import io
import random
import tracemalloc
import zipfile

import pytest

from processors.ingest.clean import table_clean
from processors.errors import BadExport
from processors.sample.export import sample_export_write
from calaccess_archive.raw_schemas import raw_table_schemas
from processors.ingest.table_jobs import clean_job, member_name
from processors.ingest.zip_member import _MemberReader, zip_member_open

NAME = "CalAccess/DATA/T_CD.TSV"
READ_SIZES = [1, 7, 4093, 1, 65537, 1 << 20, 333_333]  # cycled: odd sizes, across chunk boundaries


def random_bytes(size, seed=1):
    return random.Random(seed).randbytes(size)


def tsv_lines(size, seed=2):
    """Compressible, table-like data, with the odd random field."""
    rng = random.Random(seed)
    out = bytearray(b"ID\tNAME\tAMOUNT\n")
    while len(out) < size:
        out += b"%d\tNAME %s\t%d.%02d\r\n" % (rng.randrange(10**7), rng.choice([b"A", b"BB", b"CCC"]) * rng.randrange(9),
                                             rng.randrange(10**5), rng.randrange(100))
    return bytes(out[:size])


CONTENTS = {
    "empty": b"",
    "tiny": b"A\tB\n",
    "no-newline": b"x" * 100,
    "random-3MiB": random_bytes(3 << 20),
    "tsv-6MiB": tsv_lines(6 << 20),
}


def write_zip(path, data, compress_type, name=NAME):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo(name), b"")  # a member before, so header_offset is not 0
        zf.writestr(name + ".2", data, compress_type=compress_type)
    return name + ".2"


def read_in_pattern(stream):
    """Each read's result, cycling READ_SIZES, until b""."""
    reads = [stream.readline()]
    for i in range(10**6):
        chunk = stream.read(READ_SIZES[i % len(READ_SIZES)])
        reads.append(chunk)
        if not chunk:
            return reads
    raise AssertionError("never reached the end")


@pytest.mark.parametrize("compress_type", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED], ids=["deflated", "stored"])
@pytest.mark.parametrize("content", list(CONTENTS))
def test_same_reads_as_zipfile(tmp_path, compress_type, content):
    path = tmp_path / "t.zip"
    member = write_zip(path, CONTENTS[content], compress_type)
    with zipfile.ZipFile(path) as zf, zf.open(member) as theirs:
        expected = read_in_pattern(theirs)
    with zip_member_open(path, member) as ours:
        assert isinstance(ours, _MemberReader)  # not the zipfile fallback
        got = read_in_pattern(ours)
        assert ours.read(10) == b""  # stays at the end
    assert b"".join(got) == CONTENTS[content]
    assert [len(r) for r in got] == [len(r) for r in expected]
    assert got == expected


def test_read_all_and_readline_to_the_end(tmp_path):
    path = tmp_path / "t.zip"
    data = tsv_lines(1 << 20)
    member = write_zip(path, data, zipfile.ZIP_DEFLATED)
    with zip_member_open(path, member) as ours:
        assert ours.read(5) == data[:5]
        assert ours.read() == data[5:]
    with zip_member_open(path, member) as ours:
        lines = list(iter(ours.readline, b""))
    assert lines == data.splitlines(keepends=True)


def test_memory_stays_bounded_whatever_the_compression_ratio(tmp_path):
    path = tmp_path / "t.zip"
    member = write_zip(path, bytes(64 << 20), zipfile.ZIP_DEFLATED)  # 64 MiB of zeros: ~64 KiB compressed
    tracemalloc.start()
    try:
        with zip_member_open(path, member) as ours:
            total = 0
            while chunk := ours.read(1 << 20):
                assert len(chunk) <= 1 << 20
                total += len(chunk)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert total == 64 << 20
    assert peak < 8 << 20, peak


class Unseekable(io.RawIOBase):
    """An output zipfile cannot seek back in, so it writes a data descriptor after each member."""

    def __init__(self, file):
        self._file, self._pos = file, 0

    def writable(self):
        return True

    def write(self, data):
        self._pos += len(data)
        return self._file.write(data)

    def tell(self):
        return self._pos

    def seekable(self):
        return False

    def seek(self, *args):
        raise io.UnsupportedOperation("seek")

    def flush(self):
        self._file.flush()


def local_header_sizes(path, member):
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    with open(path, "rb") as f:
        f.seek(info.header_offset + 18)
        return info, int.from_bytes(f.read(4), "little"), int.from_bytes(f.read(4), "little")


def test_member_with_a_data_descriptor(tmp_path):
    path = tmp_path / "t.zip"
    data = tsv_lines(2 << 20)
    with open(path, "wb") as raw, zipfile.ZipFile(Unseekable(raw), "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("first", b"hello")
        with zf.open(NAME, "w") as out:
            out.write(data)
    info, compressed, size = local_header_sizes(path, NAME)
    assert info.flag_bits & 0x08 and (compressed, size) == (0, 0)  # the case this test is about
    with zip_member_open(path, NAME) as ours:
        assert ours.readline() + ours.read(1 << 20) + ours.read(1 << 20) + ours.read(1 << 20) == data


def test_member_with_zip64_placeholders_in_the_local_header(tmp_path):
    path = tmp_path / "t.zip"
    data = tsv_lines(1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("first", b"hello")
        with zf.open(NAME, "w", force_zip64=True) as out:
            out.write(data)
    info, compressed, size = local_header_sizes(path, NAME)
    assert (compressed, size) == (0xFFFFFFFF, 0xFFFFFFFF)  # the sizes are in the zip64 extra field
    with zip_member_open(path, NAME) as ours:
        assert ours.read() == data


@pytest.mark.parametrize("compress_type", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA], ids=["bzip2", "lzma"])
def test_other_compression_methods_fall_back_to_zipfile(tmp_path, compress_type):
    path = tmp_path / "t.zip"
    data = tsv_lines(300_000)
    member = write_zip(path, data, compress_type)
    with zip_member_open(path, member) as ours:
        assert not isinstance(ours, _MemberReader)
        assert ours.readline() + ours.read(100_000) + ours.read() == data


def test_missing_member_raises_keyerror_as_zipfile_does(tmp_path):
    path = tmp_path / "t.zip"
    write_zip(path, b"x", zipfile.ZIP_DEFLATED)
    with pytest.raises(KeyError):
        zip_member_open(path, "CalAccess/DATA/NOPE.TSV")


def damaged(tmp_path, data, compress_type, damage):
    """A zip whose member `damage(raw bytes, info)` has altered; the member's name."""
    path = tmp_path / "t.zip"
    member = write_zip(path, data, compress_type)
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    raw = bytearray(path.read_bytes())
    damage(raw, info)
    path.write_bytes(bytes(raw))
    return path, member


def read_all(path, member):
    with zip_member_open(path, member) as ours:
        while ours.read(1 << 20):
            pass


def data_start(raw, info):
    offset = info.header_offset
    return offset + 30 + int.from_bytes(raw[offset + 26 : offset + 28], "little") + int.from_bytes(
        raw[offset + 28 : offset + 30], "little"
    )


def flip_middle_byte(raw, info):
    raw[data_start(raw, info) + info.compress_size // 2] ^= 0x55


def test_flipped_byte_in_a_stored_member_is_a_crc_mismatch(tmp_path):
    path, member = damaged(tmp_path, tsv_lines(100_000), zipfile.ZIP_STORED, flip_middle_byte)
    with pytest.raises(BadExport, match=rf"^{path}: member {member}: CRC mismatch$"):
        read_all(path, member)


@pytest.mark.parametrize("content", ["random-3MiB", "tsv-6MiB"])
def test_flipped_byte_in_a_deflated_member_is_bad_export(tmp_path, content):
    path, member = damaged(tmp_path, CONTENTS[content], zipfile.ZIP_DEFLATED, flip_middle_byte)
    with pytest.raises(BadExport, match=rf"^{path}: member {member}: ") as caught:
        read_all(path, member)
    assert "\n" not in str(caught.value)
    with zipfile.ZipFile(path) as zf, pytest.raises(Exception):  # zipfile agrees it is damaged
        zf.read(member)


def test_wrong_crc_in_the_directory_is_a_crc_mismatch(tmp_path):
    def bad_crc(raw, info):
        central = raw.rindex(b"PK\x01\x02")  # the last member's directory entry
        raw[central + 16] ^= 0x01

    path, member = damaged(tmp_path, tsv_lines(500_000), zipfile.ZIP_DEFLATED, bad_crc)
    with pytest.raises(BadExport, match=rf"^{path}: member {member}: CRC mismatch$"):
        read_all(path, member)


def test_deflate_stream_cut_short_is_bad_export(tmp_path):
    """The directory says the member's compressed data ends halfway through the deflate stream."""

    def cut(raw, info):
        central = raw.rindex(b"PK\x01\x02")  # the last member's directory entry
        raw[central + 20 : central + 24] = (info.compress_size // 2).to_bytes(4, "little")

    path, member = damaged(tmp_path, tsv_lines(500_000), zipfile.ZIP_DEFLATED, cut)
    with pytest.raises(BadExport, match=rf"^{path}: member {member}: truncated compressed data$"):
        read_all(path, member)


def test_zip_cut_short_is_bad_export(tmp_path):
    path = tmp_path / "t.zip"
    member = write_zip(path, random_bytes(200_000), zipfile.ZIP_STORED)
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    reader = zip_member_open(path, member)
    with open(path, "r+b") as f:  # cut while open: the file ends in the middle of the member's data
        f.truncate(info.header_offset + 30 + len(member) + 1000)
    with reader, pytest.raises(BadExport, match=rf"^{path}: member {member}: truncated$"):
        while reader.read(1 << 16):
            pass


def test_clean_job_matches_table_clean_through_zipfile(tmp_path):
    """End to end: every table of a sample export cleans the same through both readers."""
    zip_path = tmp_path / "export.zip"
    sample_export_write(schemas=raw_table_schemas(), path=zip_path, seed=31, records=5000, dirt_rate=0.01)
    schemas = raw_table_schemas()
    with zipfile.ZipFile(zip_path) as archive:
        for table, schema in schemas.items():
            member = member_name(table)
            with archive.open(member) as source:
                expected = table_clean(source=source, schema=schema, clean_path=tmp_path / "zf.csv",
                                       errors_path=tmp_path / "zf.errors.csv")
            got = clean_job(zip_path=zip_path, member=member, schema=schema, clean_path=tmp_path / "isal.csv",
                            errors_path=tmp_path / "isal.errors.csv")
            got = {k: v for k, v in got.items() if k not in ("seconds", "peak_rss_mb")}
            assert got == dataclasses.asdict(expected), table
            assert (tmp_path / "isal.csv").read_bytes() == (tmp_path / "zf.csv").read_bytes(), table
            assert (tmp_path / "isal.errors.csv").read_bytes() == (tmp_path / "zf.errors.csv").read_bytes(), table
