"""Publishing a release: records, verification, and every stand-in fault."""

import pytest

from calaccess_archive.models import ArchivedFile
from processors.archive.publish import release_publish
from tests.archive_helpers import release_make

pytestmark = pytest.mark.django_db
Status = ArchivedFile.Status


def rows():
    return list(ArchivedFile.objects.values_list("name", "status", "md5", "sha256", "size"))


def assert_each_stored_once(archive_org, report):
    assert report.complete, [(r.name, r.status, r.last_error) for r in report.files]
    assert {r.name for r in report.files} == set(archive_org.stored)
    assert all(count == 1 for count in archive_org.stored.values())


def test_publish_twice_same_rows_nothing_sent_again(archive_org):
    version = release_make()
    first = release_publish(version=version)
    assert_each_stored_once(archive_org, first)
    assert {r.role for r in first.files} == {"export", "clean", "errors", "clean_zip"}
    before = rows()
    second = release_publish(version=version)
    assert second.complete and second.bytes_sent == 0
    assert rows() == before
    assert all(count == 1 for count in archive_org.stored.values())


def test_publish_to_local_storage_is_verified():
    version = release_make()
    report = release_publish(version=version)
    assert report.complete and {r.storage for r in report.files} == {"local"}


def test_ingest_delay_leaves_uploaded_then_a_rerun_verifies(archive_org):
    archive_org.faults.ingest_delay = 0.6
    version = release_make()
    report = release_publish(version=version, wait=0.05)
    assert {r.status for r in report.files} == {Status.UPLOADED}
    assert all(r.next_check_at for r in report.files)
    report = release_publish(version=version, wait=3)
    assert_each_stored_once(archive_org, report)


def test_verify_polls_until_ingested(archive_org):
    archive_org.faults.ingest_delay = 0.3
    report = release_publish(version=release_make(), wait=5)
    assert_each_stored_once(archive_org, report)
    assert max(r.checks for r in report.files) > 1


@pytest.mark.parametrize("fault", ["slowdown", "server_error", "drop_mid_body", "store_then_timeout", "over_limit"])
def test_transient_faults_end_archived_once_and_verified(settings, archive_org, fault):
    settings.IA_READ_TIMEOUT = 0.3
    archive_org.faults.stall = 0.8
    archive_org.faults.ingest_delay = 0.1
    setattr(archive_org.faults, fault, 3)
    report = release_publish(version=release_make(), wait=3)
    assert_each_stored_once(archive_org, report)


MANY_TABLES = tuple(f"TABLE_{n:02d}_CD" for n in range(20))  # 42 files: export, 20 clean, 20 errors, clean.zip


def assert_stopped_at_the_first_put(archive_org, report, *, reason: str):
    """One PUT in all; that file failed with the reason, every other file pending, never tried nor checked."""
    assert len(archive_org.put_headers) == 1 and not archive_org.stored
    first, *rest = report.files
    assert first.status == Status.FAILED and first.attempts == 1
    assert first.last_error.startswith("account refused: ") and reason in first.last_error
    assert reason in report.refused and not report.complete
    assert rest and {r.status for r in rest} == {Status.PENDING}
    assert all(r.attempts == 0 and r.checks == 0 and r.upload_started_at is None for r in rest)
    assert {r.last_error for r in rest} == {f"not sent: account refused: {report.refused}"}
    stored = {r.name: (r.status, r.attempts, r.last_error) for r in ArchivedFile.objects.all()}
    assert stored == {r.name: (r.status, r.attempts, r.last_error) for r in report.files}


def test_spam_flag_stops_the_run_at_the_first_put_and_a_rerun_finishes(archive_org):
    archive_org.faults.spam = True
    version = release_make(tables=MANY_TABLES, size=200)
    report = release_publish(version=version)
    assert len(report.files) == 42
    assert_stopped_at_the_first_put(archive_org, report, reason="spam")
    archive_org.faults.spam = False
    report = release_publish(version=version)
    assert_each_stored_once(archive_org, report)
    assert report.refused == "" and len(archive_org.put_headers) == 1 + 42


@pytest.mark.parametrize("key, value, code", [("IA_SECRET_KEY", "wrong", "SignatureDoesNotMatch"),
                                              ("IA_ACCESS_KEY", "someone-else", "InvalidAccessKeyId")])
def test_refused_keys_stop_the_run_at_the_first_put(settings, archive_org, key, value, code):
    right = getattr(settings, key)
    setattr(settings, key, value)
    version = release_make(tables=MANY_TABLES, size=200)
    report = release_publish(version=version)
    assert_stopped_at_the_first_put(archive_org, report, reason=code)
    setattr(settings, key, right)
    assert_each_stored_once(archive_org, release_publish(version=version))


def test_over_limit_that_does_not_clear_stops_the_run(archive_org):
    archive_org.faults.over_limit = 1000
    version = release_make(tables=MANY_TABLES, size=200)
    report = release_publish(version=version)
    assert_stopped_at_the_first_put(archive_org, report, reason="over its limit")
    checks = [p for m, h, p in archive_org.requests if h == "s3.us.archive.org" and m == "GET"]
    assert len(checks) == 4  # IA_RETRIES=5: four waits, each asking check_limit first
    archive_org.faults.over_limit = 0
    assert_each_stored_once(archive_org, release_publish(version=version))


