"""No broken link: a crawler from /downloads/ over every internal link of the site, and the same over the
static copy that `manage.py buildsite` writes."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from calaccess_archive.models import ArchivedFile
from calaccess_archive.site.pages import site_paths
from tests.site.helpers import crawl, crawl_files

pytestmark = pytest.mark.django_db


def test_every_internal_link_from_downloads_resolves(client, releases):
    seen = crawl(client, "/downloads/")
    broken = {path: status for path, status in seen.items() if status >= 400}
    assert not broken
    pages = {p.path for p in site_paths() if p.in_sitemap} - {"/downloads/latest/"}
    assert pages <= set(seen)  # every page is reachable from /downloads/ (latest is the release's own page)
    archived = {path for path in seen if path.startswith("/archive/")}
    assert archived == {f"/archive/{name}" for name in ArchivedFile.objects.values_list("name", flat=True)}
    assert any(path.startswith("/downloads/latest/") and status == 302 for path, status in seen.items())


def test_the_crawler_finds_a_broken_link(client, releases, settings):
    """A page linking to a file missing from the archive is caught."""
    newest = releases[0]
    (settings.CALACCESS_DATA_DIR / "archive" / f"ccdc-raw-data-{newest.slug}" / "clean.zip").rename(
        settings.CALACCESS_DATA_DIR / "clean.zip.aside")
    try:
        seen = crawl(client, "/downloads/")
    finally:
        (settings.CALACCESS_DATA_DIR / "clean.zip.aside").rename(
            settings.CALACCESS_DATA_DIR / "archive" / f"ccdc-raw-data-{newest.slug}" / "clean.zip")
    assert {path for path, status in seen.items() if status >= 400} == {
        f"/archive/ccdc-raw-data-{newest.slug}/clean.zip"}


def test_buildsite_writes_every_page_with_relative_links_that_resolve(releases, tmp_path):
    out = io.StringIO()
    call_command("buildsite", str(tmp_path / "site"), "--base-url", "https://calaccess.example.org", "--json",
                 stdout=out)
    report = json.loads(out.getvalue())
    root = tmp_path / "site"
    assert report["files"] == len(site_paths()) + 1  # and the stylesheet
    reached, broken = crawl_files(root, outside=("/archive/",))
    assert not broken
    for name in ("index.html", "downloads/index.html", "downloads/latest/index.html",
                 "downloads/2026/11/20/115230/index.html", "documentation/raw-files/rcpt-cd/index.html",
                 "static/site/site.css", "feeds/releases.atom", "api/releases.json"):
        assert name in reached or (root / name).is_file(), name
    assert {"downloads/2026/index.html", "downloads/2026/10/index.html",
            "documentation/processed-files/flat/Candidates/index.html"} <= reached
    release_page = (root / "downloads/2026/11/20/115230/index.html").read_text()
    assert 'href="../../../../../static/site/site.css"' in release_page
    assert 'href="../../../../index.html"' in release_page  # /downloads/
    # a stable redirect becomes its target in the copy
    downloads = (root / "downloads/index.html").read_text()
    assert "/downloads/latest/clean/" not in downloads.replace("<code>/downloads/latest/", "")
    raw_doc = (root / "documentation/raw-files/rcpt-cd/index.html").read_text()
    assert f'href="/archive/ccdc-raw-data-{releases[0].slug}/clean/RCPT_CD.csv"' in raw_doc
    # the machine-readable files, with absolute URLs at the base URL
    api = json.loads((root / "api/releases.json").read_text())
    assert api["releases"][0]["url"] == "https://calaccess.example.org/downloads/2026/11/20/115230/"
    assert (root / f"api/releases/{releases[0].slug}.json").is_file()
    assert "https://calaccess.example.org/sitemap.xml" in (root / "robots.txt").read_text()
    # A relational file's page under its name from before the coalition's names sends the reader on.
    moved = (root / "documentation/processed-files/relational/opencivicdata_candidacy/index.html").read_text()
    assert 'content="0; url=../Candidacy/index.html"' in moved and 'href="../Candidacy/index.html"' in moved
    assert (root / "documentation/processed-files/relational/Candidacy/index.html").is_file()


def test_the_static_crawler_finds_a_broken_link(releases, tmp_path):
    call_command("buildsite", str(tmp_path / "site"), stdout=io.StringIO())
    (tmp_path / "site" / "documentation" / "raw-files" / "rcpt-cd" / "index.html").unlink()
    reached, broken = crawl_files(tmp_path / "site", outside=("/archive/",))
    assert broken and all(link.endswith("rcpt-cd/index.html") for link in broken)
