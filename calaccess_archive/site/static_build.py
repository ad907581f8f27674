"""The static copy of the site (`manage.py buildsite DIR`): every public page, the JSON and the feed as plain files.

Written with Django's test client rather than django-bakery or django-distill: both write the pages as
the server renders them, with links from the site's root (`/downloads/...`), which break as soon as the
copy is served from a bucket's sub-folder or opened from disk. Here each link to another page of the
copy becomes a relative link to its file (`../../index.html`), and each link to a stable redirect
becomes its target, so every link works from any static host, at any prefix, or from `file://`.
Links that leave the site (archive.org, or the local archive storage at CALACCESS_ARCHIVE_LOCAL_URL)
are kept as they are.
"""

from __future__ import annotations

import posixpath
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client, override_settings

from calaccess_archive.site.pages import site_paths

_LINK = re.compile(r'(?P<attr>\b(?:href|src))="(?P<url>/(?!/)[^"]*)"')


class SiteBuildError(Exception):
    """A page of the site did not render (its path and status are in the message)."""


@dataclass
class SiteBuildReport:
    directory: Path
    files: list[str] = field(default_factory=list)
    redirects: dict[str, str] = field(default_factory=dict)  # link -> its target, put in the pages

    def as_json(self) -> dict:
        return {"directory": str(self.directory), "files": len(self.files), "redirects_resolved": len(self.redirects)}


def output_name(path: str) -> str:
    """The file of a site path: `/downloads/` -> `downloads/index.html`, `/api/releases.json` as it is."""
    name = path.lstrip("/")
    return name + "index.html" if name.endswith("/") or not name else name


class _Builder:
    def __init__(self, *, directory: Path, base_url: str):
        parts = urlsplit(base_url)
        if not parts.scheme or not parts.netloc:
            raise SiteBuildError(f"--base-url must be an absolute URL such as https://example.org, not {base_url!r}")
        self.directory, self.secure = directory, parts.scheme == "https"
        self.host = parts.netloc
        self.client = Client(HTTP_HOST=self.host)
        self.static_url = "/" + settings.STATIC_URL.strip("/") + "/"
        archive = urlsplit(settings.CALACCESS_ARCHIVE_LOCAL_URL)
        self.archive_url = "" if archive.netloc else "/" + archive.path.strip("/") + "/"
        self.pages: set[str] = set()
        self.statics: set[str] = set()
        self.report = SiteBuildReport(directory)

    def get(self, path: str, *, method: str = "get"):
        return getattr(self.client, method)(path, secure=self.secure)

    def target(self, path: str) -> str | None:
        """What a link to `path` becomes: a file of the copy (relative later), or None to keep it."""
        if path in self.pages:
            return output_name(path)
        if self.archive_url and path.startswith(self.archive_url):
            return None  # the local archive storage: outside the copy
        if path.startswith(self.static_url):
            self.statics.add(path[len(self.static_url):])
            return path.lstrip("/")
        if path not in self.report.redirects:
            response = self.get(path, method="head")
            self.report.redirects[path] = response["Location"] if response.status_code in (301, 302) else ""
        location = self.report.redirects[path]
        if location and urlsplit(location).path in self.pages and not urlsplit(location).netloc:
            return output_name(urlsplit(location).path)
        return location or None

    def rewrite(self, html: str, page: str) -> str:
        here = posixpath.dirname(output_name(page))

        def relative(match: re.Match) -> str:
            url = urlsplit(match["url"])
            target = self.target(url.path)
            if target is None:
                return match[0]
            if target.startswith(("http://", "https://", "/")):  # outside the copy: kept absolute
                return f'{match["attr"]}="{target}"'
            link = posixpath.relpath(target, here or ".") + (f"#{url.fragment}" if url.fragment else "")
            return f'{match["attr"]}="{link}"'

        return _LINK.sub(relative, html)

    def write(self, name: str, content: bytes) -> None:
        path = self.directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        self.report.files.append(name)

    def moved_page(self, path: str, response) -> bytes:
        """A static host cannot redirect: the old address gets a page that sends the reader on (and says where)."""
        target = urlsplit(response.get("Location", "")).path if response.status_code in (301, 302) else ""
        if target not in self.pages:
            raise SiteBuildError(f"{path} answered {response.status_code}, not a redirect to a page of the site")
        link = posixpath.relpath(output_name(target), posixpath.dirname(output_name(path)) or ".")
        return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Moved</title>'
                f'<meta http-equiv="refresh" content="0; url={link}"><link rel="canonical" href="{link}">'
                f'</head><body><p>This page is now <a href="{link}">here</a>.</p></body></html>\n').encode()

    def build(self) -> SiteBuildReport:
        pages = site_paths()
        self.pages = {page.path for page in pages}
        for page in pages:
            response = self.get(page.path)
            if page.moved:
                self.write(output_name(page.path), self.moved_page(page.path, response))
                continue
            if response.status_code != 200:
                raise SiteBuildError(f"{page.path} answered {response.status_code}")
            content = response.content
            if response["Content-Type"].startswith("text/html"):
                content = self.rewrite(content.decode(), page.path).encode()
            self.write(output_name(page.path), content)
        for name in sorted(self.statics):
            found = finders.find(name)
            if found is None:
                raise SiteBuildError(f"static file {name} not found")
            self.write(self.static_url.lstrip("/") + name, Path(found).read_bytes())
        return self.report


def site_build(*, directory: Path, base_url: str) -> SiteBuildReport:
    """Render every public page of the site into `directory` (emptied first), as the site at `base_url`
    would serve it (the feed, the sitemap and the JSON give absolute URLs from it)."""
    builder = _Builder(directory=directory, base_url=base_url)
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    with override_settings(ALLOWED_HOSTS=[builder.host.split(":")[0]], SECURE_SSL_REDIRECT=False):
        return builder.build()
