"""Reads of the published releases: the downloads pages, the stable redirects and /status/.

Only published releases (published_at set) appear on public pages. Each read
takes a fixed number of queries, whatever the number of releases.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import ExtractMonth, ExtractYear
from django.urls import reverse

from calaccess_archive.models import ArchivedFile, RawDataVersion, Stage
from calaccess_archive.selectors import SLUG_FORMAT, pipeline_status
from calaccess_archive.storage import ArchiveOrgStorage, LocalArchiveStorage, archive_storage
from ocd.models import ProcessedDataVersion
from ocd.relational import relational_names_alike
from processors.archive.items import CLEAN_ZIP, release_item_identifier

KINDS = ("raw", "processed")
_STORAGE_CLASSES = {LocalArchiveStorage.label: LocalArchiveStorage, ArchiveOrgStorage.label: ArchiveOrgStorage}


def page_releases() -> QuerySet[RawDataVersion]:
    """Published releases, newest first: the only ones public pages show."""
    return RawDataVersion.objects.filter(published_at__isnull=False).order_by("-release_datetime")


def release_latest() -> RawDataVersion | None:
    return page_releases().first()


def release_published(slug: str) -> RawDataVersion | None:
    """The published release of slug YYYY-MM-DD_HH-MM-SS, or None."""
    try:
        when = dt.datetime.strptime(slug, SLUG_FORMAT).replace(tzinfo=dt.UTC)
    except ValueError:
        return None
    return page_releases().filter(release_datetime=when).first()


def release_at(*, year: str, month: str, day: str, time: str) -> RawDataVersion | None:
    """The published release of /downloads/YYYY/MM/DD/HHMMSS/, or None."""
    return release_published(f"{year}-{month}-{day}_{time[:2]}-{time[2:4]}-{time[4:6]}")


def releases_in(*, year: str, month: str | None = None) -> list[RawDataVersion]:
    """The published releases of one year (or month), newest first; the URL gives UTC year and month."""
    start, end = year_bounds(int(year))
    releases = page_releases().filter(release_datetime__gte=start, release_datetime__lt=end)
    return list(releases.filter(release_datetime__month=int(month)) if month else releases)


def recent_limit() -> int:
    """How many releases a list on one page shows, newest first (CALACCESS_SITE_RECENT_RELEASES): so a page
    costs the same at 3,000 releases as at 3, while every release stays two clicks away, by year and
    month (release_calendar), at URLs that never change."""
    return settings.CALACCESS_SITE_RECENT_RELEASES


def releases_recent(*, before: RawDataVersion | None = None) -> list[RawDataVersion]:
    """The most recent published releases (older than `before`, when given)."""
    releases = page_releases()
    if before is not None:
        releases = releases.filter(release_datetime__lt=before.release_datetime)
    return list(releases[:recent_limit()])


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a year in UTC, the time zone of the site's URLs."""
    start = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
    return start, start.replace(year=year + 1)


def year_url(year: int) -> str:
    return reverse("site:year", kwargs={"year": f"{year:04d}"})


def month_url(year: int, month: int) -> str:
    return reverse("site:month", kwargs={"year": f"{year:04d}", "month": f"{month:02d}"})


def release_calendar() -> list[dict]:
    """Every year and month with published releases, newest first, with how many (one query):
    [{year, url, count, months: [{month, label, url, count}]}]."""
    months = (page_releases().annotate(year=ExtractYear("release_datetime", tzinfo=dt.UTC),
                                       month=ExtractMonth("release_datetime", tzinfo=dt.UTC))
              .values("year", "month").annotate(count=Count("pk")).order_by("-year", "-month"))
    years: list[dict] = []
    for row in months:
        if not years or years[-1]["year"] != row["year"]:
            years.append({"year": row["year"], "url": year_url(row["year"]), "count": 0, "months": []})
        years[-1]["count"] += row["count"]
        years[-1]["months"].append({"month": row["month"], "count": row["count"],
                                    "label": f"{dt.date(row['year'], row['month'], 1):%B %Y}",
                                    "url": month_url(row["year"], row["month"])})
    return years


