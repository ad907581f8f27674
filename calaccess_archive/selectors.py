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
            "rejoined": f.rejoined, "repaired": f.repaired, "repaired_unique": f.repaired_unique,
            "repaired_by_evidence": f.repaired_by_evidence, "quarantined": f.quarantined, "corrected": f.corrected,
            "duplicates": f.duplicates, "records_out": f.records_out, "records_loaded": f.records_loaded,
            "value_fixes": f.value_fixes, "load_conversions": f.load_conversions, "columns_expected": f.columns_expected,
            "columns_found": f.columns_found, "columns_added": f.columns_added,
            "columns_missing": f.columns_missing, "source_size": f.source_size,
            "clean_size": f.clean_size, "error_size": f.error_size,
            "clean_engine": f.clean_engine, "load_engine": f.load_engine,
        }
        for f in version.files.order_by("table")
    }


# --- Staleness and health (processors/pipeline/notify.py, /health/) ---

# Where beat's last tick is kept, in the result store's Redis (tasks/heartbeat.py writes it).
BEAT_TICK_KEY = "calaccess-archive:beat-last-tick"


def state_published_latest() -> dt.datetime | None:
    """When the state last published an export, as far as we know: the newest Last-Modified it
    answered a release check with, or the newest release recorded."""
    from django.conf import settings
    from django.db.models import Max

    from calaccess_archive.models import ReleaseCheck

    # Only the state's own URL: a backfill's checks answer with a copy's mtime or upload time.
    answered = ReleaseCheck.objects.filter(source=settings.CALACCESS_EXPORT_URL).aggregate(
        latest=Max("last_modified"))["latest"]
    recorded = RawDataVersion.objects.aggregate(latest=Max("release_datetime"))["latest"]
    return max((when for when in (answered, recorded) if when is not None), default=None)


def state_staleness(*, now: dt.datetime | None = None) -> dict:
    """Days since the state last published, against CALACCESS_STALE_DAYS (JSON-ready).

    Nothing seen yet (a new deployment) is not stale: there is no date to be late from.
    """
    from django.conf import settings
    from django.utils import timezone

    now = now or timezone.now()
    latest = state_published_latest()
    limit = settings.CALACCESS_STALE_DAYS
    age = None if latest is None else now - latest
    return {
        "last_published": latest.isoformat() if latest else None,
        "days": None if age is None else round(age.total_seconds() / 86400, 2),
        "stale_days": limit,
        "stale": age is not None and age > dt.timedelta(days=limit),
    }


def beat_tick_store():
    """The Redis holding beat's last tick (the result store), with /health/'s short timeouts."""
    import redis
    from django.conf import settings

    timeout = settings.CALACCESS_HEALTH_TIMEOUT
    return redis.Redis.from_url(settings.CELERY_RESULT_BACKEND, socket_timeout=timeout,
                                socket_connect_timeout=timeout)


def beat_tick_latest() -> dt.datetime | None:
    """When beat last sent its heartbeat; None if it never did."""
    value = beat_tick_store().get(BEAT_TICK_KEY)
    return None if value is None else dt.datetime.fromisoformat(value.decode())


def health_status(*, now: dt.datetime | None = None) -> dict:
    """What an uptime monitor asks: the database, the broker, beat's last tick and the state's staleness.

    Each check is {"ok": bool, ...}; "status" is "ok" only when every one is. A check that
    cannot run (its server is down) is not ok, and says why in "error".
    """
    from django.utils import timezone

    from processors.errors import one_line

    now = now or timezone.now()
    checks = {}
    for name, check in (("database", _database_check), ("broker", _broker_check),
                        ("beat", _beat_check), ("staleness", _staleness_check)):
        try:
            checks[name] = check(now=now)
        except Exception as error:  # any failure of a check is the answer "unhealthy", not a 500
            checks[name] = {"ok": False, "error": one_line(error)}
    return {"status": "ok" if all(c["ok"] for c in checks.values()) else "unhealthy", "checks": checks}


def _database_check(*, now: dt.datetime) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True}


def _broker_check(*, now: dt.datetime) -> dict:
    """A Redis PING through Celery's own broker connection, one attempt with a short timeout."""
    from django.conf import settings

    from calaccess_archive.celery_app import app

    timeout = settings.CALACCESS_HEALTH_TIMEOUT
    with app.connection_for_write(url=settings.CELERY_BROKER_URL, connect_timeout=timeout,
                                  transport_options={"socket_timeout": timeout}) as conn:
        conn.ensure_connection(max_retries=0, timeout=timeout)
        conn.default_channel.client.ping()
    return {"ok": True}


def _beat_check(*, now: dt.datetime) -> dict:
    from django.conf import settings

    tick = beat_tick_latest()
    limit = settings.CALACCESS_BEAT_STALE_SECONDS
    if tick is None:
        return {"ok": False, "last_tick": None, "stale_seconds": limit, "error": "beat has never ticked"}
    age = (now - tick).total_seconds()
    return {"ok": age <= limit, "last_tick": tick.isoformat(), "seconds": round(age, 1), "stale_seconds": limit}


def _staleness_check(*, now: dt.datetime) -> dict:
    staleness = state_staleness(now=now)
    return {"ok": not staleness["stale"], **staleness}


# --- The pipeline's state (manage.py pipelinestatus; next, the site and the API) ---

