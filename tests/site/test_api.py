"""The machine-readable site: the JSON against its committed schemas, the Atom feed, sitemap.xml and robots.txt."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import feedparser
import pytest

from calaccess_archive.models import ArchivedFile
from calaccess_archive.site.pages import site_paths
from tests.site.helpers import release_copy, schema_validator

pytestmark = pytest.mark.django_db


def json_of(client, path: str, status: int = 200) -> dict:
    response = client.get(path)
    assert response.status_code == status and response["Content-Type"] == "application/json"
    return response.json()


def test_releases_json_matches_its_schema_and_lists_published_releases(client, releases):
    release_copy(releases[0], dt.datetime(2026, 11, 29, tzinfo=dt.UTC), published=False)
    document = json_of(client, "/api/releases.json")
    schema_validator("releases").validate(document)
    assert document["count"] == 2 and document["latest"] == releases[0].slug and document["year"] is None
    assert [r["slug"] for r in document["releases"]] == [v.slug for v in releases]
    assert document["years"] == [{"year": 2026, "count": 2, "url": "http://testserver/api/releases/2026.json"}]
    flat = document["releases"][0]["files"]["flat.zip"]
    record = ArchivedFile.objects.get(name=f"ccdc-processed-data-{releases[0].slug}/flat.zip")
    assert flat == {"name": "flat.zip", "url": f"http://testserver/archive/{record.name}", "size": record.size,
                    "md5": record.md5, "sha256": record.sha256, "status": "verified", "storage": "local"}
    assert client.get(document["releases"][0]["api_url"].removeprefix("http://testserver")).status_code == 200


def test_a_release_json_matches_its_schema_with_every_file_count_url_and_checksum(client, releases):
    newest = releases[0]
    document = json_of(client, f"/api/releases/{newest.slug}.json")
    schema_validator("release").validate(document)
    assert len(document["tables"]) == 80
    rcpt = next(t for t in document["tables"] if t["table"] == "RCPT_CD")
    table = newest.files.get(table="RCPT_CD")
    assert (rcpt["records_in"], rcpt["quarantined"], rcpt["records_loaded"]) == (
        table.records_in, table.quarantined, table.records_loaded)
    assert rcpt["clean"]["sha256"] == table.clean_sha256
    assert rcpt["errors"]["url"].endswith(f"ccdc-raw-data-{newest.slug}/errors/RCPT_CD.errors.csv")
    assert document["export"]["sha256"] == newest.download_sha256
    assert {f["name"] for f in document["processed_files"]} == set(newest.processed.files.values_list("name", flat=True))
    assert document["changes"]["previous_release"] == releases[1].slug
    assert document["archive"] == {"count": newest.archived_files.count(), "by_status": {
        "verified": newest.archived_files.count()}, "complete": True}
    assert [s["stage"] for s in document["stages"]] == ["download", "clean", "load", "process", "package", "upload",
                                                         "verify", "publish"]


def test_the_schemas_bite(client, releases):
    """A document missing a field, or with a bad checksum, a bad time or a relative URL, is refused."""
    document = json_of(client, f"/api/releases/{releases[0].slug}.json")
    validator = schema_validator("release")
    broken = [{k: v for k, v in document.items() if k != "tables"},
              {**document, "download_sha256": "nope"},
              {**document, "published_at": "yesterday"},
              {**document, "url": "/downloads/"},
              {**document, "surprise": 1}]
    for bad in broken:
        assert list(validator.iter_errors(bad)), bad.keys()
    listing = json_of(client, "/api/releases.json")
    listing["releases"][0]["files"].pop("flat.zip")
    assert list(schema_validator("releases").iter_errors(listing))


def test_an_unknown_or_unpublished_release_is_a_json_404(client, releases):
    hidden = release_copy(releases[0], dt.datetime(2026, 11, 29, tzinfo=dt.UTC), published=False)
    assert "error" in json_of(client, f"/api/releases/{hidden.slug}.json", status=404)
    assert "error" in json_of(client, "/api/releases/2001-01-01_00-00-00.json", status=404)


def test_the_feed_is_valid_atom_with_one_entry_per_published_release(client, releases):
    release_copy(releases[0], dt.datetime(2026, 11, 29, tzinfo=dt.UTC), published=False)
    response = client.get("/feeds/releases.atom")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert [e.link for e in feed.entries] == ["http://testserver/downloads/2026/11/20/115230/",
                                              "http://testserver/downloads/2026/10/30/114005/"]
    newest = releases[0].processed.changes
    summary = feed.entries[0].summary
    assert summary.startswith(f"Against the release of {releases[1].slug}:")
    assert f"{newest['new_counts']['new_committees']} new committees" in summary
    assert feed.entries[1].summary.startswith("The first processed release")
    assert feed.feed.author == "California Civic Data Coalition" and feed.feed.updated


def test_sitemap_lists_every_page_and_robots_points_to_it(client, releases):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    sections = [loc.text for loc in ET.fromstring(response.content).findall("s:sitemap/s:loc", ns)]
    assert sections == ["http://testserver/sitemap-pages.xml", "http://testserver/sitemap-2026.xml"]
    locations = [loc.text for url in sections
                 for loc in ET.fromstring(client.get(url).content).findall("s:url/s:loc", ns)]
    pages = [p.path for p in site_paths() if p.in_sitemap]
    assert locations == [f"http://testserver{path}" for path in pages]
    assert "http://testserver/downloads/2026/11/20/115230/" in locations
    assert "http://testserver/documentation/raw-files/rcpt-cd/" in locations
    robots = client.get("/robots.txt")
    assert robots["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://testserver/sitemap.xml" in robots.content.decode()
    assert "Disallow: /admin/" in robots.content.decode()