def release_url(version: RawDataVersion) -> str:
    when = version.release_datetime.astimezone(dt.UTC)
    return reverse("site:release", kwargs={"year": f"{when:%Y}", "month": f"{when:%m}", "day": f"{when:%d}",
                                           "time": f"{when:%H%M%S}"})


def release_brief(version: RawDataVersion) -> dict:
    return {"slug": version.slug, "release_datetime": version.release_datetime, "published_at": version.published_at,
            "url": release_url(version), "download_size": version.download_size}


def releases_grouped(releases) -> list[dict]:
    """Releases (newest first) grouped by year, then month: [{year, url, months: [{month, url, releases}]}]."""
    years: list[dict] = []
    for version in releases:
        when = version.release_datetime.astimezone(dt.UTC)
        if not years or years[-1]["year"] != when.year:
            years.append({"year": when.year, "url": year_url(when.year), "months": []})
        months = years[-1]["months"]
        if not months or months[-1]["month"] != when.month:
            months.append({"month": when.month, "label": f"{when:%B %Y}", "releases": [],
                           "url": month_url(when.year, when.month)})
        months[-1]["releases"].append(release_brief(version))
    return years


# --- Archived files and their public URLs ---

class ArchiveLinks:
    """Public URLs of archived files, from the storage each one is in, with no request per file."""

    def __init__(self):
        configured = archive_storage()
        self.configured = getattr(configured, "label", "")
        self._storages = {self.configured: configured}

    def url(self, record: ArchivedFile) -> str | None:
        if record.storage not in self._storages:
            cls = _STORAGE_CLASSES.get(record.storage)
            self._storages[record.storage] = cls() if cls else None
        storage = self._storages[record.storage]
        return storage.url(record.name) if storage is not None else None

    def entry(self, record: ArchivedFile) -> dict:
        return {"name": record.file_name, "archive_name": record.name, "url": self.url(record), "size": record.size,
                "md5": record.md5, "sha256": record.sha256, "status": record.status, "storage": record.storage,
                "verified": record.status == ArchivedFile.Status.VERIFIED}

    def best(self, records) -> dict[str, ArchivedFile]:
        """One record per archive name: a verified copy first, then the configured storage's."""
        chosen: dict[str, ArchivedFile] = {}
        rank = lambda r: (r.status == ArchivedFile.Status.VERIFIED, r.storage == self.configured)  # noqa: E731
        for record in records:
            if record.name not in chosen or rank(record) > rank(chosen[record.name]):
                chosen[record.name] = record
        return chosen


def _by_kind(version: RawDataVersion, records, links: ArchiveLinks) -> dict[str, dict[str, dict]]:
    """{"raw": {file name: entry}, "processed": {...}} of a release's archived files."""
    identifiers = {release_item_identifier(version=version, kind=kind): kind for kind in KINDS}
    found: dict[str, dict[str, dict]] = {kind: {} for kind in KINDS}
    for record in links.best(records).values():
        kind = identifiers.get(record.identifier)
        if kind:
            found[kind][record.file_name] = links.entry(record)
    return found


def latest_file_url(file_name: str) -> str:
    return reverse("site:latest-file", kwargs={"file": file_name})


