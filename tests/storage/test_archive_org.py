"""The archive.org storage, through the real internetarchive client, against the stand-in."""

import hashlib
import socket

import pytest
from django.core.files.base import ContentFile

from calaccess_archive.storage import ArchiveOrgStorage, archive_storage
from archive_storage.ia_client import (
    ArchiveAccountRefused, ArchiveKeysRefused, ArchiveNotConfigured, ArchiveOverLimit, ArchivePermanentError,
    ArchiveSpamFlagged, ArchiveTransientError,
)
from tests.network_guard import NonLoopbackConnection

NAME = "ccdc-test-item/clean/A.csv"
BODY = b'"A","B"\n' * 5000


def save(storage=None, body=BODY):
    return (storage or archive_storage()).save(NAME, ContentFile(body))


def test_storage_contract(archive_org):
    storage = archive_storage()
    assert isinstance(storage, ArchiveOrgStorage)
    assert save(storage) == NAME
    assert storage.exists(NAME) and not storage.exists("ccdc-test-item/other.csv")
    assert storage.size(NAME) == len(BODY)
    assert storage.listdir("ccdc-test-item") == (["clean"], [])
    assert storage.listdir("ccdc-test-item/clean") == ([], ["A.csv"])
    assert storage.url(NAME) == "http://archive.org/download/ccdc-test-item/clean/A.csv"
    with storage.open(NAME) as f:
        assert f.read(10) == BODY[:10]
    storage.delete(NAME)
    assert not storage.exists(NAME)
    with pytest.raises(FileNotFoundError):
        storage.open(NAME)


def test_put_sends_what_archive_org_needs(archive_org):
    save()
    headers = archive_org.put_headers[0]
    assert headers["authorization"] == "LOW test-access:test-secret"
    assert headers["content-md5"] == hashlib.md5(BODY).hexdigest()
    assert headers["x-archive-size-hint"] == str(len(BODY))
    assert headers["x-archive-queue-derive"] == "0"
    assert headers["x-archive-auto-make-bucket"] == "1"
    assert headers["x-archive-meta00-collection"] == "california-civic-data-coalition"
    assert all(host in ("s3.us.archive.org", "archive.org") for _, host, _ in archive_org.requests)


def test_credentials_are_read_when_used(settings, archive_org):
    settings.IA_ACCESS_KEY = ""
    storage = ArchiveOrgStorage()  # constructing needs nothing
    with pytest.raises(ArchiveNotConfigured, match="IA_ACCESS_KEY"):
        save(storage)
    settings.IA_ACCESS_KEY = archive_org.access
    assert save(storage) == NAME


def test_network_guard_holds_after_the_library_patched_socket(archive_org):
    save()  # an ArchiveSession exists: it has wrapped socket.connect
    with pytest.raises(NonLoopbackConnection):
        socket.create_connection(("192.0.2.1", 80), timeout=1)


def test_slowdown_and_5xx_are_retried_and_stored_once(archive_org):
    archive_org.faults.slowdown = 2
    archive_org.faults.server_error = 1
    assert save() == NAME
    assert archive_org.stored[NAME] == 1 and archive_org.put_count(NAME) == 4


def test_over_limit_waits_before_sending_again(archive_org):
    archive_org.faults.over_limit = 2  # PUTs answer 503 while check_limit says over
    assert save() == NAME
    checks = [1 for m, h, p in archive_org.requests if h == "s3.us.archive.org" and m == "GET"]
    assert len(checks) == 3  # over, over, fine
    assert archive_org.put_count(NAME) == 2  # no PUT while over the limit


def test_spam_flag_stops_at_once(archive_org):
    archive_org.faults.spam = True
    with pytest.raises(ArchiveSpamFlagged, match="spam"):
        save()
    assert archive_org.put_count(NAME) == 1


def test_4xx_stops_at_once_with_the_server_message(settings, archive_org):
    settings.IA_SECRET_KEY = "wrong"
    with pytest.raises(ArchivePermanentError, match="403"):
        save()
    assert archive_org.put_count(NAME) == 1


