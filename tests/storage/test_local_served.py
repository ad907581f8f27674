"""The site serves the local archive storage at the URLs its `url()` gives
(calaccess_archive/views/archive_files.py), with Django's test client."""

import os

import pytest
from django.core.files.base import ContentFile
from django.utils.http import http_date

from calaccess_archive.storage import archive_storage

BODY = b'"A","B"\n"1","2"\n' * 1000


@pytest.fixture
def saved(client):
    storage = archive_storage()
    storage.save("ccdc-x/clean/A B.csv", ContentFile(BODY))
    return storage


def body(response) -> bytes:
    try:
        return b"".join(response.streaming_content)
    finally:
        response.close()


def test_url_of_a_saved_file_is_served_streamed_with_type_and_length(client, saved):
    url = saved.url("ccdc-x/clean/A B.csv")
    assert url == "/archive/ccdc-x/clean/A%20B.csv"
    response = client.get(url)
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Length"] == str(len(BODY))
    assert response["Last-Modified"]
    assert body(response) == BODY


def test_head_gives_the_headers_without_the_body(client, saved):
    response = client.head(saved.url("ccdc-x/clean/A B.csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv" and response["Content-Length"] == str(len(BODY))
    assert body(response) == b""


@pytest.mark.parametrize("file_name, content_type", [
    ("clean.zip", "application/zip"),
    ("errors/T.errors.csv.gz", "application/gzip"),  # a type, not Content-Encoding: saved as is
    ("export.bin", "application/octet-stream"),
    ("ccdc-x_meta.json", "application/json"),
])
def test_content_type_follows_the_file_name(client, file_name, content_type):
    storage = archive_storage()
    storage.save(f"ccdc-x/{file_name}", ContentFile(b"\x00\x01"))
    response = client.get(storage.url(f"ccdc-x/{file_name}"))
    assert response["Content-Type"] == content_type and "Content-Encoding" not in response
    assert body(response) == b"\x00\x01"


@pytest.mark.parametrize("path", [
    "/archive/ccdc-x/clean/missing.csv",
    "/archive/ccdc-nothing/a.csv",
    "/archive/ccdc-x/clean",  # a folder
    "/archive/ccdc-x/clean/",
    "/archive/ccdc-x/",
    "/archive/ccdc-x",  # an item
])
def test_missing_files_folders_and_items_are_404(client, saved, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", [
    "/archive/ccdc-x/../../secret.txt",
    "/archive/ccdc-x/clean/../../../secret.txt",
    "/archive/ccdc-x/..%2F..%2Fsecret.txt",
    "/archive/ccdc-x/%2E%2E/%2E%2E/secret.txt",
    "/archive/ccdc-x/..%5C..%5Csecret.txt",
    "/archive/..%2Fsecret.txt",
    "/archive/%2E%2E/secret.txt",
    "/archive//secret.txt",
    "/archive/ccdc-x/%00secret.txt",
    "/archive/ccdc-x/link.txt",  # a symlink inside the item, pointing outside the storage
])
def test_paths_leaving_the_storage_are_404(client, saved, settings, path):
    secret = settings.CALACCESS_DATA_DIR / "secret.txt"
    secret.write_text("not for the web")
    os.symlink(secret, settings.CALACCESS_DATA_DIR / "archive" / "ccdc-x" / "link.txt")
    response = client.get(path)
    assert response.status_code == 404
    assert b"not for the web" not in response.content


def test_only_get_and_head(client, saved):
    assert client.post(saved.url("ccdc-x/clean/A B.csv")).status_code == 405


def test_if_modified_since_answers_304(client, saved, settings):
    path = settings.CALACCESS_DATA_DIR / "archive" / "ccdc-x" / "clean" / "A B.csv"
    since = http_date(path.stat().st_mtime + 10)
    response = client.get(saved.url("ccdc-x/clean/A B.csv"), headers={"if-modified-since": since})
    assert response.status_code == 304


def test_nothing_served_from_disk_when_archive_org_is_the_storage(client, saved, settings):
    settings.STORAGES = {**settings.STORAGES,
                         "archive": {"BACKEND": "calaccess_archive.storage.archive_org.ArchiveOrgStorage"}}
    assert client.get("/archive/ccdc-x/clean/A%20B.csv").status_code == 404


def test_the_route_follows_the_prefix_and_is_left_out_for_another_host(settings):
    from calaccess_archive.views.archive_files import archive_file_urlpatterns

    settings.CALACCESS_ARCHIVE_LOCAL_URL = "/files/raw/"
    (pattern,) = archive_file_urlpatterns()
    assert pattern.resolve("files/raw/ccdc-x/clean/A B.csv").kwargs == {"name": "ccdc-x/clean/A B.csv"}
    assert pattern.resolve("archive/ccdc-x/a.csv") is None
    settings.CALACCESS_ARCHIVE_LOCAL_URL = "https://files.example.org/archive/"
    assert archive_file_urlpatterns() == []
