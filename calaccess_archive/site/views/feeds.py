"""The Atom feed of published releases, sitemap.xml and robots.txt."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.http import require_safe

from calaccess_archive.site.pages import section_paths, sitemap_sections, sitemap_url
from calaccess_archive.site.selectors import feed_releases


class ReleasesFeed(Feed):
    """One entry per published release, newest first, its summary what changed against the previous one."""

    feed_type = Atom1Feed
    title = "CAL-ACCESS archive: published releases"
    subtitle = "Every release of California's CAL-ACCESS export, archived and verified, with what changed."
    author_name = "California Civic Data Coalition"

    def link(self) -> str:
        return reverse("site:downloads")

    def feed_url(self) -> str:
        return reverse("site:feed")

    def items(self) -> list[dict]:
        return feed_releases()

    def item_title(self, item: dict) -> str:
        return item["title"]

    def item_description(self, item: dict) -> str:
        return item["summary"]

    def item_link(self, item: dict) -> str:
        return item["url"]

    def item_guid(self, item: dict) -> str:
        return f"calaccess-archive:release:{item['slug']}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: dict):
        return item["published_at"]

    def item_updateddate(self, item: dict):
        return item["published_at"]


releases_feed = require_safe(ReleasesFeed())


@require_safe
def sitemap(request: HttpRequest) -> HttpResponse:
    """sitemap.xml: the index of the sitemap sections (the archive's pages, then one per year of releases)."""
    urls = [request.build_absolute_uri(sitemap_url(section)) for section in sitemap_sections()]
    return render(request, "site/sitemap_index.xml", {"urls": urls}, content_type="application/xml")


@require_safe
def sitemap_section(request: HttpRequest, section: str) -> HttpResponse:
    pages = section_paths(section)
    if not pages:
        raise Http404(f"no sitemap {section}")
    urls = [request.build_absolute_uri(page.path) for page in pages if page.in_sitemap]
    return render(request, "site/sitemap.xml", {"urls": urls}, content_type="application/xml")


@require_safe
def robots(request: HttpRequest) -> HttpResponse:
    return render(request, "site/robots.txt", {"sitemap": request.build_absolute_uri(reverse("site:sitemap"))},
                  content_type="text/plain")
