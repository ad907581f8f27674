"""processors/zip_writer.py writes zips every reader takes, byte for byte the same for the same members."""

import random
import zipfile

import pytest

from processors.zip_writer import FASTER, SMALLER, ZipWriter


def _members(tmp_path):
    rng = random.Random(3)
    big = tmp_path / "Contributions.csv"
    # Several read chunks of text that deflates (repeated words) and some that does not (random bytes).
    big.write_bytes(b"".join(rng.choice([b"SMITH,JOHN,100.00\n", b"DOE,JANE,25.50\n"]) for _ in range(300_000))
                    + rng.randbytes(3 << 20))
    empty = tmp_path / "Empty.csv"
    empty.write_bytes(b"")
    return {"README.md": b"# A release\n", "Contributions.csv": big, "Empty.csv": empty}


def _write(path, members, deflater=SMALLER):
    with ZipWriter(path, deflater) as zf:
        for name, content in members.items():
            if isinstance(content, bytes):
                zf.add_bytes(name, content)
            else:
                zf.add_file(name, content)


@pytest.mark.parametrize("deflater", [SMALLER, FASTER], ids=["zlib-ng", "isal"])
def test_zipfile_reads_every_member_back_with_its_crc(tmp_path, deflater):
    members = _members(tmp_path)
    _write(tmp_path / "out.zip", members, deflater)
    with zipfile.ZipFile(tmp_path / "out.zip") as zf:
        assert zf.testzip() is None  # every CRC-32 checked
        assert zf.namelist() == list(members)
        for name, content in members.items():
            expected = content if isinstance(content, bytes) else content.read_bytes()
            assert zf.read(name) == expected
            info = zf.getinfo(name)
            assert info.compress_type == zipfile.ZIP_DEFLATED
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            assert info.external_attr >> 16 == 0o100644
    assert (tmp_path / "out.zip").stat().st_size < members["Contributions.csv"].stat().st_size // 2


def test_the_same_members_give_the_same_bytes(tmp_path):
    members = _members(tmp_path)
    _write(tmp_path / "a.zip", members)
    _write(tmp_path / "b.zip", members)
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()


def test_a_failure_inside_leaves_no_directory_written(tmp_path):
    with pytest.raises(RuntimeError):
        with ZipWriter(tmp_path / "out.zip") as zf:
            zf.add_bytes("README.md", b"x")
            raise RuntimeError("the export failed")
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(tmp_path / "out.zip")