def release_detail(version: RawDataVersion, *, absolute: Callable[[str], str] = str) -> dict:
    """Everything a release's page shows: files, the errata report card, changes, step timings, archive status.

    `absolute` makes the copyable `curl` lines' URLs absolute (the view passes request.build_absolute_uri).
    """
    links = ArchiveLinks()
    archived = _by_kind(version, ArchivedFile.objects.filter(version=version), links)
    raw, processed_files = archived["raw"], archived["processed"]
    latest = release_latest()
    is_latest = latest is not None and latest.pk == version.pk
    processed = (ProcessedDataVersion.objects.filter(raw_version=version)
                 .prefetch_related("zips", "files").first())
    tables, totals = _report_card(version, raw)
    zips, files = {}, {"flat": [], "relational": []}
    if processed is not None:
        for z in processed.zips.all():
            entry = processed_files.get(z.name)
            stable = latest_file_url(z.name) if is_latest else None
            zips[z.group] = {"name": z.name, "size": z.size, "sha256": z.sha256, "file_count": z.file_count,
                             "archive": entry, "stable_url": stable,
                             "curl": _curl(stable or (entry or {}).get("url"), absolute)}
        for f in processed.files.all():
            # The page of a file exported under its old name is the one of its current name.
            current = relational_names_alike(f.name)[0] if f.group == "relational" else f.name
            stem = current.rsplit(".", 1)[0]
            files[f.group].append({
                "name": f.name, "records": f.records, "size": f.size, "sha256": f.sha256,
                "archive": processed_files.get(f"{f.group}/{f.name}"),
                "doc_url": reverse("site:processed-file", kwargs={"group": f.group, "name": stem})})
    export = raw.get(version.zip_path.name)
    by_status: dict[str, int] = {}
    for entry in (*raw.values(), *processed_files.values()):
        by_status[entry["status"]] = by_status.get(entry["status"], 0) + 1
    older = page_releases().filter(release_datetime__lt=version.release_datetime).first()
    newer = page_releases().filter(release_datetime__gt=version.release_datetime).last()
    return {
        **release_brief(version), "version": version, "is_latest": is_latest,
        "download_sha256": version.download_sha256, "source": version.source,
        "clean_size": version.clean_size, "error_size": version.error_size,
        "export": export, "export_curl": _curl(latest_file_url(version.zip_path.name) if is_latest and export
                                               else (export or {}).get("url"), absolute),
        "clean_zip": raw.get(CLEAN_ZIP), "zips": zips, "files": files,
        "changes_file": processed_files.get("changes.json"),
        "tables": tables, "totals": totals,
        # Records corrected by hand (docs/cleaning.md, "Corrections register"): the report card's column.
        "corrections": {"corrected": sum(t["corrected"] or 0 for t in tables), "file": raw.get("corrections.csv")},
        "changes": _changes(processed.changes if processed else {}),
        "stages": _stages(version),
        "archive": {"count": sum(by_status.values()), "by_status": dict(sorted(by_status.items())),
                    "complete": bool(by_status) and set(by_status) == {ArchivedFile.Status.VERIFIED}},
        "older": release_brief(older) if older else None, "newer": release_brief(newer) if newer else None,
    }


def _curl(url: str | None, absolute: Callable[[str], str]) -> str | None:
    return f"curl -L -O {absolute(url)}" if url else None


COUNTS = ("records_in", "rejoined", "repaired", "quarantined", "records_out", "records_loaded")


def _share(kept: int | None, total: int | None) -> float | None:
    return None if not total or kept is None else round(100 * kept / total, 2)


def _report_card(version: RawDataVersion, raw: dict[str, dict]) -> tuple[list[dict], dict]:
    """Per table: what came in, what was mended, set aside and loaded, with its files; and the totals."""
    from calaccess_archive.site.selectors.documentation import raw_table_slug

    rows, totals = [], dict.fromkeys(COUNTS, 0)
    for f in version.files.order_by("table"):
        row = {"table": f.table, "status": f.status, "clean_size": f.clean_size, "clean_sha256": f.clean_sha256,
               "error_size": f.error_size, "value_fixes": f.value_fixes, "load_conversions": f.load_conversions,
               "repaired_unique": f.repaired_unique, "repaired_by_evidence": f.repaired_by_evidence,
               "doc_url": reverse("site:raw-file", kwargs={"table": raw_table_slug(f.table)}),
               "clean": raw.get(f"clean/{f.table}.csv"), "errors": raw.get(f"errors/{f.table}.errors.csv"),
               "repairs": raw.get(f"errors/{f.table}.repairs.csv"),
               "corrected": f.corrected,
               **{name: getattr(f, name) for name in COUNTS}}
        row["share_kept"] = _share(f.records_loaded, f.records_in)
        for name in COUNTS:
            totals[name] += getattr(f, name) or 0
        rows.append(row)
    totals["share_kept"] = _share(totals["records_loaded"], totals["records_in"])
    totals["tables"] = len(rows)
    return rows, totals


