"""The number of queries of every page is the same with 2 published releases as with 5 (pinned)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.site.helpers import release_copy

pytestmark = pytest.mark.django_db

# path -> the queries it takes, whatever the number of releases
PAGES = {
    "/": 1,
    "/downloads/": 13,
    "/downloads/2026/": 1,
    "/downloads/2026/11/": 1,
    "/downloads/2026/11/20/115230/": 11,
    "/downloads/latest/": 11,
    "/downloads/latest/flat.zip": 1,
    "/downloads/latest/no-such-file.zip": 3,
    "/redirect/latest/raw/clean/RCPT_CD.csv/": 1,
    "/documentation/raw-files/": 2,
    "/documentation/raw-files/rcpt-cd/": 2,
    "/documentation/raw-files/rcpt-cd/downloads/": 4,
    "/documentation/raw-files/rcpt-cd/downloads/2026/": 4,
    "/documentation/processed-files/": 2,
    "/documentation/processed-files/flat/Candidates/": 2,
    "/status/": 11,
    "/api/releases.json": 3,
    "/api/releases/2026.json": 4,
    "/api/releases/2026-11-20_11-52-30.json": 11,
    "/feeds/releases.atom": 1,
    "/sitemap.xml": 1,
    "/sitemap-pages.xml": 3,
    "/sitemap-2026.xml": 1,
    "/robots.txt": 0,
}


STATUS = {"/downloads/latest/flat.zip": 302, "/redirect/latest/raw/clean/RCPT_CD.csv/": 302,
          "/downloads/latest/no-such-file.zip": 404}


def _pages(client, django_assert_num_queries) -> None:
    for path, queries in PAGES.items():
        with django_assert_num_queries(queries):
            response = client.get(path)
        assert response.status_code == STATUS.get(path, 200), path


def test_queries_per_page_do_not_grow_with_the_releases(client, releases, django_assert_num_queries, settings):
    settings.CALACCESS_SITE_RECENT_RELEASES = 3  # so the lists reach their limit below
    _pages(client, django_assert_num_queries)  # 2 published releases
    for day in (1, 2, 3):  # 3 more, in November 2026 (the month's page lists them all)
        release_copy(releases[1], dt.datetime(2026, 11, day, 8, tzinfo=dt.UTC))
    month = client.get("/downloads/2026/11/").content.decode()
    assert all(f"/downloads/2026/11/0{day}/080000/" in month for day in (1, 2, 3))
    _pages(client, django_assert_num_queries)  # 5
