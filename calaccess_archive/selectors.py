"""Reads shared by the commands, the admin and (next) the site and the API.

Each function returns model instances or plain, JSON-ready values and writes
nothing, so a page, an API response and a command's `--json` say the same
thing about a release.
"""

from __future__ import annotations

import datetime as dt

from calaccess_archive.models import ArchivedFile, RawDataVersion
from processors.errors import PipelineError

SLUG_FORMAT = "%Y-%m-%d_%H-%M-%S"


class ReleaseNotFound(PipelineError):
    """No release answers to what was asked for."""


def release_lookup(ref: str | None = None, *, status: str | None = None) -> RawDataVersion:
    """The release named by `ref`, its slug (YYYY-MM-DD_HH-MM-SS) or its id.

    Named, a release is found whatever its status: the stage asked to work on it
    says why it cannot. Without `ref`, the newest release, or the newest with
    `status` when the caller can only work on such a one (processing needs a
    loaded release).
    """
    releases = RawDataVersion.objects.all()
    if ref is None:
        if status is not None:
            releases = releases.filter(status=status)
        version = releases.order_by("-release_datetime").first()
        if version is None:
            raise ReleaseNotFound(f"no {status + ' ' if status else ''}release recorded yet")
        return version
    if ref.isdigit():
        version = releases.filter(pk=int(ref)).first()
    else:
        try:
            when = dt.datetime.strptime(ref, SLUG_FORMAT).replace(tzinfo=dt.UTC)
        except ValueError:
            raise ReleaseNotFound(f"release {ref!r} is not YYYY-MM-DD_HH-MM-SS or an id") from None
        version = releases.filter(release_datetime=when).first()
    if version is None:
        raise ReleaseNotFound(f"no release {ref}")
    return version


def release_summary(version: RawDataVersion) -> dict:
    """The release's identity, sizes, status, drift and stages."""
    return {
        "id": version.pk,
        "release_datetime": version.release_datetime.isoformat(),
        "slug": version.slug,
        "source": version.source,
        "status": version.status,
        "expected_size": version.expected_size,
        "download_size": version.download_size,
        "download_sha256": version.download_sha256,
        "etag": version.etag,
        "clean_size": version.clean_size,
        "error_size": version.error_size,
        "schema_drift": version.schema_drift,
        "stages": {
            run.stage: {"status": run.status, "started_at": run.started_at, "finished_at": run.finished_at,
                        "attempts": run.attempts, "error": run.error}
            for run in version.stages.all()
        },
    }


def release_table_counts(version: RawDataVersion) -> dict:
    """Every table of the release with its counts, shape and sizes, by table name."""
    return {
        f.table: {
            "status": f.status, "lines": f.lines, "blank_lines": f.blank_lines, "records_in": f.records_in,
            "rejoined": f.rejoined, "repaired": f.repaired, "quarantined": f.quarantined,
            "duplicates": f.duplicates, "records_out": f.records_out, "records_loaded": f.records_loaded,
            "value_fixes": f.value_fixes, "columns_expected": f.columns_expected,
            "columns_found": f.columns_found, "columns_added": f.columns_added,
            "columns_missing": f.columns_missing, "source_size": f.source_size,
            "clean_size": f.clean_size, "error_size": f.error_size,
            "clean_engine": f.clean_engine, "load_engine": f.load_engine,
        }
        for f in version.files.order_by("table")
    }


def archived_file_summary(record: ArchivedFile) -> dict:
    """One archived file: where it is, its checksums and how far it got."""
    return {
        "name": record.name, "storage": record.storage, "status": record.status, "size": record.size,
        "md5": record.md5, "sha256": record.sha256, "attempts": record.attempts, "checks": record.checks,
        "last_error": record.last_error,
    }
