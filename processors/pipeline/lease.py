"""One pipeline run at a time, everywhere: a lease in PostgreSQL (a service: it writes PipelineLease).

A run takes the lease under its own holder name and renews it while it works
(every third of CALACCESS_LEASE_SECONDS, from a background thread). Overlapping
beat ticks, a manual run during the nightly, or a second worker find it held
and stop. A holder that dies stops renewing: once the lease has expired (at
most CALACCESS_LEASE_SECONDS later) the next tick takes it over and resumes
the release from its records. Each Celery task of a run checks that its run
still holds the lease, so a message redelivered after a takeover does nothing.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from calaccess_archive.models import PipelineLease, RawDataVersion
from processors.errors import PipelineError

logger = logging.getLogger(__name__)

LEASE_NAME = "pipeline"


class LeaseHeld(PipelineError):
    """Another run holds the pipeline lease."""

    def __init__(self, lease: PipelineLease):
        self.lease = lease
        release = f" on release {lease.version.slug}" if lease.version_id else ""
        super().__init__(f"the pipeline is running: {lease.holder} holds the lease{release} "
                         f"until {lease.expires_at:%Y-%m-%d %H:%M:%S} UTC (renewed {lease.renewed_at:%H:%M:%S})")


def holder_name(kind: str) -> str:
    """A holder name no other run has: <kind>:<host>:<pid>:<random>."""
    return f"{kind}:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def lease_acquire(*, holder: str, version: RawDataVersion | None = None) -> PipelineLease:
    """Take the lease for `holder` (or extend it, if `holder` has it already); raise LeaseHeld if another has it."""
    seconds = settings.CALACCESS_LEASE_SECONDS
    with connection.cursor() as cursor:
        # One statement: two runs asking at once cannot both win.
        cursor.execute(
            f"""INSERT INTO {PipelineLease._meta.db_table} AS l
                  (name, holder, version_id, acquired_at, renewed_at, expires_at)
                VALUES (%(name)s, %(holder)s, %(version)s, now(), now(), now() + %(seconds)s * interval '1 second')
                ON CONFLICT (name) DO UPDATE SET
                  holder = EXCLUDED.holder, version_id = coalesce(EXCLUDED.version_id, l.version_id),
                  acquired_at = CASE WHEN l.holder = EXCLUDED.holder THEN l.acquired_at ELSE now() END,
                  renewed_at = now(), expires_at = EXCLUDED.expires_at
                WHERE l.expires_at < now() OR l.holder = EXCLUDED.holder
                RETURNING l.id""",
            {"name": LEASE_NAME, "holder": holder, "version": version.pk if version else None, "seconds": seconds},
        )
        won = cursor.fetchone()
    lease = PipelineLease.objects.select_related("version").get(name=LEASE_NAME)
    if not won:
        raise LeaseHeld(lease)
    return lease


def lease_renew(*, holder: str) -> bool:
    """Push the expiry of `holder`'s lease forward; False when `holder` no longer holds it."""
    now = timezone.now()
    return bool(PipelineLease.objects.filter(name=LEASE_NAME, holder=holder, expires_at__gte=now).update(
        renewed_at=now, expires_at=now + timedelta(seconds=settings.CALACCESS_LEASE_SECONDS)))


def lease_holds(*, holder: str) -> bool:
    return PipelineLease.objects.filter(name=LEASE_NAME, holder=holder, expires_at__gte=timezone.now()).exists()


def lease_release(*, holder: str) -> None:
    """Give the lease up (expire it now) if `holder` has it."""
    PipelineLease.objects.filter(name=LEASE_NAME, holder=holder).update(expires_at=timezone.now())


def lease_current() -> PipelineLease | None:
    """The lease, if someone holds it now."""
    return (PipelineLease.objects.select_related("version")
            .filter(name=LEASE_NAME, expires_at__gte=timezone.now()).first())


@contextmanager
def lease_renewed(*, holder: str):
    """Renew `holder`'s lease in the background while the block runs (a long task, a whole run)."""
    stop = threading.Event()
    interval = max(settings.CALACCESS_LEASE_SECONDS / 3, 0.5)

    def renew() -> None:
        try:
            while not stop.wait(interval):
                if not lease_renew(holder=holder):
                    logger.warning("event=lease_lost holder=%s", holder)
                    return
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=renew, name="lease-renewal", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


@contextmanager
def lease_held(*, holder: str, version: RawDataVersion | None = None):
    """Take the lease for the block, renew it while it runs, give it up afterwards."""
    lease_acquire(holder=holder, version=version)
    try:
        with lease_renewed(holder=holder):
            yield
    finally:
        lease_release(holder=holder)