def test_refusal_mid_run_verifies_what_was_sent_and_holds_the_rest(archive_org):
    version = release_make(tables=MANY_TABLES, size=200)
    sent = []

    def spam_after_three(record):
        sent.append(record.name)
        archive_org.faults.spam = len(sent) >= 3

    report = release_publish(version=version, on_file=spam_after_three)
    statuses = [r.status for r in report.files]
    assert statuses[:3] == [Status.VERIFIED] * 3 and statuses[3] == Status.FAILED
    assert set(statuses[4:]) == {Status.PENDING}
    assert len(archive_org.put_headers) == 4 and "spam" in report.refused
    archive_org.faults.spam = False
    assert_each_stored_once(archive_org, release_publish(version=version))


def test_a_per_file_fan_out_reads_the_refusal_and_holds_its_file(archive_org):
    """What one upload task per file does: archived_file_upload raises the refusal after
    recording it; every other task finds it with archive_refusal_of and holds its file."""
    from django.utils import timezone

    from calaccess_archive.storage import archive_storage
    from archive_storage.ia_client import ArchiveAccountRefused, ArchiveSpamFlagged
    from processors.archive.items import release_units
    from archive_storage.upload import (
        archive_refusal_of, archived_file_hold, archived_file_record, archived_file_upload,
    )

    storage = archive_storage()
    version = release_make()
    records = [archived_file_record(storage=storage, unit=u, owner=version) for u in release_units(version=version)]
    run_started = timezone.now()
    assert archive_refusal_of(storage, since=run_started) is None
    archive_org.faults.spam = True
    with pytest.raises(ArchiveSpamFlagged) as refused:
        archived_file_upload(storage=storage, record=records[0])
    assert isinstance(refused.value, ArchiveAccountRefused)
    assert records[0].status == Status.FAILED and records[0].last_error == f"account refused: {refused.value}"
    reason = archive_refusal_of(storage.label, since=run_started)
    assert reason == str(refused.value) and "spam" in reason
    for record in records[1:]:
        archived_file_hold(record=record, reason=f"account refused: {reason}")
    assert len(archive_org.put_headers) == 1
    assert {r.status for r in ArchivedFile.objects.exclude(pk=records[0].pk)} == {Status.PENDING}
    assert archive_refusal_of("local", since=run_started) is None  # another storage
    # A later run (started after the refusal) is not blocked by it, and finishes the release.
    archive_org.faults.spam = False
    assert archive_refusal_of(storage, since=timezone.now()) is None
    assert_each_stored_once(archive_org, release_publish(version=version))
    assert archive_refusal_of(storage, since=run_started) is None  # the refused file is verified now


def test_every_file_failing_is_per_file_each_tried_once(archive_org):
    archive_org.faults.corrupt_body = 1000  # every PUT: 400 BadDigest, a failure of that file only
    report = release_publish(version=release_make())
    assert {r.status for r in report.files} == {Status.FAILED} and report.refused == ""
    assert all("Content-MD5" in r.last_error and r.attempts == 1 for r in report.files)
    assert len(archive_org.put_headers) == len(report.files)


def test_md5_corruption_is_recorded_and_sent_again_on_rerun(archive_org):
    archive_org.faults.corrupt_md5 = 1
    version = release_make()
    report = release_publish(version=version)
    failed = [r for r in report.files if r.status == Status.FAILED]
    assert len(failed) == 1 and "expected md5" in failed[0].last_error
    report = release_publish(version=version)
    assert report.complete
    assert archive_org.stored[failed[0].name] == 2  # the corrupt copy replaced once


def test_bad_digest_recorded_as_failure(archive_org):
    archive_org.faults.corrupt_body = 1
    report = release_publish(version=release_make())
    failed = [r for r in report.files if r.status == Status.FAILED]
    assert len(failed) == 1 and "Content-MD5" in failed[0].last_error
    assert failed[0].name not in archive_org.stored


def test_verify_only_checks_without_sending(archive_org):
    version = release_make()
    release_publish(version=version)
    puts = len(archive_org.put_headers)
    del archive_org.items["ccdc-raw-data-2024-05-06_07-08-09"].files["clean.zip"]
    report = release_publish(version=version, verify_only=True)
    assert len(archive_org.put_headers) == puts
    missing = [r for r in report.files if r.status != Status.VERIFIED]
    assert [r.file_name for r in missing] == ["clean.zip"] and missing[0].status == Status.PENDING
    assert release_publish(version=version).complete


def test_existing_item_metadata_is_updated(settings, archive_org):
    version = release_make()
    release_publish(version=version)
    version.source = "https://example.invalid/moved.zip"
    version.save()
    release_publish(version=version)
    identifier = "ccdc-raw-data-2024-05-06_07-08-09"
    assert archive_org.items[identifier].metadata["source"] == "https://example.invalid/moved.zip"
    assert archive_org.metadata_writes and archive_org.metadata_writes[-1][0] == identifier