def test_spam_flag_refuses_the_account(archive_org):
    archive_org.faults.spam = True
    with pytest.raises(ArchiveAccountRefused, match="spam") as refused:
        save()
    assert isinstance(refused.value, ArchiveSpamFlagged) and refused.value.attempts == 1


@pytest.mark.parametrize("key, value, code", [("IA_SECRET_KEY", "wrong", "SignatureDoesNotMatch"),
                                              ("IA_ACCESS_KEY", "someone-else", "InvalidAccessKeyId")])
def test_refused_keys_refuse_the_account(settings, archive_org, key, value, code):
    setattr(settings, key, value)
    with pytest.raises(ArchiveKeysRefused, match=f"403 {code}: .*IA_ACCESS_KEY and IA_SECRET_KEY") as refused:
        save()
    assert isinstance(refused.value, ArchiveAccountRefused) and refused.value.attempts == 1
    assert archive_org.put_count(NAME) == 1


def test_a_foreign_item_refuses_the_file_not_the_account(archive_org):
    archive_org.faults.foreign_items = {"ccdc-test-item"}
    with pytest.raises(ArchivePermanentError, match="403 Access Denied - You lack sufficient privileges") as refused:
        save()
    assert not isinstance(refused.value, ArchiveAccountRefused)
    assert archive_org.put_count(NAME) == 1


def test_over_limit_that_does_not_clear_refuses_the_account(archive_org):
    archive_org.faults.over_limit = 1000
    with pytest.raises(ArchiveOverLimit, match="stayed over its limit .*4 of 4 check_limit") as refused:
        save()
    assert isinstance(refused.value, ArchiveAccountRefused) and refused.value.attempts == 1
    assert archive_org.put_count(NAME) == 1  # no PUT while over the limit


def test_bad_digest_is_a_clear_failure(archive_org):
    archive_org.faults.corrupt_body = 1
    with pytest.raises(ArchivePermanentError, match="Content-MD5"):
        save()
    assert NAME not in archive_org.stored


def test_timeout_after_storing_is_not_uploaded_twice(settings, archive_org):
    settings.IA_READ_TIMEOUT = 0.3
    archive_org.faults.store_then_timeout = 1
    archive_org.faults.stall = 1.0
    assert save() == NAME
    assert archive_org.stored[NAME] == 1 and archive_org.put_count(NAME) == 1


def test_timeout_while_ingesting_is_not_uploaded_twice(settings, archive_org):
    settings.IA_READ_TIMEOUT = 0.3
    archive_org.faults.store_then_timeout = 1
    archive_org.faults.stall = 1.0
    archive_org.faults.ingest_delay = 0.5
    assert save() == NAME
    assert archive_org.put_count(NAME) == 1


def test_cut_connection_is_sent_again_once(archive_org):
    archive_org.faults.drop_mid_body = 1
    assert save(body=BODY * 20) == NAME
    assert archive_org.stored[NAME] == 1 and archive_org.put_count(NAME) == 2


def test_endless_slowdown_gives_up_with_a_clear_error(archive_org):
    archive_org.faults.slowdown = 100
    with pytest.raises(ArchiveTransientError, match="gave up after 5 attempts"):
        save()


def test_existing_item_metadata_changed_with_modify_metadata(archive_org):
    storage = archive_storage()
    storage.item_ensure("ccdc-test-item", {"title": "First", "subject": ["a", "b"]})
    save(storage)
    assert archive_org.items["ccdc-test-item"].metadata["title"] == "First"
    assert archive_org.items["ccdc-test-item"].metadata["subject"] == ["a", "b"]
    assert storage.item_ensure("ccdc-test-item", {"title": "Second", "subject": ["a", "b"]}) is True
    assert archive_org.items["ccdc-test-item"].metadata["title"] == "Second"
    assert storage.item_ensure("ccdc-test-item", {"title": "Second", "subject": ["a", "b"]}) is False
    archive_org.faults.metadata_write_fails = True
    with pytest.raises(ArchivePermanentError, match="not changed"):
        storage.item_ensure("ccdc-test-item", {"title": "Third"})
