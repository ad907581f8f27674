"""Every page type through the test client: its answer, what it must show, and accessible markup."""

from __future__ import annotations

import datetime as dt

import pytest

from calaccess_archive.models import ArchivedFile, RawDataVersion
from calaccess_archive.raw_schemas import raw_table_schemas
from calaccess_archive.site.pages import site_paths
from tests.site.helpers import Page, release_copy

pytestmark = pytest.mark.django_db

RELEASE1 = "/downloads/2026/10/30/114005/"
RELEASE2 = "/downloads/2026/11/20/115230/"


def page(client, path: str, status: int = 200) -> Page:
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    assert response["Content-Type"].startswith("text/html")
    return Page(response.content.decode())


def test_every_public_page_is_accessible_markup(client, releases):
    """One h1, headings never skipping a level, the landmarks, a skip link, captioned tables with scoped headers,
    labelled fields and a viewport: on every HTML page of the site."""
    pages = [p.path for p in site_paths() if p.in_sitemap]
    assert len(pages) > 160 + 2
    for path in pages:
        html = page(client, path)
        levels = [level for level, _ in html.headings]
        assert levels.count(1) == 1 and levels[0] == 1, (path, html.headings)
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), (path, html.headings)
        assert {"header", "nav", "main", "footer"} <= set(html.tags), path
        assert "#main" in html.links and any(m.get("id") == "main" for m in html.of("main")), path
        assert html.tables == html.captions, path
        assert all(th.get("scope") in ("col", "row") for th in html.of("th")), path
        labelled = {label.get("for") for label in html.of("label")}
        assert all(field.get("id") in labelled for field in html.of("input")), path
        assert any(m.get("name") == "viewport" for m in html.of("meta")), path
        assert html.of("html")[0].get("lang") == "en"


def test_downloads_shows_the_latest_release_first_then_earlier_ones_by_year_and_month(client, releases):
    newest, older = releases
    html = page(client, "/downloads/")
    text = html.all_text()
    assert text.index("Latest release: November 20, 2026") < text.index("Earlier releases")
    assert "2026-11-20 11:52:30 UTC" in text and "3:52 a.m. PST in California" in text
    for name in ("flat.zip", "relational.zip", "dbwebexport.zip", "clean.zip", "RCPT_CD"):
        assert name in text
    curls = [i["value"] for i in html.of("input")]
    assert "curl -L -O http://testserver/downloads/latest/flat.zip" in curls
    assert "curl -L -O http://testserver/downloads/latest/relational.zip" in curls
    assert RELEASE1 in html.links and "/downloads/2026/" in html.links and "/downloads/2026/10/" in html.links
    flat = ArchivedFile.objects.get(name=f"ccdc-processed-data-{newest.slug}/flat.zip")
    assert f"/archive/{flat.name}" in html.links
    assert "KB" in text  # sizes in human units


def test_year_and_month_archives(client, releases):
    copy = release_copy(releases[1], dt.datetime(2025, 3, 4, 5, 6, 7, tzinfo=dt.UTC))
    year = page(client, "/downloads/2026/")
    assert RELEASE1 in year.links and RELEASE2 in year.links and "/downloads/2025/03/04/050607/" not in year.links
    assert [h for _, h in year.headings][:3] == ["Releases of 2026", "2026", "November 2026"]
    month = page(client, "/downloads/2026/10/")
    assert RELEASE1 in month.links and RELEASE2 not in month.links
    assert "/downloads/2025/03/04/050607/" in page(client, "/downloads/").links
    assert copy.published_at is not None
    page(client, "/downloads/2024/", status=404)
    page(client, "/downloads/2026/01/", status=404)


