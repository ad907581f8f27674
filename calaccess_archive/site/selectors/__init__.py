"""Reads for the site and the API (they import the models; the views import these).

Split by page family: releases.py (downloads pages, redirects, status), api.py
(the JSON documents and the feed), documentation.py (raw and processed files).
Every read takes a number of queries that does not grow with the releases.
"""

from .api import api_release, api_releases, feed_releases, release_change_summary
from .documentation import (
    processed_file_current_stem,
    processed_file_documentation,
    processed_files_documentation,
    raw_table_documentation,
    raw_table_downloads,
    raw_table_slugs,
    raw_tables_documentation,
)
from .releases import (
    latest_file_target,
    page_releases,
    release_at,
    release_brief,
    release_calendar,
    release_detail,
    release_latest,
    release_published,
    releases_grouped,
    releases_in,
    releases_recent,
    status_overview,
)

__all__ = [
    "api_release", "api_releases", "feed_releases", "latest_file_target", "page_releases",
    "processed_file_current_stem", "processed_file_documentation", "processed_files_documentation",
    "raw_table_documentation", "raw_table_downloads",
    "raw_table_slugs", "raw_tables_documentation", "release_at", "release_brief", "release_calendar",
    "release_change_summary", "release_detail", "release_latest", "release_published", "releases_grouped",
    "releases_in", "releases_recent", "status_overview",
]
