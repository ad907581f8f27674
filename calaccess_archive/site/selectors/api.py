"""The machine-readable reads: /api/releases.json, /api/releases/<slug>.json (schemas in site/schemas/)
and the Atom feed's entries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db.models import Prefetch
from django.urls import reverse

from calaccess_archive.models import ArchivedFile, RawDataVersion

from .releases import (
    CLEAN_ZIP,
    ArchiveLinks,
    _by_kind,
    page_releases,
    recent_limit,
    release_calendar,
    release_detail,
    release_latest,
    release_url,
    year_bounds,
)

FEED_LIMIT = 50
_LIST_FILES = {"raw": ("dbwebexport.zip", CLEAN_ZIP), "processed": ("flat.zip", "relational.zip")}


def _json(value):
    """Datetimes as ISO 8601 strings, recursively."""
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def _file(entry: dict | None, absolute: Callable[[str], str]) -> dict | None:
    if entry is None:
        return None
    return {"name": entry["name"], "url": absolute(entry["url"]) if entry["url"] else None, "size": entry["size"],
            "md5": entry["md5"], "sha256": entry["sha256"], "status": entry["status"], "storage": entry["storage"]}


def _api_url(version: RawDataVersion) -> str:
    return reverse("site:api-release", kwargs={"slug": version.slug})


def api_releases_url(year: int | None = None) -> str:
    if year is None:
        return reverse("site:api-releases")
    return reverse("site:api-releases-year", kwargs={"year": f"{year:04d}"})


def api_releases(*, year: int | None = None, absolute: Callable[[str], str] = str) -> dict | None:
    """The most recent published releases (or every one of `year`), newest first, each with its four main files
    (export, cleaned zip, flat and relational); with how many there are in all and in each year, and the year
    documents' URLs. None for a year without a published release."""
    calendar = release_calendar()
    if year is not None and year not in {y["year"] for y in calendar}:
        return None
    releases = page_releases()
    if year is None:
        releases = releases[:recent_limit()]
    else:
        start, end = year_bounds(year)
        releases = releases.filter(release_datetime__gte=start, release_datetime__lt=end)
    paths = [name for files in _LIST_FILES.values() for name in files]
    releases = releases.prefetch_related(
        Prefetch("archived_files", queryset=ArchivedFile.objects.at_paths(*paths), to_attr="main_files"))
    links = ArchiveLinks()
    entries = []
    for version in releases:
        found = _by_kind(version, version.main_files, links)
        entries.append({
            "slug": version.slug, "release_datetime": version.release_datetime, "published_at": version.published_at,
            "url": absolute(release_url(version)), "api_url": absolute(_api_url(version)),
            "download_size": version.download_size, "download_sha256": version.download_sha256,
            "files": {name: _file(found[kind].get(name), absolute)
                      for kind, files in _LIST_FILES.items() for name in files},
        })
    latest = entries[0]["slug"] if year is None and entries else getattr(release_latest(), "slug", None)
    return _json({
        "count": sum(y["count"] for y in calendar), "latest": latest, "year": year, "releases": entries,
        "years": [{"year": y["year"], "count": y["count"], "url": absolute(api_releases_url(y["year"]))}
                  for y in calendar],
    })


def api_release(version: RawDataVersion, *, absolute: Callable[[str], str] = str) -> dict:
    """One published release: every file with its counts, archive URL and checksums; changes; steps; archive status."""
    detail = release_detail(version)
    tables = [{"table": t["table"], "status": t["status"], "records_in": t["records_in"], "rejoined": t["rejoined"],
               "repaired": t["repaired"], "repaired_unique": t["repaired_unique"],
               "repaired_by_evidence": t["repaired_by_evidence"], "quarantined": t["quarantined"],
               "records_out": t["records_out"], "records_loaded": t["records_loaded"], "share_kept": t["share_kept"],
               "clean_size": t["clean_size"], "clean_sha256": t["clean_sha256"], "error_size": t["error_size"],
               "value_fixes": t["value_fixes"], "load_conversions": t["load_conversions"],
               "clean": _file(t["clean"], absolute), "errors": _file(t["errors"], absolute),
               "repairs": _file(t["repairs"], absolute)}
              for t in detail["tables"]]
    processed = [{"group": group, "name": f["name"], "records": f["records"], "size": f["size"],
                  "sha256": f["sha256"], "archive": _file(f["archive"], absolute)}
                 for group, files in detail["files"].items() for f in files]
    zips = {group: {"name": z["name"], "size": z["size"], "sha256": z["sha256"], "file_count": z["file_count"],
                    "archive": _file(z["archive"], absolute)} for group, z in detail["zips"].items()}
    changes = detail["changes"]
    return _json({
        "slug": detail["slug"], "release_datetime": detail["release_datetime"], "published_at": detail["published_at"],
        "url": absolute(detail["url"]), "api_url": absolute(_api_url(version)), "source": detail["source"],
        "download_size": detail["download_size"], "download_sha256": detail["download_sha256"],
        "clean_size": detail["clean_size"], "error_size": detail["error_size"],
        "export": _file(detail["export"], absolute), "clean_zip": _file(detail["clean_zip"], absolute),
        "zips": zips, "tables": tables, "totals": detail["totals"], "processed_files": processed,
        "changes": {"previous_release": changes["previous_release"], "tables": changes["tables"],
                    "new_counts": changes["new_counts"]},
        "stages": [{k: s[k] for k in ("stage", "status", "started_at", "finished_at", "seconds", "attempts")}
                   for s in detail["stages"]],
        "archive": detail["archive"],
    })


def release_change_summary(changes: dict) -> str:
    """One paragraph of what changed against the previous release (from ProcessedDataVersion.changes)."""
    if not changes:
        return "No change summary was recorded for this release."
    previous = changes.get("previous_release")
    parts = [f"Against the release of {previous}:" if previous else "The first processed release:"]
    tables = changes.get("tables", {})
    changed = [f"{name} +{c.get('added', 0)} -{c.get('removed', 0)}" for name, c in sorted(tables.items())
               if c.get("added") or c.get("removed")]
    parts.append(("; ".join(changed) + ".") if changed else "no records added or removed.")
    counts = changes.get("new_counts", {})
    news = [f"{counts[key]} new {key.removeprefix('new_')}" for key in ("new_filings", "new_committees",
                                                                         "new_candidates") if key in counts]
    if news:
        parts.append(", ".join(news) + ".")
    return " ".join(parts)


def feed_releases(*, limit: int = FEED_LIMIT) -> list[dict]:
    """The newest published releases for the Atom feed, each with its change summary."""
    return [{"slug": v.slug, "title": f"CAL-ACCESS release {v.release_datetime:%Y-%m-%d %H:%M:%S} UTC",
             "url": release_url(v), "release_datetime": v.release_datetime, "published_at": v.published_at,
             "summary": release_change_summary(getattr(getattr(v, "processed", None), "changes", {}) or {})}
            for v in page_releases().select_related("processed")[:limit]]