def test_a_release_page_has_its_files_errata_changes_timings_and_verification(client, releases):
    newest, older = releases
    html = page(client, RELEASE2)
    text = html.all_text()
    headings = [h for level, h in html.headings if level == 2]
    assert headings == ["Getting started: the flat files", "Advanced: the relational files", "Raw files",
                        "Errata: every record accounted for", "What changed", "Step timings", "Archive verification"]
    # every cleaned table with its archive link and checksum
    tables = newest.files.all()
    assert tables.count() == 80
    for table in tables:
        assert f"/archive/ccdc-raw-data-{newest.slug}/clean/{table.table}.csv" in html.links
        assert table.clean_sha256 in text
    # a quarantined count links to its errors file
    quarantined = tables.filter(quarantined__gt=0).first()
    assert quarantined is not None
    assert f"/archive/ccdc-raw-data-{newest.slug}/errors/{quarantined.table}.errors.csv" in html.links
    totals = sum(t.records_in for t in tables), sum(t.records_loaded for t in tables)
    assert f"All tables {totals[0]}" in text and str(totals[1]) in text
    assert f"{100 * totals[1] / totals[0]:.2f}%" in text
    # what changed, against the previous release (linked)
    assert "Against the previous processed release, 2026-10-30_11-40-05" in text and RELEASE1 in html.links
    changes = newest.processed.changes
    assert f"{changes['new_counts']['new_committees']} new committees" in text
    assert "Archive verification" in text and f"All {newest.archived_files.count()} files verified" in text
    assert "OCD tables and CSVs" in text  # the process step, by its label
    assert "/api/releases/2026-11-20_11-52-30.json" in html.links
    older_page = page(client, RELEASE1).all_text()
    assert "This is the first processed release" in older_page
    assert "curl -L -O http://testserver/archive/ccdc-processed-data-2026-10-30_11-40-05/flat.zip" in [
        i["value"] for i in page(client, RELEASE1).of("input")]


def test_latest_is_the_newest_published_release(client, releases):
    assert "CAL-ACCESS release of November 20, 2026" in page(client, "/downloads/latest/").all_text()
    release_copy(releases[0], dt.datetime(2026, 11, 25, tzinfo=dt.UTC), published=False)  # not published: hidden
    assert "CAL-ACCESS release of November 20, 2026" in page(client, "/downloads/latest/").all_text()
    page(client, "/downloads/2026/11/25/000000/", status=404)
    assert "/downloads/2026/11/25/000000/" not in page(client, "/downloads/").links


def test_unknown_releases_are_404_pages(client, releases):
    page(client, "/downloads/2026/11/20/000000/", status=404)
    page(client, "/downloads/1999/99/99/999999/", status=404)


def test_raw_file_documentation_is_generated_from_the_models(client, releases):
    index = page(client, "/documentation/raw-files/")
    assert len([link for link in index.links if link.startswith("/documentation/raw-files/") and
                link.count("/") == 4]) == len(raw_table_schemas()) == 80
    html = page(client, "/documentation/raw-files/rcpt-cd/")
    text = html.all_text()
    assert html.headings[0] == (1, "RCPT_CD")
    from calaccess_raw import get_model_list

    model = next(m for m in get_model_list() if m._meta.db_table == "RCPT_CD")
    assert " ".join(model.__doc__.split()) in text  # what it holds, from the model's docstring
    for column in raw_table_schemas()["RCPT_CD"].columns:
        assert column.name in text
    assert "ENTITY_CD" in text and "COM" in text and "Committee" in text  # a lookup code's meaning
    assert "Entity Code describing the contributor" in text  # a column's help text
    assert RELEASE1 in html.links and RELEASE2 in html.links  # its history
    svg = client.get("/documentation/raw-files/rcpt-cd/").content.decode()
    assert svg.count("<svg") == 1 and "<polyline" in svg and 'role="img"' in svg
    downloads = page(client, "/documentation/raw-files/rcpt-cd/downloads/")
    for version in releases:
        assert f"/archive/ccdc-raw-data-{version.slug}/clean/RCPT_CD.csv" in downloads.links
        assert f"/archive/ccdc-raw-data-{version.slug}/errors/RCPT_CD.errors.csv" in downloads.links
    page(client, "/documentation/raw-files/no-such-table/", status=404)