def _changes(changes: dict) -> dict:
    """changes.json's summary: per OCD table records, added and removed; and the new filings, committees, candidates."""
    previous = changes.get("previous_release")
    previous_version = release_published(previous) if previous else None
    tables = [{"table": name, **counts} for name, counts in sorted(changes.get("tables", {}).items())]
    return {"known": bool(changes), "previous_release": previous,
            "previous_url": release_url(previous_version) if previous_version else None,
            "tables": tables, "changed": [t for t in tables if t.get("added") or t.get("removed")],
            "added": sum(t.get("added", 0) for t in tables), "removed": sum(t.get("removed", 0) for t in tables),
            "new_counts": dict(changes.get("new_counts", {}))}


def _stages(version: RawDataVersion) -> list[dict]:
    order = {stage.value: i for i, stage in enumerate(Stage)}
    runs = sorted(version.stages.all(), key=lambda run: order.get(run.stage, len(order)))
    return [{"stage": run.stage, "label": Stage(run.stage).label if run.stage in order else run.stage,
             "status": run.status, "started_at": run.started_at, "finished_at": run.finished_at,
             "attempts": run.attempts,
             "seconds": round((run.finished_at - run.started_at).total_seconds(), 2) if run.finished_at else None}
            for run in runs]


# --- The stable redirects ---

def latest_file_target(file_name: str, *, kind: str | None = None) -> dict:
    """Where /downloads/latest/<file> (either item) or /redirect/latest/<kind>/<file>/ points: the newest
    published release's verified copy of that file. {"url": ..., "release": slug} when there is one, else
    {"url": None, "files": [...]}: the verified files of the newest published release, for the 404 page."""
    kinds = [kind] if kind else list(KINDS)
    prefix = settings.CALACCESS_ARCHIVE_PREFIX
    in_items = Q()
    for name in kinds:
        in_items |= Q(identifier__startswith=f"{prefix}{name}-data-")
    verified = ArchivedFile.objects.filter(in_items, status=ArchivedFile.Status.VERIFIED,
                                           version__published_at__isnull=False)
    links = ArchiveLinks()
    # A relational CSV under either of its names (Candidacy.csv, opencivicdata_candidacy.csv before the
    # coalition's names): an old link finds a new release's file, a new link an old release's.
    copies = list(verified.at_paths(*relational_names_alike(file_name))
                  .annotate(release_at=F("version__release_datetime"))
                  .order_by("-release_at")[:len(_STORAGE_CLASSES)])
    if copies:  # the newest release's copy; in the configured storage if it is in both
        record = max((c for c in copies if c.owner_id == copies[0].owner_id),
                     key=lambda c: c.storage == links.configured)
        return {"url": links.url(record), "release": RawDataVersion(release_datetime=record.release_at).slug}
    latest = release_latest()
    files = []
    if latest is not None:
        for kind_name, entries in _by_kind(latest, verified.filter(version=latest), links).items():
            files += [{"name": name, "kind": kind_name,
                       "url": latest_file_url(name) if kind is None else
                       reverse(f"site:redirect-{kind_name}", kwargs={"file": name})}
                      for name in sorted(entries)]
    return {"url": None, "release": latest.slug if latest else None, "files": files}


# --- /status/ ---

_WHEN_KEYS = frozenset({"checked_at", "last_modified", "release_datetime", "created_at", "published_at",
                        "step_started_at", "acquired_at", "renewed_at", "expires_at", "next_check_at",
                        "last_published"})


def _datetimes(value, key: str = ""):
    """pipeline_status's ISO strings back into datetimes, for the page to show in UTC and California time."""
    if isinstance(value, dict):
        return {k: _datetimes(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_datetimes(v) for v in value]
    if key in _WHEN_KEYS and isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    return value


def status_overview() -> dict:
    """selectors.pipeline_status (the one read of where the pipeline stands), with datetimes and page links."""
    status = _datetimes(pipeline_status())
    published = status["last_published"]
    if published:
        version = RawDataVersion(release_datetime=published["release_datetime"])
        published["url"] = release_url(version)
    return status
