"""Telling people once per problem, not once per retry: real mail to a local SMTP server, a real webhook POST."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
from django.conf import settings

from calaccess_archive.models import Problem, RawDataVersion, ReleaseCheck
from processors.pipeline.notify import problem_report, problem_resolved, staleness_check, success_summary
from tests.ingest_helpers import ROOT, subprocess_env
from tests.standins.notify import free_port

pytestmark = pytest.mark.django_db

FAILED = "release 2026-11-20_14-03-00 failed at load: RCPT_CD: PostgreSQL loaded 9 rows, the clean stage wrote 10"
NOW = dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC)


def release() -> RawDataVersion:
    return RawDataVersion.objects.create(release_datetime=dt.datetime(2026, 11, 20, 14, 3, tzinfo=dt.UTC), source="x")


def test_a_problem_reported_three_times_is_sent_once(channels):
    smtp, webhook = channels
    version = release()
    assert [problem_report(key="release-failed", summary=FAILED, release=version) for _ in range(3)] == [True, False, False]

    assert smtp.subjects() == [f"[calaccess-archive] release-failed: {FAILED}"]
    assert smtp.recipients == [["ops@example.org", "dev@example.org"]]
    assert smtp.messages[0]["From"] == "archiver@example.org"
    assert "Release: 2026-11-20_14-03-00" in smtp.messages[0].get_content()
    assert webhook.texts() == [f"calaccess-archive problem (release-failed, release 2026-11-20_14-03-00): {FAILED}"]
    problem = Problem.objects.get(key="release-failed")
    assert problem.is_open and problem.release == version and problem.notified_at is not None
    assert problem.last_sent_summary == FAILED
    assert problem.delivered == {"email": FAILED, "webhook": FAILED}


def test_a_failing_step_is_told_once_across_retries_and_back_to_normal_once(channels):
    """What the workflow does: every retry of a failing step reports it; the step going through resolves it."""
    smtp, webhook = channels
    version = release()
    version.error = "download: the CDN answered 503"  # what each failed attempt records
    sent = [problem_report(key="release-failed", summary=f"release {version.slug} failed: {version.error}",
                           release=version) for _attempt in range(3)]
    assert sent == [True, False, False]
    assert problem_resolved(key="release-failed") is True
    assert problem_resolved(key="release-failed") is False

    failed = "release 2026-11-20_14-03-00 failed: download: the CDN answered 503"
    assert smtp.subjects() == [f"[calaccess-archive] release-failed: {failed}",
                               f"[calaccess-archive] release-failed: back to normal: {failed}"]
    assert webhook.texts() == [f"calaccess-archive problem (release-failed, release 2026-11-20_14-03-00): {failed}",
                               f"calaccess-archive back to normal: {failed} (release-failed)"]
    assert Problem.objects.get(key="release-failed").resolved_at is not None


def test_a_changed_summary_is_sent_again(channels):
    smtp, webhook = channels
    other = FAILED.replace("at load", "at clean")
    sent = [problem_report(key="release-failed", summary=summary) for summary in (FAILED, FAILED, other, other)]
    assert sent == [True, False, True, False]
    assert smtp.subjects() == [f"[calaccess-archive] release-failed: {FAILED}", f"[calaccess-archive] release-failed: {other}"]
    assert len(webhook.texts()) == 2
    assert Problem.objects.get().summary == other


def test_back_to_normal_is_sent_once_and_a_problem_that_comes_back_is_told_again(channels):
    smtp, webhook = channels
    assert problem_resolved(key="release-failed") is False  # never reported: nothing to say
    problem_report(key="release-failed", summary=FAILED)
    assert problem_resolved(key="release-failed") is True
    assert problem_resolved(key="release-failed") is False
    assert problem_report(key="stale", summary="unrelated") is True  # keys are separate problems
    assert smtp.subjects()[:2] == [f"[calaccess-archive] release-failed: {FAILED}",
                                   f"[calaccess-archive] release-failed: back to normal: {FAILED}"]
    assert webhook.texts()[1] == f"calaccess-archive back to normal: {FAILED} (release-failed)"
    assert not Problem.objects.get(key="release-failed").is_open

    # The same failure again, after it was resolved: a new opening, told again, and resolved again.
    assert problem_report(key="release-failed", summary=FAILED) is True
    assert Problem.objects.get(key="release-failed").is_open
    assert problem_resolved(key="release-failed") is True
    assert len(smtp.messages) == len(webhook.texts()) == 5


@pytest.mark.parametrize("fault", ["answers 500", "refuses connections"])
def test_a_failing_webhook_does_not_stop_the_mail_and_is_tried_again(channels, settings, fault):
    smtp, webhook = channels
    if fault == "answers 500":
        webhook.fail_status = 500
    else:
        settings.CALACCESS_NOTIFY_WEBHOOK = f"http://127.0.0.1:{free_port()}/hook"
    assert problem_report(key="release-failed", summary=FAILED) is True  # the mail went
    problem = Problem.objects.get()
    assert problem.delivered == {"email": FAILED} and problem.last_sent_summary == ""
    assert len(smtp.messages) == 1 and webhook.texts() == []

    webhook.fail_status = None
    settings.CALACCESS_NOTIFY_WEBHOOK = webhook.url
    assert problem_report(key="release-failed", summary=FAILED) is True  # the webhook, now; no second mail
    assert problem_report(key="release-failed", summary=FAILED) is False
    assert len(smtp.messages) == 1 and len(webhook.texts()) == 1
    assert Problem.objects.get().last_sent_summary == FAILED


@pytest.mark.parametrize("fault", ["refuses the mail", "is down"])
def test_a_failing_mail_server_does_not_stop_the_webhook_and_is_tried_again(channels, settings, fault):
    smtp, webhook = channels
    if fault == "refuses the mail":
        smtp.refuse = True
    else:
        settings.EMAIL_PORT = free_port()
    assert problem_report(key="release-failed", summary=FAILED) is True  # the webhook took it
    assert Problem.objects.get().delivered == {"webhook": FAILED}
    assert smtp.messages == [] and len(webhook.texts()) == 1

    smtp.refuse = False
    settings.EMAIL_PORT = smtp.port
    assert problem_report(key="release-failed", summary=FAILED) is True
    assert problem_report(key="release-failed", summary=FAILED) is False
    assert len(smtp.messages) == 1 and len(webhook.texts()) == 1


def test_when_no_channel_takes_it_nobody_is_marked_told(channels):
    smtp, webhook = channels
    smtp.refuse, webhook.fail_status = True, 503
    assert problem_report(key="release-failed", summary=FAILED) is False
    problem = Problem.objects.get()
    assert problem.notified_at is None and problem.delivered == {}

    # Resolved before anyone heard of it: nothing to say, even once the channels work again.
    smtp.refuse, webhook.fail_status = False, None
    assert problem_resolved(key="release-failed") is False
    assert smtp.messages == [] and webhook.texts() == []
    assert not Problem.objects.get().is_open


def test_a_back_to_normal_that_failed_is_tried_again_where_it_failed(channels):
    smtp, webhook = channels
    problem_report(key="release-failed", summary=FAILED)
    smtp.refuse = True
    assert problem_resolved(key="release-failed") is True  # the webhook took it
    smtp.refuse = False
    assert problem_resolved(key="release-failed") is True  # the mail, now
    assert problem_resolved(key="release-failed") is False
    assert smtp.subjects() == [f"[calaccess-archive] release-failed: {FAILED}",
                               f"[calaccess-archive] release-failed: back to normal: {FAILED}"]
    assert len(webhook.texts()) == 2


def test_without_channels_a_problem_is_recorded_and_logged(settings, caplog):
    settings.ADMINS, settings.CALACCESS_NOTIFY_WEBHOOK = [], ""
    assert problem_report(key="release-failed", summary=FAILED) is False
    assert Problem.objects.get().is_open
    assert "event=problem_unsent key=release-failed" in caplog.text


def test_staleness_is_told_once_and_back_to_normal_once_a_new_release_appears(channels):
    smtp, webhook = channels
    ReleaseCheck.objects.create(source=settings.CALACCESS_EXPORT_URL, outcome=ReleaseCheck.Outcome.UP_TO_DATE, last_modified=NOW - dt.timedelta(days=5))
    ReleaseCheck.objects.create(source=settings.CALACCESS_EXPORT_URL, outcome=ReleaseCheck.Outcome.FAILED, error="timeout")  # no answer: no date

    checks = [staleness_check(now=NOW + dt.timedelta(hours=hours)) for hours in (0, 1, 24, 48)]
    assert [(c["days"], c["stale"], c["notified"]) for c in checks] == [
        (5.0, True, True), (5.04, True, False), (6.0, True, False), (7.0, True, False)
    ]
    summary = "the state has published no new CAL-ACCESS export since 2026-11-26 15:00 UTC (more than 3 days)"
    assert smtp.subjects() == [f"[calaccess-archive] stale: {summary}"]
    assert webhook.texts() == [f"calaccess-archive problem (stale): {summary}"]

    # A backfilled or ingested release counts as published, like a check's Last-Modified.
    RawDataVersion.objects.create(release_datetime=NOW + dt.timedelta(days=2), source="x")
    back = staleness_check(now=NOW + dt.timedelta(days=2, hours=1))
    assert (back["days"], back["stale"], back["notified"]) == (0.04, False, True)
    assert staleness_check(now=NOW + dt.timedelta(days=2, hours=2))["notified"] is False
    assert smtp.subjects()[1:] == [f"[calaccess-archive] stale: back to normal: {summary}"]
    assert len(webhook.texts()) == 2


def test_staleness_follows_the_setting_and_a_new_deployment_is_not_stale(channels, settings):
    smtp, webhook = channels
    assert staleness_check(now=NOW) == {"last_published": None, "days": None, "stale_days": 3.0, "stale": False,
                                        "notified": False}
    ReleaseCheck.objects.create(source=settings.CALACCESS_EXPORT_URL, outcome=ReleaseCheck.Outcome.NEW, last_modified=NOW - dt.timedelta(days=2.9))
    assert staleness_check(now=NOW)["stale"] is False
    settings.CALACCESS_STALE_DAYS = 2
    assert staleness_check(now=NOW)["stale"] is True
    settings.CALACCESS_STALE_DAYS = 7
    assert staleness_check(now=NOW)["notified"] is True  # resolved: back to normal
    assert len(smtp.messages) == len(webhook.texts()) == 2
    assert not Problem.objects.filter(resolved_at__isnull=True).exists()


def test_a_success_summary_is_sent_only_when_asked_for(channels, settings):
    smtp, webhook = channels
    version = release()
    line = "release 2026-11-20_14-03-00 published: 80 tables, 12,345,678 records, 17 quarantined"
    assert success_summary(release=version, summary=line) is False  # CALACCESS_NOTIFY_SUCCESS is off by default
    assert smtp.messages == [] and webhook.texts() == []
    settings.CALACCESS_NOTIFY_SUCCESS = True
    assert success_summary(release=version, summary=line) is True
    assert smtp.subjects() == [f"[calaccess-archive] {line}"]
    assert webhook.texts() == [f"calaccess-archive: {line}"]
    webhook.fail_status = 500
    smtp.refuse = True
    assert success_summary(release=version, summary=line) is False  # logged, not raised


def test_admins_are_read_from_django_admins(tmp_path):
    env = {**subprocess_env(tmp_path / "data"), "DJANGO_ADMINS": '"Doe, Jane" <jane@example.org>, ops@example.org'}
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.ADMINS)"],
        env={**env, "DJANGO_SETTINGS_MODULE": "calaccess_archive.settings"}, cwd=ROOT,
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[('Doe, Jane', 'jane@example.org'), ('', 'ops@example.org')]"


def test_problems_are_in_the_admin(admin_client, settings):
    settings.ADMINS, settings.CALACCESS_NOTIFY_WEBHOOK = [], ""
    problem_report(key="release-failed", summary=FAILED, release=release())
    page = admin_client.get("/admin/calaccess_archive/problem/")
    assert page.status_code == 200 and "release-failed" in page.content.decode()
    problem = Problem.objects.get()
    assert admin_client.get(f"/admin/calaccess_archive/problem/{problem.pk}/change/").status_code == 200


def test_a_backfilled_copy_does_not_make_the_state_look_fresh(settings):
    """A backfill's check answers with a copy's mtime or upload time, not when the state published."""
    from calaccess_archive.selectors import state_staleness

    ReleaseCheck.objects.create(source=settings.CALACCESS_EXPORT_URL, outcome=ReleaseCheck.Outcome.UP_TO_DATE,
                                last_modified=NOW - dt.timedelta(days=5))
    ReleaseCheck.objects.create(source="/tmp/old-export.zip", outcome=ReleaseCheck.Outcome.NEW, last_modified=NOW)
    assert state_staleness(now=NOW)["stale"] and state_staleness(now=NOW)["days"] == 5.0