def test_processed_file_documentation_follows_the_datapackage_schemas(client, releases):
    import json
    import zipfile

    newest = releases[0]
    html = page(client, "/documentation/processed-files/")
    package = json.loads(zipfile.ZipFile(newest.directory / "processed" / "flat.zip").read("datapackage.json"))
    for resource in package["resources"]:
        stem = resource["path"][:-4]
        assert f"/documentation/processed-files/flat/{stem}/" in html.links
        one = page(client, f"/documentation/processed-files/flat/{stem}/").all_text()
        for field in resource["schema"]["fields"]:
            assert field["name"] in one and field["description"] in one
    relational = json.loads(zipfile.ZipFile(newest.directory / "processed" / "relational.zip")
                            .read("datapackage.json"))
    assert all(f"/documentation/processed-files/relational/{r['path'][:-4]}/" in html.links
               for r in relational["resources"])
    page(client, "/documentation/processed-files/flat/Nothing/", status=404)


def test_a_relational_file_page_under_its_old_name_redirects_and_counts_old_named_releases(client, releases):
    """Links from before the coalition's names (/relational/opencivicdata_candidacy/) go to the file's page
    now (/relational/Candidacy/), whose history counts the releases that exported it under the old name."""
    from calaccess_archive.site.selectors import processed_file_documentation
    from ocd.models import ProcessedDataFile

    newest, older = releases
    response = client.get("/documentation/processed-files/relational/opencivicdata_candidacy/")
    assert response.status_code == 301
    assert response["Location"] == "/documentation/processed-files/relational/Candidacy/"
    ProcessedDataFile.objects.filter(version__raw_version=older, name="Candidacy.csv").update(
        name="opencivicdata_candidacy.csv")
    doc = processed_file_documentation("relational", "Candidacy")
    assert doc["releases"] == 2 and [h["slug"] for h in doc["history"]] == [newest.slug, older.slug]
    # The old-named release's own page lists the file under its stored name, linked to the current page.
    from calaccess_archive.site.selectors.releases import release_url

    release_page = page(client, release_url(older))
    assert "opencivicdata_candidacy.csv" in release_page.all_text()
    assert "/documentation/processed-files/relational/Candidacy/" in release_page.links
    assert "/documentation/processed-files/relational/opencivicdata_candidacy/" not in release_page.links
    page(client, "/documentation/processed-files/relational/Candidacy/")
    page(client, "/documentation/processed-files/relational/opencivicdata_nothing/", status=404)


def test_status_shows_the_last_check_staleness_and_releases_failed_or_not_verified(client, releases):
    newest = releases[0]
    broken = release_copy(newest, dt.datetime(2026, 11, 28, tzinfo=dt.UTC), published=False)
    RawDataVersion.objects.filter(pk=broken.pk).update(status=RawDataVersion.Status.FAILED, error="zip is corrupt")
    waiting = release_copy(newest, dt.datetime(2026, 11, 27, tzinfo=dt.UTC), published=False)
    waiting.archived_files.filter(name__endswith="/flat.zip").update(status=ArchivedFile.Status.UPLOADED)
    text = page(client, "/status/").all_text()
    assert "Last look at the state's export" in text and "new release" in text
    assert "2026-11-20_11-52-30" in text and "Days since the state last published" in text
    assert "Failed releases (1)" in text and "zip is corrupt" in text
    assert "Files not yet verified in archive storage (1)" in text and f"ccdc-processed-data-{waiting.slug}/flat.zip" in text
    assert "/downloads/2026/11/28/000000/" not in page(client, "/downloads/").links  # never on public pages


def test_home_links_the_site(client, releases):
    html = page(client, "/")
    assert {"/downloads/", "/documentation/raw-files/", "/status/", "/api/releases.json"} <= set(html.links)


def test_the_admin_is_behind_its_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_no_release_yet(client, releases):
    RawDataVersion.objects.update(published_at=None)  # none published (this test's transaction only)
    assert "No release has been published yet." in page(client, "/downloads/").all_text()
    page(client, "/downloads/latest/", status=404)
    assert page(client, "/downloads/latest/flat.zip", status=404).headings[0][1].startswith("No file")