# Releases and files a status lists at most (their counts are always whole).
STATUS_LIST_LIMIT = 50


def _when(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def release_check_summary(check) -> dict:
    """One look at an export source: what it answered and what was concluded."""
    return {
        "checked_at": _when(check.checked_at), "source": check.source, "outcome": check.outcome,
        "status_code": check.status_code, "last_modified": _when(check.last_modified),
        "content_length": check.content_length, "etag": check.etag, "error": check.error,
        "release": check.version.slug if check.version_id else None,
    }


def pipeline_lease_current(*, now: dt.datetime | None = None):
    """The pipeline lease, if a run holds it now (with its release)."""
    from django.utils import timezone

    from calaccess_archive.models import PipelineLease
    from processors.pipeline.lease import LEASE_NAME

    now = now or timezone.now()
    return PipelineLease.objects.select_related("version").filter(name=LEASE_NAME, expires_at__gte=now).first()


def _release_brief(version: RawDataVersion) -> dict:
    return {"release": version.slug, "id": version.pk, "status": version.status,
            "release_datetime": _when(version.release_datetime), "created_at": _when(version.created_at),
            "published_at": _when(version.published_at)}


def pipeline_status(*, now: dt.datetime | None = None) -> dict:
    """Where the pipeline stands (JSON-ready), in a number of queries that does not grow with the releases:

    - last_check: the newest release check, with what the source answered (null: none yet);
    - last_new_release: the newest release recorded; last_published: the newest published one;
    - lease: who holds the pipeline lease now, on which release (null: nobody);
    - in_flight: releases not yet published and not failed, newest first, each with its current step
      (the latest stage run) and the lease holder when the holder runs that release;
    - failed: releases whose status or one of whose steps failed (and not retried since), with the reasons;
    - files_not_verified: archived files not verified yet, counted by status, the first few listed;
    - state: days since the state last published (selectors.state_staleness).
    Lists hold at most STATUS_LIST_LIMIT entries; their counts are whole.
    """
    from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q
    from django.utils import timezone

    from calaccess_archive.models import ReleaseCheck, StageRun, StageStatus

    now = now or timezone.now()
    check = ReleaseCheck.objects.select_related("version").order_by("-checked_at", "-pk").first()
    newest = RawDataVersion.objects.order_by("-release_datetime").first()
    published = RawDataVersion.objects.filter(published_at__isnull=False).order_by("-release_datetime").first()
    lease = pipeline_lease_current(now=now)

    failed_stage = StageRun.objects.filter(version=OuterRef("pk"), status=StageStatus.FAILED)
    failing = Q(status=RawDataVersion.Status.FAILED) | Q(has_failed_stage=True)
    releases = RawDataVersion.objects.annotate(has_failed_stage=Exists(failed_stage))
    counts = releases.aggregate(
        in_flight=Count("pk", filter=Q(published_at__isnull=True) & ~failing),
        failed=Count("pk", filter=failing),
    )
    stages = Prefetch("stages", queryset=StageRun.objects.order_by("started_at", "pk"))
    in_flight = list(releases.filter(published_at__isnull=True).exclude(failing)
                     .order_by("-release_datetime").prefetch_related(stages)[:STATUS_LIST_LIMIT])
    failed = list(releases.filter(failing).order_by("-release_datetime")
                  .prefetch_related(stages)[:STATUS_LIST_LIMIT])

    def in_flight_entry(version: RawDataVersion) -> dict:
        runs = list(version.stages.all())
        step = runs[-1] if runs else None
        holder = lease.holder if lease is not None and lease.version_id == version.pk else None
        return {**_release_brief(version), "step": step.stage if step else None,
                "step_status": step.status if step else None,
                "step_started_at": _when(step.started_at) if step else None, "lease_holder": holder}

    def failed_entry(version: RawDataVersion) -> dict:
        steps = {run.stage: run.error for run in version.stages.all() if run.status == StageStatus.FAILED}
        return {**_release_brief(version), "error": version.error, "failed_steps": steps}

    unverified = ArchivedFile.objects.exclude(status=ArchivedFile.Status.VERIFIED)
    by_status = dict(unverified.values_list("status").annotate(n=Count("pk")).order_by("status"))
    files = [
        {"name": f.name, "storage": f.storage, "status": f.status,
         "release": RawDataVersion(release_datetime=f.release_at).slug if f.release_at else None,
         "attempts": f.attempts, "last_error": f.last_error, "next_check_at": _when(f.next_check_at)}
        for f in unverified.annotate(release_at=F("version__release_datetime"))  # the owning release's
        .order_by("identifier", "name")[:STATUS_LIST_LIMIT]
    ]
    return {
        "last_check": release_check_summary(check) if check else None,
        "last_new_release": _release_brief(newest) if newest else None,
        "last_published": _release_brief(published) if published else None,
        "lease": {"holder": lease.holder, "release": lease.version.slug if lease.version_id else None,
                  "acquired_at": _when(lease.acquired_at), "renewed_at": _when(lease.renewed_at),
                  "expires_at": _when(lease.expires_at)} if lease else None,
        "in_flight": {"count": counts["in_flight"], "releases": [in_flight_entry(v) for v in in_flight]},
        "failed": {"count": counts["failed"], "releases": [failed_entry(v) for v in failed]},
        "files_not_verified": {"count": sum(by_status.values()), "by_status": by_status, "files": files},
        "state": state_staleness(now=now),
    }
