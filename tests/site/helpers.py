"""Shared pieces of the site's tests: cheap release copies, an HTML reader, the crawlers, the schemas."""

from __future__ import annotations

import datetime as dt
import json
import posixpath
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from jsonschema import Draft202012Validator, FormatChecker

from calaccess_archive.models import ArchivedFile, RawDataFile, RawDataVersion, StageRun
from ocd.models import ProcessedDataFile, ProcessedDataVersion, ProcessedDataZip
from tests.ingest_helpers import ROOT

SCHEMAS = ROOT / "calaccess_archive" / "site" / "schemas"


def release_copy(version: RawDataVersion, when: dt.datetime, *, published: bool = True) -> RawDataVersion:
    """A copy of `version`'s records (tables, steps, archived files, processed files) as another release: cheap
    rows for query counts and listings. Its archived files name items that hold no file."""
    processed = ProcessedDataVersion.objects.get(raw_version=version)
    copy = RawDataVersion.objects.get(pk=version.pk)
    copy.pk = None
    copy.release_datetime = when
    copy.published_at = when + dt.timedelta(hours=1) if published else None
    copy.save()
    RawDataFile.objects.bulk_create([RawDataFile(**{**_fields(f), "version": copy}) for f in version.files.all()])
    StageRun.objects.bulk_create([StageRun(**{**_fields(s), "version": copy}) for s in version.stages.all()])
    ArchivedFile.objects.bulk_create([
        ArchivedFile(**{**_fields(a), "owner": copy, "identifier": a.identifier.replace(version.slug, copy.slug),
                        "name": a.name.replace(version.slug, copy.slug)})
        for a in version.archived_files.all()])
    changes = {**processed.changes, "release": copy.slug}
    new = ProcessedDataVersion.objects.create(**{**_fields(processed), "raw_version": copy, "changes": changes})
    ProcessedDataFile.objects.bulk_create([ProcessedDataFile(**{**_fields(f), "version": new})
                                           for f in processed.files.all()])
    ProcessedDataZip.objects.bulk_create([ProcessedDataZip(**{**_fields(z), "version": new})
                                          for z in processed.zips.all()])
    return copy


def _fields(record) -> dict:
    return {f.attname: getattr(record, f.attname) for f in record._meta.concrete_fields
            if not f.primary_key and not f.is_relation}


# --- HTML ---

class Page(HTMLParser):
    """What the tests read off a page: links, headings, landmarks, tables, form fields and their labels."""

    def __init__(self, html: str):
        super().__init__()
        self.links: list[str] = []
        self.headings: list[tuple[int, str]] = []
        self.tags: list[str] = []
        self.attrs: list[tuple[str, dict]] = []
        self.tables = 0
        self.captions = 0
        self._heading: list | None = None
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        self.attrs.append((tag, attrs))
        if tag in ("a", "link") and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self._heading = [int(tag[1]), ""]
        self.tables += tag == "table"
        self.captions += tag == "caption"

    def handle_endtag(self, tag):
        if self._heading and tag == f"h{self._heading[0]}":
            self.headings.append((self._heading[0], self._heading[1].strip()))
            self._heading = None

    def handle_data(self, data):
        if self._heading is not None:
            self._heading[1] += data
        self.text.append(data)

    def all_text(self) -> str:
        return " ".join(" ".join(self.text).split())

    def of(self, tag: str) -> list[dict]:
        return [attrs for name, attrs in self.attrs if name == tag]


def internal(url: str) -> bool:
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc and not url.startswith("#")


def crawl(client, start: str = "/downloads/") -> dict[str, int]:
    """Every internal link reachable from `start` (pages are followed, redirects too): {path: status}.

    Files of the local archive storage are asked for with HEAD (they exist or not; no need to read them)."""
    seen: dict[str, int] = {}
    queue = deque([start])
    while queue:
        path = queue.popleft()
        if path in seen:
            continue
        head = path.startswith("/archive/")
        response = client.head(path) if head else client.get(path)
        seen[path] = response.status_code
        if response.status_code in (301, 302):
            location = urljoin(path, response["Location"])
            if internal(location):
                queue.append(urlsplit(location).path)
        elif not head and response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            for link in Page(response.content.decode()).links:
                target = urljoin(path, link)
                if internal(target) and not urlsplit(target).path.startswith("/static/"):
                    queue.append(urlsplit(target).path)
    return seen


def crawl_files(root: Path, *, outside: tuple[str, ...]) -> tuple[set[str], list[str]]:
    """Every file of a static copy reachable from index.html by relative links: (files reached, broken links).

    A link from the site's root (`/...`) is broken unless it starts with one of `outside` (the archive)."""
    reached, broken = set(), []
    queue = deque(["index.html"])
    while queue:
        name = queue.popleft()
        if name in reached:
            continue
        reached.add(name)
        if not name.endswith(".html"):
            continue
        for link in Page((root / name).read_text()).links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith("#"):
                continue
            if link.startswith("/"):
                if not link.startswith(outside):
                    broken.append(f"{name} -> {link}")
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(name), parts.path))
            if target.startswith("..") or not (root / target).is_file():
                broken.append(f"{name} -> {link}")
            else:
                queue.append(target)
    return reached, broken


# --- JSON Schemas ---

_formats = FormatChecker()


@_formats.checks("date-time", raises=ValueError)
def _date_time(value) -> bool:
    return not isinstance(value, str) or dt.datetime.fromisoformat(value).tzinfo is not None


@_formats.checks("uri")
def _uri(value) -> bool:
    parts = urlsplit(value) if isinstance(value, str) else None
    return parts is None or bool(parts.scheme in ("http", "https") and parts.netloc)


def schema_validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=_formats)
