"""Telling people about problems, once per problem, not once per retry (a service: it writes Problem).

The workflow reports a problem under a key ("release-failed", "stale") every time it sees it,
and says when it is resolved; this decides what is worth a message:

- `problem_report`: sent when the problem is new, opens again after being resolved, or its
  summary changed; the same summary again sends nothing.
- `problem_resolved`: one "back to normal: ..." message, if people had been told of it.
- `success_summary`: one line per release that went through, if CALACCESS_NOTIFY_SUCCESS.
- `staleness_check`: reports or resolves "stale" (no new export for CALACCESS_STALE_DAYS).

Messages go to ADMINS by email (Django's mail settings) and to CALACCESS_NOTIFY_WEBHOOK as
Slack-compatible JSON ({"text": ...}). A channel that fails (mail server or webhook down, an
error answer) is logged and does not stop the caller; it has not taken the message, so the
next report tries it again, while a channel that took it is not sent it twice. Call these
outside any transaction that may roll back: a message cannot be taken back.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

import requests
from django.conf import settings
from django.core.mail import mail_admins
from django.db import transaction
from django.utils import timezone

from calaccess_archive.models import Problem, RawDataVersion
from calaccess_archive.selectors import BEAT_TICK_KEY, beat_tick_store, state_staleness
from processors.errors import one_line

logger = logging.getLogger(__name__)

STALE = "stale"
_BACK_TO_NORMAL = "back to normal: "


def problem_report(*, key: str, summary: str, release: RawDataVersion | None = None) -> bool:
    """Record that problem `key` is open with `summary`; send it unless every channel already took it.

    Returns whether a message went out now.
    """
    summary = one_line(summary, limit=1000)
    now = timezone.now()
    with transaction.atomic():
        problem, created = Problem.objects.select_for_update().get_or_create(
            key=key, defaults={"summary": summary, "release": release, "opened_at": now},
        )
        if not created:
            if problem.resolved_at is not None:  # it is back: a new opening, told anew
                problem.opened_at, problem.resolved_at = now, None
            problem.summary = summary
            if release is not None:
                problem.release = release
        sent = _problem_deliver(problem, message=summary, text=_problem_text(problem),
                                needs=lambda taken: taken != summary)
        problem.save()
    if sent:
        logger.info("event=problem_notified key=%s release=%s summary=%r", key, _slug(problem.release), summary)
    elif not _channels():
        logger.warning("event=problem_unsent key=%s reason='neither DJANGO_ADMINS nor CALACCESS_NOTIFY_WEBHOOK is set'"
                       " summary=%r", key, summary)
    return sent


def problem_resolved(*, key: str) -> bool:
    """Mark problem `key` resolved and send one "back to normal: ..." message; nothing if it is not open.

    The message goes to each channel whose last message was a problem: one never told of it
    hears nothing. A channel that fails is tried again by the next call. Returns whether a
    message went out now.
    """
    with transaction.atomic():
        problem = Problem.objects.select_for_update().filter(key=key).first()
        if problem is None:
            return False
        if problem.resolved_at is None:
            problem.resolved_at = timezone.now()
            logger.info("event=problem_resolved key=%s release=%s", key, _slug(problem.release))
        message = _BACK_TO_NORMAL + problem.summary
        sent = _problem_deliver(problem, message=message, text=f"calaccess-archive {message} ({key})",
                                needs=lambda taken: taken is not None and not taken.startswith(_BACK_TO_NORMAL))
        problem.save()
    return sent


def success_summary(*, release: RawDataVersion, summary: str) -> bool:
    """Send a one-line summary of a release that went through, when CALACCESS_NOTIFY_SUCCESS is on.

    Not recorded: the workflow calls it once, when the release is published. Returns whether
    a channel took it.
    """
    if not settings.CALACCESS_NOTIFY_SUCCESS:
        return False
    line = one_line(summary, limit=1000)
    sent = False
    for name, send in _channels().items():
        sent = _send(name, send, subject=line, text=f"calaccess-archive: {line}",
                     body=f"{line}\n\nRelease: {release.slug}\n") or sent
    return sent


def staleness_check(*, now: dt.datetime | None = None) -> dict:
    """Report "stale" when the state has published nothing for more than CALACCESS_STALE_DAYS, else resolve it.

    Returns {"days", "stale", "last_published", "stale_days", "notified"} (JSON-ready). The
    summary names the last export, not the count of days, so a stale week is one message.
    """
    staleness = state_staleness(now=now)
    if staleness["stale"]:
        last = dt.datetime.fromisoformat(staleness["last_published"]).astimezone(dt.UTC)
        summary = (f"the state has published no new CAL-ACCESS export since {last:%Y-%m-%d %H:%M} UTC"
                   f" (more than {staleness['stale_days']:g} days)")
        notified = problem_report(key=STALE, summary=summary)
    else:
        notified = problem_resolved(key=STALE)
    return {**staleness, "notified": notified}


def beat_tick_record(*, now: dt.datetime | None = None) -> None:
    """Keep the time of beat's tick, where /health/ reads it (tasks/heartbeat.py calls it from beat)."""
    beat_tick_store().set(BEAT_TICK_KEY, (now or timezone.now()).isoformat())


# --- delivery ---

Send = Callable[..., None]


def _channels() -> dict[str, Send]:
    """The channels configured now, by name."""
    channels = {}
    if settings.ADMINS:
        channels["email"] = _email_send
    if settings.CALACCESS_NOTIFY_WEBHOOK:
        channels["webhook"] = _webhook_send
    return channels


def _problem_deliver(problem: Problem, *, message: str, text: str, needs: Callable[[str | None], bool]) -> bool:
    """Send `message` to each configured channel that `needs` it (given the last message it took).

    Records which channels took it; returns whether one did.
    """
    configured = _channels()
    body = f"{message}\n\nProblem: {problem.key}, open since {problem.opened_at:%Y-%m-%d %H:%M} UTC\n"
    if problem.release is not None:
        body += f"Release: {problem.release.slug}\n"
    sent = False
    for name, send in configured.items():
        if needs(problem.delivered.get(name)) and _send(name, send, subject=f"{problem.key}: {message}",
                                                        text=text, body=body):
            problem.delivered = {**problem.delivered, name: message}
            sent = True
    if sent:
        problem.notified_at = timezone.now()
    if configured and not any(needs(problem.delivered.get(name)) for name in configured):
        problem.last_sent_summary = message
    return sent


def _send(name: str, send: Send, *, subject: str, text: str, body: str) -> bool:
    """One message through one channel; a channel that fails is logged, and False."""
    try:
        send(subject=subject, text=text, body=body)
    except OSError as error:  # smtplib's, socket's and requests' errors (refused, timeout, error answer)
        logger.warning("event=notify_failed channel=%s error=%r subject=%r", name, one_line(error), subject)
        return False
    return True


def _email_send(*, subject: str, text: str, body: str) -> None:
    mail_admins(one_line(subject, limit=200), body, fail_silently=False)


def _webhook_send(*, subject: str, text: str, body: str) -> None:
    response = requests.post(settings.CALACCESS_NOTIFY_WEBHOOK, json={"text": text},
                             timeout=settings.CALACCESS_NOTIFY_TIMEOUT)
    response.raise_for_status()


def _problem_text(problem: Problem) -> str:
    release = f", release {problem.release.slug}" if problem.release is not None else ""
    return f"calaccess-archive problem ({problem.key}{release}): {problem.summary}"


def _slug(release: RawDataVersion | None) -> str:
    return release.slug if release is not None else "-"
