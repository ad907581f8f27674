"""Every public URL of the site: for the sitemaps and for `manage.py buildsite` (the static copy).

The sitemap is an index (sitemap.xml) of sections: `pages` (the pages about the archive as a whole) and
one per year of releases (that year's archive pages, release pages and raw tables' downloads), so no
sitemap grows past a year of releases. Redirects are not listed: the static copy replaces each link to
one with its target.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse

from calaccess_archive.site.selectors import (
    processed_files_documentation,
    raw_table_slugs,
    release_calendar,
    releases_in,
)
from calaccess_archive.site.selectors.api import api_releases_url
from calaccess_archive.site.selectors.documentation import raw_table_downloads_url
from calaccess_archive.site.selectors.releases import month_url, release_url, year_url

PAGES = "pages"


@dataclass(frozen=True)
class Page:
    path: str
    in_sitemap: bool = True  # HTML pages; the JSON, the feed, the sitemaps and robots.txt are not listed in one
    moved: bool = False  # an old address that redirects to a page (the static copy writes a page sending on)


def sitemap_sections() -> list[str]:
    """`pages`, then every year with a published release, newest first."""
    return [PAGES, *(str(year["year"]) for year in release_calendar())]


def sitemap_url(section: str) -> str:
    return reverse("site:sitemap-section", kwargs={"section": section})


def section_paths(section: str) -> list[Page]:
    """The public pages of one sitemap section, then its machine-readable files ([] for an unknown section)."""
    if section == PAGES:
        return _archive_pages()
    if not section.isdigit() or not (releases := releases_in(year=section)):
        return []
    year = int(section)
    months = {month_url(year, v.release_datetime.astimezone(dt.UTC).month): None for v in releases}
    pages = [year_url(year), *months, *(release_url(v) for v in releases),
             *(raw_table_downloads_url(slug, year) for slug in raw_table_slugs())]
    data = [api_releases_url(year), *(reverse("site:api-release", kwargs={"slug": v.slug}) for v in releases)]
    return [Page(path) for path in pages] + [Page(path, in_sitemap=False) for path in data]


def _archive_pages() -> list[Page]:
    pages = [reverse(name) for name in ("site:home", "site:downloads", "site:latest", "site:raw-files",
                                        "site:processed-files", "site:status")]
    for slug in raw_table_slugs():
        pages += [reverse("site:raw-file", kwargs={"table": slug}), raw_table_downloads_url(slug)]
    pages += [f["url"] for group in processed_files_documentation() for f in group["files"]]
    if not release_calendar():
        pages.remove(reverse("site:latest"))  # a 404 until the first release is published
    data = [api_releases_url(), reverse("site:feed"), reverse("site:robots"), reverse("site:sitemap")]
    return ([Page(path) for path in pages] + [Page(path, in_sitemap=False) for path in data]
            + [Page(path, in_sitemap=False, moved=True) for path in _moved_pages()])


def _moved_pages() -> list[str]:
    """The relational files' documentation pages under the names they had before the coalition's
    (/relational/opencivicdata_candidacy/, now /relational/Candidacy/): links to them must keep working."""
    from ocd.relational import relational_tables_before

    return [reverse("site:processed-file", kwargs={"group": "relational", "name": t.name[:-4]})
            for t in relational_tables_before()]


def site_paths() -> list[Page]:
    """Every public page and file of the site: each section's, and each section's sitemap."""
    sections = sitemap_sections()
    return [page for section in sections for page in section_paths(section)] + [
        Page(sitemap_url(section), in_sitemap=False) for section in sections]
