"""The stable links: /downloads/latest/<file> and /redirect/latest/{raw,processed}/<file>/ go to the newest
published release's verified copy; an unknown file is a 404 page listing the files that exist."""

from __future__ import annotations

import datetime as dt

import pytest

from calaccess_archive.models import ArchivedFile
from tests.site.helpers import Page, release_copy

pytestmark = pytest.mark.django_db


def location(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 302, (path, response.status_code)
    return response["Location"]


@pytest.mark.parametrize("path, item, file", [
    ("/downloads/latest/flat.zip", "processed", "flat.zip"),
    ("/downloads/latest/relational.zip", "processed", "relational.zip"),
    ("/downloads/latest/dbwebexport.zip", "raw", "dbwebexport.zip"),
    ("/downloads/latest/clean/RCPT_CD.csv", "raw", "clean/RCPT_CD.csv"),
    ("/redirect/latest/raw/dbwebexport.zip/", "raw", "dbwebexport.zip"),
    ("/redirect/latest/raw/clean.zip/", "raw", "clean.zip"),
    ("/redirect/latest/raw/clean/RCPT_CD.csv/", "raw", "clean/RCPT_CD.csv"),
    ("/redirect/latest/raw/errors/RCPT_CD.errors.csv/", "raw", "errors/RCPT_CD.errors.csv"),
    ("/redirect/latest/processed/flat.zip/", "processed", "flat.zip"),
    ("/redirect/latest/processed/flat/Candidates.csv/", "processed", "flat/Candidates.csv"),
    ("/redirect/latest/processed/relational/Filing.csv/", "processed", "relational/Filing.csv"),
    # The name it had before the coalition's names: the same file of the newest release.
    ("/redirect/latest/processed/relational/opencivicdata_filing.csv/", "processed", "relational/Filing.csv"),
    ("/downloads/latest/relational/opencivicdata_candidacy.csv", "processed", "relational/Candidacy.csv"),
    ("/redirect/latest/processed/changes.json/", "processed", "changes.json"),
])
def test_a_stable_link_goes_to_the_newest_verified_copy(client, releases, path, item, file):
    newest = releases[0]
    target = location(client, path)
    assert target == f"/archive/ccdc-{item}-data-{newest.slug}/{file}"
    assert client.head(target).status_code == 200  # the local archive serves it


def test_a_copy_not_verified_yet_is_passed_over_for_the_previous_one(client, releases):
    newest, older = releases
    ArchivedFile.objects.filter(name=f"ccdc-processed-data-{newest.slug}/flat.zip").update(
        status=ArchivedFile.Status.UPLOADED)
    assert location(client, "/downloads/latest/flat.zip") == f"/archive/ccdc-processed-data-{older.slug}/flat.zip"
    assert location(client, "/downloads/latest/relational.zip") == (
        f"/archive/ccdc-processed-data-{newest.slug}/relational.zip")


def test_a_new_name_finds_a_release_exported_with_the_old_name(client, releases):
    """A release exported before the coalition's names has relational/opencivicdata_filing.csv in its item:
    the link by the new name (Filing.csv) finds it when it is the newest copy."""
    newest, older = releases
    ArchivedFile.objects.filter(name=f"ccdc-processed-data-{newest.slug}/relational/Filing.csv").update(
        status=ArchivedFile.Status.UPLOADED)
    ArchivedFile.objects.filter(name=f"ccdc-processed-data-{older.slug}/relational/Filing.csv").update(
        name=f"ccdc-processed-data-{older.slug}/relational/opencivicdata_filing.csv")
    expected = f"/archive/ccdc-processed-data-{older.slug}/relational/opencivicdata_filing.csv"
    assert location(client, "/redirect/latest/processed/relational/Filing.csv/") == expected
    assert location(client, "/redirect/latest/processed/relational/opencivicdata_filing.csv/") == expected
    # Another table's name is not an alias of this one.
    assert location(client, "/redirect/latest/processed/relational/Candidacy.csv/").endswith(
        f"{newest.slug}/relational/Candidacy.csv")


def test_an_unpublished_release_is_not_the_latest(client, releases):
    release_copy(releases[0], dt.datetime(2026, 11, 29, tzinfo=dt.UTC), published=False)
    assert location(client, "/downloads/latest/flat.zip").endswith(f"{releases[0].slug}/flat.zip")


def test_archive_org_copies_redirect_to_archive_org(client, releases, settings):
    newest = releases[0]
    ArchivedFile.objects.filter(version=newest).update(storage="archive.org")
    settings.IA_SECURE = True
    assert location(client, "/redirect/latest/processed/flat.zip/") == (
        f"https://archive.org/download/ccdc-processed-data-{newest.slug}/flat.zip")


def test_the_raw_and_processed_items_are_kept_apart(client, releases):
    response = client.get("/redirect/latest/raw/flat.zip/")
    assert response.status_code == 404


def test_an_unknown_file_is_a_404_page_listing_the_files_that_exist(client, releases):
    newest = releases[0]
    response = client.get("/downloads/latest/nothing.zip")
    assert response.status_code == 404
    html = Page(response.content.decode())
    assert html.headings[0] == (1, "No file “nothing.zip” in the latest release")
    verified = ArchivedFile.objects.filter(version=newest, status=ArchivedFile.Status.VERIFIED)
    listed = {link for link in html.links if link.startswith("/downloads/latest/")}
    assert listed == {f"/downloads/latest/{record.file_name}" for record in verified}
    for link in list(listed)[:5]:
        assert client.get(link).status_code == 302
    raw = Page(client.get("/redirect/latest/raw/nothing.csv/").content.decode())
    raw_links = {link for link in raw.links if link.startswith("/redirect/")}
    assert "/redirect/latest/raw/clean/RCPT_CD.csv/" in raw_links
    assert all(link.startswith("/redirect/latest/raw/") for link in raw_links)
