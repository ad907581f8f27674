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


def test_spam_flag_recorded_as_failure_and_a_rerun_finishes(archive_org):
    archive_org.faults.spam = True
    version = release_make()
    report = release_publish(version=version)
    assert {r.status for r in report.files} == {Status.FAILED}
    assert all("spam" in r.last_error and r.attempts == 1 for r in report.files)
    archive_org.faults.spam = False
    report = release_publish(version=version)
    assert_each_stored_once(archive_org, report)


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
