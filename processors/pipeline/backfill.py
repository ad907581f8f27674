"""Backfill: historic exports, each its own release, oldest first (a service: it writes the releases' records).

A source is one of
- a local zip (or a file:// URL of one): its release datetime is its newest member's timestamp;
- a directory: every *.zip in it, each as above;
- an archive.org item of an earlier archiver, by identifier (`ccdc-raw-data-2021-06-01_09-07-03`, any
  prefix before `raw-data-`) or by a URL of it (`https://archive.org/download/<identifier>/dbwebexport.zip`,
  `.../details/<identifier>`): the export is the item's dbwebexport.zip, fetched from IA_DOWNLOAD_URL,
  and the release datetime is the one in the identifier;
- any other http(s) URL of an export: its Last-Modified.
`release_datetime` overrides the datetime of a single source.

Time zones. An identifier's datetime is UTC: earlier archivers named items after the release's
Last-Modified, an HTTP date, as this project names its own (release slugs are UTC). A zip member's
timestamp has no zone: it is read as California time (ZIP_TIME_ZONE), where the state writes the export.
Member timestamps are when the state wrote the tables, some minutes before the CDN's Last-Modified, so
a release backfilled from a zip does not get the same datetime as the same export fetched from the CDN;
give `release_datetime` when the Last-Modified is known.

Each release goes through the whole nightly workflow here (release_run: download ... publish); releases
already published are skipped, so a backfill run again does nothing, and one that died resumes. The
pipeline lease is held for the whole backfill. The raw tables hold one release at a time: at the end,
the newest release ever loaded is loaded again if the backfill left an older one in them.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings

from calaccess_archive.models import RawDataVersion
from archive_storage.ia_client import ArchiveError
from processors.errors import PipelineError, error_message
from processors.ingest.release_check import local_source_path, release_head
from processors.pipeline.ingest import Progress
from processors.pipeline.lease import holder_name, lease_acquire, lease_held
from processors.pipeline.nightly import nightly_start, release_run
from processors.pipeline.repair import raw_tables_release, raw_tables_restore, raw_tables_restore_after_failure

logger = logging.getLogger("calaccess_archive.pipeline")

# An archive.org item of a raw release: <prefix>raw-data-YYYY-MM-DD_HH-MM-SS (the coalition's prefix is
# "ccdc-"; the datetime is the release's Last-Modified, in UTC).
ITEM_IDENTIFIER = re.compile(r"(?:[A-Za-z0-9][A-Za-z0-9._-]*)?raw-data-(\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2})")
ITEM_EXPORT = "dbwebexport.zip"
SLUG_FORMAT = "%Y-%m-%d_%H-%M-%S"
# The zone of zip member timestamps (they carry none): the state's.
ZIP_TIME_ZONE = "America/Los_Angeles"
_ARCHIVE_HOSTS = ("archive.org", "www.archive.org")


class BackfillError(PipelineError):
    """A backfill source cannot be used as given, or one of its releases failed."""


@dataclass(frozen=True)
class BackfillSource:
    given: str  # what was asked for
    source: str  # the URL or path the export is fetched from
    release_datetime: dt.datetime  # aware, UTC
    basis: str  # where the datetime comes from: "identifier", "last-modified", "zip-members", "given"


@dataclass
class BackfillRelease:
    source: BackfillSource
    outcome: str  # "published" or "skipped" (published already)
    version: RawDataVersion | None
    seconds: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


@dataclass
class BackfillReport:
    releases: list[BackfillRelease] = field(default_factory=list)
    restored: RawDataVersion | None = None  # loaded again at the end (it is the newest)
    raw_tables: RawDataVersion | None = None  # the release the raw tables hold at the end


# --- Datetimes -----------------------------------------------------------------------------------

def release_datetime_parse(text: str) -> dt.datetime:
    """A release datetime as an operator writes it: ISO 8601 (`2019-05-01T11:30:00Z`, `...+00:00`) or a
    release slug (`2019-05-01_11-30-00`). Without a zone it is UTC, like a slug."""
    value = text.strip()
    try:
        when = dt.datetime.strptime(value, SLUG_FORMAT)
    except ValueError:
        try:
            when = dt.datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
        except ValueError:
            raise BackfillError(f"release datetime {text!r} is neither ISO 8601 (2019-05-01T11:30:00Z) "
                                "nor YYYY-MM-DD_HH-MM-SS") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).replace(microsecond=0)


def item_datetime(identifier: str) -> dt.datetime | None:
    """The release datetime (UTC) in an archive.org item identifier; None when it names no raw release."""
    match = ITEM_IDENTIFIER.fullmatch(identifier)
    if match is None:
        return None
    try:
        return dt.datetime.strptime(match.group(1), SLUG_FORMAT).replace(tzinfo=dt.UTC)
    except ValueError:  # 2021-13-45...
        return None


def zip_members_datetime(path: Path, *, given: str) -> dt.datetime:
    """The newest member timestamp of the zip at `path`, read in ZIP_TIME_ZONE, as UTC."""
    try:
        with zipfile.ZipFile(path) as archive:
            stamps = [info.date_time for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError) as exc:
        raise BackfillError(f"{given}: not a readable zip file ({error_message(exc)})") from exc
    if not stamps:
        raise BackfillError(f"{given}: the zip has no members")
    try:
        zone = ZoneInfo(ZIP_TIME_ZONE)
    except ZoneInfoNotFoundError as exc:
        raise BackfillError(f"{given}: the time zone {ZIP_TIME_ZONE} is not installed (tzdata); "
                            "give --release-datetime") from exc
    return dt.datetime(*max(stamps), tzinfo=zone).astimezone(dt.UTC)


# --- Sources -------------------------------------------------------------------------------------

def item_download_url(identifier: str, file_name: str = ITEM_EXPORT) -> str:
    base = settings.IA_DOWNLOAD_URL
    return f"{base if base.endswith('/') else base + '/'}{quote(identifier)}/{quote(file_name)}"


def _item_of_url(url: str) -> tuple[str, str | None] | None:
    """(identifier, file name or None) of an archive.org download or details URL; None for another URL."""
    base = settings.IA_DOWNLOAD_URL.rstrip("/") + "/"
    parts = urlsplit(url)
    if url.startswith(base):
        rest = urlsplit(url[len(base):]).path
    elif (parts.hostname or "") in _ARCHIVE_HOSTS and parts.path.startswith(("/download/", "/details/")):
        rest = parts.path.split("/", 2)[2]
        if parts.path.startswith("/details/"):
            rest = rest.split("/")[0]
    else:
        return None
    identifier, _, name = unquote(rest).strip("/").partition("/")
    return (identifier, name or None) if identifier else None


def _url_source(given: str, *, override: dt.datetime | None) -> BackfillSource:
    item = _item_of_url(given)
    if item is None:
        if override is not None:
            return BackfillSource(given, given, override, "given")
        info = release_head(source=given, timeout=settings.CALACCESS_HTTP_TIMEOUT)
        return BackfillSource(given, given, info.last_modified, "last-modified")
    identifier, name = item
    source = item_download_url(identifier, name or ITEM_EXPORT)
    if override is not None:
        return BackfillSource(given, source, override, "given")
    when = item_datetime(identifier)
    if when is None:
        # archive.org's Last-Modified is when the file was uploaded, not when the state released it.
        raise BackfillError(f"{given}: the archive.org item {identifier} has no release datetime in its name "
                            "(<prefix>raw-data-YYYY-MM-DD_HH-MM-SS); give --release-datetime")
    return BackfillSource(given, source, when, "identifier")


def backfill_sources(*, sources: list[str], release_datetime: dt.datetime | None = None) -> list[BackfillSource]:
    """What each source stands for (a directory: its zips), with release datetimes, oldest first.

    Reads local zips and asks http(s) sources for their Last-Modified (HEAD); records nothing.
    """
    if release_datetime is not None and len(sources) != 1:
        raise BackfillError(f"--release-datetime is the datetime of one release: give one SOURCE, not {len(sources)}")
    resolved: list[BackfillSource] = []
    for given in sources:
        if urlsplit(given).scheme in ("http", "https"):
            resolved.append(_url_source(given, override=release_datetime))
            continue
        path = local_source_path(given)
        if path.is_dir():
            zips = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".zip")
            if not zips:
                raise BackfillError(f"{given}: a directory without zip files")
            if release_datetime is not None and len(zips) != 1:
                raise BackfillError(f"--release-datetime is the datetime of one release, but {given} holds "
                                    f"{len(zips)} zip files")
            resolved += [_zip_source(str(z), z, override=release_datetime) for z in zips]
        elif path.is_file():
            resolved.append(_zip_source(given, path, override=release_datetime))
        elif path.exists():
            raise BackfillError(f"{given}: not a regular file or a directory")
        elif item_datetime(given) is not None:
            source = item_download_url(given)
            resolved.append(BackfillSource(given, source, release_datetime or item_datetime(given),
                                           "given" if release_datetime else "identifier"))
        else:
            raise BackfillError(f"{given}: no such file or directory, nor an archive.org item identifier "
                                "(like ccdc-raw-data-YYYY-MM-DD_HH-MM-SS)")
    return sorted(resolved, key=lambda s: s.release_datetime)


def _zip_source(given: str, path: Path, *, override: dt.datetime | None) -> BackfillSource:
    if override is not None:
        return BackfillSource(given, str(path), override, "given")
    return BackfillSource(given, str(path), zip_members_datetime(path, given=given), "zip-members")


# --- Running -------------------------------------------------------------------------------------

def release_published(release_datetime: dt.datetime) -> RawDataVersion | None:
    return RawDataVersion.objects.filter(release_datetime=release_datetime, published_at__isnull=False).first()


def backfill_release(*, item: BackfillSource, holder: str, progress: Progress | None = None, storage=None,
                     wait: float | None = None) -> BackfillRelease:
    """One source's release through every step here (the caller holds the lease as `holder`),
    unless it is published already."""
    published = release_published(item.release_datetime)
    if published is not None:
        return BackfillRelease(source=item, outcome="skipped", version=published)
    # nightly_start for a given datetime: records the check, opens the release (None: published meanwhile).
    version = nightly_start(source=item.source, release_datetime=item.release_datetime)
    if version is None:
        return BackfillRelease(source=item, outcome="skipped", version=release_published(item.release_datetime))
    lease_acquire(holder=holder, version=version)  # says which release it runs
    logger.info("event=backfill_release release=%s source=%s", version.slug, item.source)
    report = release_run(version=version, progress=progress, storage=storage, wait=wait)
    return BackfillRelease(source=item, outcome=report.outcome, version=report.version, seconds=report.seconds,
                           warnings=report.ingest.warnings if report.ingest else [])


def backfill_run(*, sources: list[str], release_datetime: dt.datetime | None = None,
                 progress: Progress | None = None, storage=None, wait: float | None = None,
                 holder: str | None = None,
                 on_release: Callable[[BackfillRelease], None] | None = None) -> BackfillReport:
    """Backfill `sources` (module docstring), oldest release first, holding the pipeline lease throughout;
    `on_release` hears of each release as it is done. A failed release stops the backfill (BackfillError
    naming its source); the raw tables are put back on the newest release either way."""
    holder = holder or holder_name("backfill")
    report = BackfillReport()
    with lease_held(holder=holder):
        resolved = backfill_sources(sources=sources, release_datetime=release_datetime)
        try:
            for number, item in enumerate(resolved, start=1):
                try:
                    done = backfill_release(item=item, holder=holder, progress=progress, storage=storage,
                                            wait=wait)
                except (PipelineError, ArchiveError, OSError) as exc:
                    raise BackfillError(
                        f"{item.given}: release {item.release_datetime:{SLUG_FORMAT}} failed: {error_message(exc)} "
                        f"({number - 1} of {len(resolved)} done; run backfill again to resume)") from exc
                report.releases.append(done)
                if on_release is not None:
                    on_release(done)
        except BaseException:
            raw_tables_restore_after_failure(progress=progress)
            raise
        report.restored = raw_tables_restore(progress=progress)
        report.raw_tables = raw_tables_release()
    return report
