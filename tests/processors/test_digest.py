import hashlib

from processors.digest import Digest, digest_file, digest_stream, sha256_so_far
from processors.errors import one_line


def test_digest_file_is_hashlib_md5_sha256_and_size(tmp_path):
    path = tmp_path / "f.bin"
    data = bytes(range(256)) * 9000  # more than one read
    path.write_bytes(data)
    digest = digest_file(path)
    assert (digest.md5, digest.sha256, digest.size) == (
        hashlib.md5(data).hexdigest(), hashlib.sha256(data).hexdigest(), len(data))
    assert digest_file(path, md5=False).md5 == ""
    with path.open("rb") as stream:
        assert digest_stream(stream, sha256=False) == Digest(hashlib.md5(data).hexdigest(), "", len(data))


def test_sha256_so_far_goes_on_from_a_partial_file(tmp_path):
    path = tmp_path / "part"
    assert sha256_so_far(path).hexdigest() == hashlib.sha256().hexdigest()  # nothing yet
    path.write_bytes(b"first half,")
    hasher = sha256_so_far(path)
    hasher.update(b" second half")
    assert hasher.hexdigest() == hashlib.sha256(b"first half, second half").hexdigest()


def test_one_line():
    assert one_line(ValueError("a\n   b\tc")) == "a b c"
    assert one_line(TimeoutError()) == "TimeoutError"
    assert one_line("") == ""
    assert one_line("x" * 400) == "x" * 297 + "..."
