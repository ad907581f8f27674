"""Every public URL of the site: for sitemap.xml and for `manage.py buildsite` (the static copy).

Redirects are not listed: the static copy replaces each link to one with its target.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from calaccess_archive.site.selectors import page_releases, processed_files_documentation, raw_table_slugs
from calaccess_archive.site.selectors.releases import release_url


@dataclass(frozen=True)
class Page:
    path: str
    in_sitemap: bool = True  # HTML pages; the JSON, the feed, sitemap.xml and robots.txt are not listed in it


def site_paths() -> list[Page]:
    """The public pages (published releases only), then the machine-readable files."""
    pages = [reverse(name) for name in ("site:home", "site:downloads", "site:latest", "site:raw-files",
                                        "site:processed-files", "site:status")]
    releases = list(page_releases())
    years, months = {}, {}
    for version in releases:
        when = version.release_datetime
        years.setdefault(reverse("site:year", kwargs={"year": f"{when:%Y}"}), None)
        months.setdefault(reverse("site:month", kwargs={"year": f"{when:%Y}", "month": f"{when:%m}"}), None)
    pages += [*years, *months, *(release_url(v) for v in releases)]
    for slug in raw_table_slugs():
        pages += [reverse("site:raw-file", kwargs={"table": slug}),
                  reverse("site:raw-file-downloads", kwargs={"table": slug})]
    pages += [f["url"] for group in processed_files_documentation() for f in group["files"]]
    data = [reverse("site:api-releases"), *(reverse("site:api-release", kwargs={"slug": v.slug}) for v in releases),
            reverse("site:feed"), reverse("site:sitemap"), reverse("site:robots")]
    if not releases:
        pages.remove(reverse("site:latest"))  # a 404 until the first release is published
    return [Page(path) for path in pages] + [Page(path, in_sitemap=False) for path in data]
