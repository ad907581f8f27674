"""A site of many releases: lists on one page stop at the most recent ones (CALACCESS_SITE_RECENT_RELEASES),
and every release stays reachable by year and month, in the HTML, the JSON and the sitemaps."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.db import connection

from calaccess_archive.models import ArchivedFile
from calaccess_archive.site.pages import site_paths
from tests.site.helpers import Page, crawl, release_copy, schema_validator

pytestmark = pytest.mark.django_db

SITEMAP = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
OLD = (dt.datetime(2025, 3, 4, 5, 6, 7, tzinfo=dt.UTC), dt.datetime(2025, 12, 31, 23, 0, tzinfo=dt.UTC),
       dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC))
OLD_PAGES = ("/downloads/2025/03/04/050607/", "/downloads/2025/12/31/230000/", "/downloads/2026/01/02/030405/")


@pytest.fixture
def many(releases, settings):
    """Five published releases (two in 2025, three in 2026) on a site whose lists show two."""
    settings.CALACCESS_SITE_RECENT_RELEASES = 2
    return [*releases, *(release_copy(releases[1], when) for when in reversed(OLD))]


def html(client, path: str) -> Page:
    response = client.get(path)
    assert response.status_code == 200, path
    return Page(response.content.decode())


def test_downloads_lists_the_most_recent_then_every_year_and_month(client, many):
    page = html(client, "/downloads/")
    releases = {"/downloads/2026/10/30/114005/", *OLD_PAGES}
    listed = releases & set(page.links)
    assert listed == {"/downloads/2026/10/30/114005/", OLD_PAGES[2]}  # the 2 most recent earlier ones
    assert {"/downloads/2026/", "/downloads/2025/", "/downloads/2026/11/", "/downloads/2026/10/",
            "/downloads/2026/01/", "/downloads/2025/12/", "/downloads/2025/03/"} <= set(page.links)
    text = page.all_text()
    assert "2026 (3 releases)" in text and "2025 (2 releases)" in text
    assert OLD_PAGES[0] in html(client, "/downloads/2025/").links  # a click away, every one
    seen = crawl(client, "/downloads/")  # (copies' archived files are records only: no file to serve)
    assert releases <= set(seen)
    assert not {p for p, status in seen.items() if status >= 400 and not p.startswith("/archive/")}


def test_a_table_shows_its_recent_history_and_every_release_by_year(client, many):
    page = html(client, "/documentation/raw-files/rcpt-cd/")
    history = {link.split("#")[0] for link in page.links if link.startswith("/downloads/20") and link.count("/") == 6}
    assert history == {"/downloads/2026/11/20/115230/", "/downloads/2026/10/30/114005/"}
    svg = [a for tag, a in page.attrs if tag == "svg"]
    assert "over 5 release(s)" in svg[0]["aria-label"]  # the chart covers every release
    assert {"/documentation/raw-files/rcpt-cd/downloads/2026/",
            "/documentation/raw-files/rcpt-cd/downloads/2025/"} <= set(page.links)

    year = html(client, "/documentation/raw-files/rcpt-cd/downloads/2025/")
    assert {OLD_PAGES[0], OLD_PAGES[1]} <= set(year.links) and OLD_PAGES[2] not in year.links
    copies = ArchivedFile.objects.filter(version__release_datetime__year=2025, name__contains="/clean/RCPT_CD.csv")
    assert {f"/archive/{c.name}" for c in copies} <= set(year.links) and copies.count() == 2
    loaded = str(many[1].files.get(table="RCPT_CD").records_loaded)
    assert loaded in year.all_text()
    assert client.get("/documentation/raw-files/rcpt-cd/downloads/2019/").status_code == 404
    recent = html(client, "/documentation/raw-files/rcpt-cd/downloads/")
    assert OLD_PAGES[0] not in recent.links and "/downloads/2026/11/20/115230/" in recent.links


def test_a_processed_file_shows_its_recent_history(client, many):
    page = html(client, "/documentation/processed-files/flat/Candidates/")
    history = {link for link in page.links if link.startswith("/downloads/20") and link.count("/") == 6}
    assert history == {"/downloads/2026/11/20/115230/", "/downloads/2026/10/30/114005/"}
    assert "/downloads/2025/" in page.links


def test_releases_json_has_the_most_recent_and_a_document_per_year(client, many):
    validator = schema_validator("releases")
    front = client.get("/api/releases.json").json()
    validator.validate(front)
    assert front["count"] == 5 and front["year"] is None and front["latest"] == many[0].slug
    assert [r["slug"] for r in front["releases"]] == [many[0].slug, many[1].slug]
    assert [(y["year"], y["count"]) for y in front["years"]] == [(2026, 3), (2025, 2)]
    year = client.get(front["years"][1]["url"].removeprefix("http://testserver")).json()
    validator.validate(year)
    assert year["year"] == 2025 and year["latest"] == many[0].slug
    assert [r["release_datetime"] for r in year["releases"]] == [OLD[1].isoformat(), OLD[0].isoformat()]
    assert year["releases"][0]["files"]["flat.zip"]["name"] == "flat.zip"
    assert client.get("/api/releases/2019.json").status_code == 404


def test_the_sitemap_is_an_index_of_a_section_per_year(client, many):
    index = ET.fromstring(client.get("/sitemap.xml").content)
    sections = [loc.text for loc in index.findall("s:sitemap/s:loc", SITEMAP)]
    assert sections == ["http://testserver/sitemap-pages.xml", "http://testserver/sitemap-2026.xml",
                        "http://testserver/sitemap-2025.xml"]
    listed = []
    for url in sections:
        response = client.get(url.removeprefix("http://testserver"))
        assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
        listed += [loc.text.removeprefix("http://testserver")
                   for loc in ET.fromstring(response.content).findall("s:url/s:loc", SITEMAP)]
    assert sorted(listed) == sorted(p.path for p in site_paths() if p.in_sitemap)
    assert len(listed) == len(set(listed)) and set(OLD_PAGES) <= set(listed)
    assert "/documentation/raw-files/rcpt-cd/downloads/2025/" in listed
    assert client.get("/sitemap-2019.xml").status_code == 404


def test_finding_one_file_across_releases_can_use_its_index(many):
    """The expression ArchivedFile.objects.at_paths filters on is the indexed one (were they to differ, each
    read of one file across releases would scan every archived file again)."""
    query = ArchivedFile.objects.at_paths("clean/RCPT_CD.csv").values("pk")
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "archivedfile_item_path" in plan, plan
    assert query.count() == 5
