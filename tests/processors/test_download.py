import datetime as dt
import hashlib
import io
import os
import random
import zipfile

import pytest

from processors.ingest.download import CHUNK_SIZE, DownloadResult, export_download, zip_verify
from processors.errors import BadExport, ExportUnavailable, ReleaseChanged, TransientFetchError
from processors.ingest.release_check import release_head
from tests.standins.cdn import PERSISTENT

RELEASED = dt.datetime(2024, 5, 1, 11, 42, 7, tzinfo=dt.UTC)
# Small enough to be quick, large enough to span a few 1 MiB chunks so a cut
# leaves something in the part to resume from.
EXPORT_SIZE = 3 * CHUNK_SIZE + 12_345


def export_zip(seed: int, size: int = EXPORT_SIZE) -> bytes:
    """A stored (uncompressed) zip of about `size` bytes with incompressible members."""
    rng = random.Random(seed)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("CalAccess/DATA/FILERNAME_CD.TSV", rng.randbytes(size // 2))
        archive.writestr("CalAccess/DATA/RCPT_CD.TSV", rng.randbytes(size - size // 2 - 300))
    return buffer.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def export(cdn) -> bytes:
    data = export_zip(seed=1)
    cdn.publish(data, last_modified=RELEASED)
    return data


def download(cdn, dest, *, release=None, timeout=2.0, retries=3, **kwargs) -> DownloadResult:
    return export_download(
        source=cdn.url,
        dest=dest,
        release=release or release_head(source=cdn.url, timeout=timeout),
        timeout=timeout,
        retries=retries,
        backoff=0.01,
        **kwargs,
    )


def part_of(dest):
    return dest.with_name(dest.name + ".part")


def test_plain_download(cdn, export, tmp_path):
    dest = tmp_path / "2024-05-01" / "dbwebexport.zip"
    progress = []

    result = download(cdn, dest, on_progress=lambda done, total: progress.append((done, total)))

    assert result == DownloadResult(size=len(export), sha256=sha256(export))
    assert dest.read_bytes() == export
    assert not part_of(dest).exists()
    assert progress[-1] == (len(export), len(export))
    assert [(r.method, r.range, r.status) for r in cdn.requests] == [("HEAD", None, 200), ("GET", None, 200)]
    assert zip_verify(dest) == ["CalAccess/DATA/FILERNAME_CD.TSV", "CalAccess/DATA/RCPT_CD.TSV"]


def test_cut_download_resumes_with_a_range(cdn, export, tmp_path):
    dest = tmp_path / "dbwebexport.zip"
    cdn.cut_after(CHUNK_SIZE + 500_000)

    result = download(cdn, dest)

    assert dest.read_bytes() == export
    assert result.sha256 == sha256(export)
    first, resumed = cdn.requests_of("GET")
    assert (first.range, first.status) == (None, 200)
    # Bytes of an incomplete last chunk are dropped, so it resumes at a chunk boundary.
    assert resumed.range == f"bytes={CHUNK_SIZE}-"
    assert resumed.status == 206
    assert resumed.if_range == cdn.current.etag


def test_a_cdn_that_keeps_cutting_still_delivers_while_it_makes_progress(cdn, export, tmp_path):
    dest = tmp_path / "dbwebexport.zip"
    cdn.cut_after(CHUNK_SIZE + 1000, times=PERSISTENT)

    # Each cut adds a chunk, so even one retry in a row is enough.
    result = download(cdn, dest, retries=1)

    assert result.sha256 == sha256(export)
    assert [r.range for r in cdn.requests_of("GET")] == [None] + [f"bytes={n * CHUNK_SIZE}-" for n in (1, 2, 3)]


def test_5xx_then_success(cdn, export, tmp_path):
    dest = tmp_path / "dbwebexport.zip"
    release = release_head(source=cdn.url, timeout=2)
    cdn.fail(500, times=1)
    cdn.fail(503, times=2)  # faults of one kind apply oldest first: 500, then 503, 503

    result = download(cdn, dest, release=release, retries=3)

    assert result.sha256 == sha256(export)
    assert [r.status for r in cdn.requests_of("GET")] == [500, 503, 503, 200]


def test_persistent_5xx_gives_up_after_the_retries(cdn, export, tmp_path):
    dest = tmp_path / "dbwebexport.zip"
    release = release_head(source=cdn.url, timeout=2)
    cdn.fail(503, times=PERSISTENT)

    with pytest.raises(TransientFetchError, match=r"gave up after 3 failed attempts in a row: HTTP 503") as caught:
        download(cdn, dest, release=release, retries=2)

    assert cdn.url in str(caught.value)
    assert len(cdn.requests_of("GET")) == 3
    assert not dest.exists()


def test_transient_failure_keeps_the_part_for_the_next_run(cdn, export, tmp_path):
    dest = tmp_path / "dbwebexport.zip"
    release = release_head(source=cdn.url, timeout=2)
    cdn.cut_after(CHUNK_SIZE + 10)

    def cdn_goes_down(done, total):
        cdn.fail(503, times=PERSISTENT)

    with pytest.raises(TransientFetchError):
        download(cdn, dest, release=release, retries=1, on_progress=cdn_goes_down)
    assert part_of(dest).stat().st_size == CHUNK_SIZE
    assert not dest.exists()
    assert [r.status for r in cdn.requests_of("GET")] == [200, 503, 503]

    cdn.clear_faults()  # the CDN is back for the next run
    result = download(cdn, dest, release=release)

    assert result.sha256 == sha256(export)
    assert cdn.requests_of("GET")[-1].range == f"bytes={CHUNK_SIZE}-"


@pytest.mark.parametrize("claim_current_last_modified", [False, True])
def test_old_file_under_a_new_head_is_refused(cdn, tmp_path, claim_current_last_modified):
    cdn.publish(export_zip(seed=1, size=EXPORT_SIZE - 5000), last_modified=RELEASED)
    # One minute later: within the Last-Modified tolerance, so when the stale GET
    # claims the new date only the size can give the old file away.
    cdn.publish(export_zip(seed=2), last_modified=RELEASED + dt.timedelta(minutes=1))
    cdn.serve_previous(claim_current_last_modified=claim_current_last_modified)
    dest = tmp_path / "dbwebexport.zip"

    with pytest.raises(ReleaseChanged, match="HEAD announced"):
        download(cdn, dest)

    assert not dest.exists()
    assert not part_of(dest).exists()


def test_old_file_without_content_length_is_caught_by_its_final_size(cdn, tmp_path):
    cdn.publish(export_zip(seed=1, size=EXPORT_SIZE - 5000), last_modified=RELEASED)
    cdn.publish(export_zip(seed=2), last_modified=RELEASED)
    cdn.serve_previous(claim_current_last_modified=True)
    cdn.omit_content_length(times=PERSISTENT)
    dest = tmp_path / "dbwebexport.zip"

    with pytest.raises(ReleaseChanged, match="HEAD announced"):
        download(cdn, dest)

    # The short body might have been a cut; the answer to the resumed range told.
    assert [r.status for r in cdn.requests_of("GET")] == [200, 416]
    assert not dest.exists()
    assert not part_of(dest).exists()


def test_last_modified_changed_between_head_and_get(cdn, export, tmp_path):
    dest = tmp_path / "dbwebexport.zip"
    cdn.shift_last_modified(dt.timedelta(hours=1))

    with pytest.raises(ReleaseChanged, match=r"differs from the HEAD's .* by 3600s \(tolerance 300s\)"):
        download(cdn, dest)

    assert not dest.exists()
    assert not part_of(dest).exists()


def test_last_modified_drift_within_the_tolerance_is_accepted(cdn, export, tmp_path):
    cdn.shift_last_modified(dt.timedelta(seconds=-90))

    result = download(cdn, tmp_path / "dbwebexport.zip", last_modified_tolerance=120)

    assert result.sha256 == sha256(export)


def test_new_release_published_between_head_and_get(cdn, export, tmp_path):
    dest = tmp_path / "dbwebexport.zip"
    release = release_head(source=cdn.url, timeout=2)
    cdn.publish(export_zip(seed=2), last_modified=RELEASED + dt.timedelta(days=1))

    with pytest.raises(ReleaseChanged):
        download(cdn, dest, release=release)
    assert not dest.exists()


def test_release_changed_while_resuming_discards_the_part(cdn, export, tmp_path):
    dest = tmp_path / "dbwebexport.zip"
    release = release_head(source=cdn.url, timeout=2)
    cdn.cut_after(CHUNK_SIZE + 10)
    republished = []

    def publish_next_day(done, total):
        if not republished:
            republished.append(cdn.publish(export_zip(seed=2), last_modified=RELEASED + dt.timedelta(days=1)))

    with pytest.raises(ReleaseChanged):
        download(cdn, dest, release=release, on_progress=publish_next_day)
    assert not part_of(dest).exists()


@pytest.mark.parametrize("honor_if_range", [True, False])
def test_changed_file_on_a_resumed_range_starts_over(cdn, export, tmp_path, honor_if_range):
    """Same Last-Modified and size, other bytes: splicing the two would make a corrupt zip."""
    cdn.honor_if_range = honor_if_range
    dest = tmp_path / "dbwebexport.zip"
    cdn.cut_after(CHUNK_SIZE + 10)
    replacement = export_zip(seed=3)
    assert len(replacement) == len(export)

    def replace_once(done, total):
        if cdn.current.content != replacement:
            cdn.publish(replacement, last_modified=RELEASED)

    result = download(cdn, dest, on_progress=replace_once)

    assert result.sha256 == sha256(replacement)
    assert dest.read_bytes() == replacement
    gets = [(r.range, r.status) for r in cdn.requests_of("GET")]
    if honor_if_range:  # the CDN sends the whole new file in answer to the range
        assert gets == [(None, 200), (f"bytes={CHUNK_SIZE}-", 200)]
    else:  # the ETag of the 206 gives the change away
        assert gets == [(None, 200), (f"bytes={CHUNK_SIZE}-", 206), (None, 200)]


def test_server_ignoring_the_range_starts_over(cdn, export, tmp_path):
    dest = tmp_path / "dbwebexport.zip"
    part_of(dest).write_bytes(export[:CHUNK_SIZE])
    cdn.ignore_range()

    result = download(cdn, dest)

    assert result.sha256 == sha256(export)
    assert [(r.range, r.status) for r in cdn.requests_of("GET")] == [(f"bytes={CHUNK_SIZE}-", 200)]


@pytest.mark.parametrize("before", ["headers", "body"])
def test_slow_response_times_out_and_is_retried(cdn, export, tmp_path, before):
    dest = tmp_path / "dbwebexport.zip"
    release = release_head(source=cdn.url, timeout=2)
    cdn.delay(1.0, before=before)

    result = download(cdn, dest, release=release, timeout=0.3)

    assert result.sha256 == sha256(export)
    assert len(cdn.requests_of("GET")) == 2


def test_throttled_response_that_keeps_flowing_is_not_a_timeout(cdn, tmp_path):
    small = export_zip(seed=4, size=60_000)
    cdn.publish(small, last_modified=RELEASED)
    cdn.throttle(200_000)  # about 0.3 s in all, a write every 50 ms

    result = download(cdn, tmp_path / "dbwebexport.zip", timeout=0.25)

    assert result.sha256 == sha256(small)
    assert len(cdn.requests_of("GET")) == 1


def test_leftover_part_from_a_crash_is_resumed(cdn, export, tmp_path):
    dest = tmp_path / "dbwebexport.zip"
    part_of(dest).write_bytes(export[:123_456])

    result = download(cdn, dest)

    assert result == DownloadResult(size=len(export), sha256=sha256(export))
    assert dest.read_bytes() == export
    assert [r.range for r in cdn.requests_of("GET")] == ["bytes=123456-"]


def test_complete_dest_from_a_crash_after_the_rename_is_reused(cdn, export, tmp_path):
    dest = tmp_path / "dbwebexport.zip"
    dest.write_bytes(export)

    result = download(cdn, dest)

    assert result.sha256 == sha256(export)
    assert cdn.requests_of("GET") == []


def test_missing_export_on_get(cdn, export, tmp_path):
    release = release_head(source=cdn.url, timeout=2)
    cdn.fail(404, methods=("GET",))

    with pytest.raises(ExportUnavailable, match="HTTP 404"):
        download(cdn, tmp_path / "dbwebexport.zip", release=release)


@pytest.mark.parametrize("as_uri", [False, True])
def test_local_copy(tmp_path, as_uri):
    source = tmp_path / "state" / "dbwebexport.zip"
    source.parent.mkdir()
    data = export_zip(seed=5)
    source.write_bytes(data)
    dest = tmp_path / "archive" / "dbwebexport.zip"
    part_of(dest).parent.mkdir()
    part_of(dest).write_bytes(data[:1000])  # a crash's leftover, resumed like a range
    location = source.as_uri() if as_uri else str(source)
    release = release_head(source=location, timeout=1)

    result = export_download(source=location, dest=dest, release=release, timeout=1, retries=0, backoff=0)

    assert result == DownloadResult(size=len(data), sha256=sha256(data))
    assert dest.read_bytes() == data
    assert not part_of(dest).exists()


def test_local_file_replaced_after_the_check_is_refused(tmp_path):
    source = tmp_path / "dbwebexport.zip"
    source.write_bytes(export_zip(seed=5))
    release = release_head(source=str(source), timeout=1)
    source.write_bytes(export_zip(seed=6, size=EXPORT_SIZE // 2))
    os.utime(source, (release.last_modified.timestamp(),) * 2)  # same date: only the size differs
    dest = tmp_path / "out" / "dbwebexport.zip"

    with pytest.raises(ReleaseChanged, match="bytes"):
        export_download(source=str(source), dest=dest, release=release, timeout=1, retries=0, backoff=0)
    assert not dest.exists()
    assert not part_of(dest).exists()


def test_local_file_gone(tmp_path):
    source = tmp_path / "dbwebexport.zip"
    source.write_bytes(b"zip")
    release = release_head(source=str(source), timeout=1)
    source.unlink()

    with pytest.raises(ExportUnavailable, match="no such file"):
        export_download(source=str(source), dest=tmp_path / "d.zip", release=release, timeout=1, retries=0, backoff=0)


# --- zip_verify ------------------------------------------------------------------


def test_zip_verify_not_a_zip(tmp_path):
    path = tmp_path / "dbwebexport.zip"
    path.write_bytes(b"<html>Service Unavailable</html>")
    with pytest.raises(BadExport, match="not a zip file$"):
        zip_verify(path)


def test_zip_verify_empty_zip(tmp_path):
    path = tmp_path / "dbwebexport.zip"
    with zipfile.ZipFile(path, "w"):
        pass
    with pytest.raises(BadExport, match="empty zip$"):
        zip_verify(path)


def test_zip_verify_crc_mismatch(tmp_path):
    data = bytearray(export_zip(seed=7, size=50_000))
    data[1000] ^= 0xFF  # inside the first (stored) member's bytes
    path = tmp_path / "dbwebexport.zip"
    path.write_bytes(data)
    with pytest.raises(BadExport, match="member CalAccess/DATA/FILERNAME_CD.TSV: CRC mismatch$"):
        zip_verify(path)


def test_zip_verify_corrupt_compressed_member(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("CalAccess/DATA/RCPT_CD.TSV", "FILING_ID\tAMEND_ID\r\n" + "1\t0\r\n" * 20_000)
    data = bytearray(buffer.getvalue())
    data[200] ^= 0xFF
    path = tmp_path / "dbwebexport.zip"
    path.write_bytes(data)
    with pytest.raises(BadExport, match="member CalAccess/DATA/RCPT_CD.TSV: "):
        zip_verify(path)


def test_zip_verify_truncated(tmp_path):
    data = export_zip(seed=8, size=50_000)
    path = tmp_path / "dbwebexport.zip"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(BadExport, match="truncated"):
        zip_verify(path)
