"""The daily staleness task: its body, run eagerly, reports "stale" once and returns JSON."""

import datetime as dt
import json

import pytest
from django.conf import settings
from django.utils import timezone

from calaccess_archive.beat_schedule import beat_schedule
from calaccess_archive.models import Problem, ReleaseCheck
from tasks.staleness import staleness_check_task
from tests.standins.notify import WebhookStandIn


@pytest.mark.django_db
def test_the_staleness_task_reports_once_and_returns_json(settings):
    settings.ADMINS = []
    ReleaseCheck.objects.create(source=settings.CALACCESS_EXPORT_URL, outcome=ReleaseCheck.Outcome.UP_TO_DATE,
                                last_modified=timezone.now() - dt.timedelta(days=4))
    with WebhookStandIn() as webhook:
        settings.CALACCESS_NOTIFY_WEBHOOK = webhook.url
        first, second = staleness_check_task.apply().get(), staleness_check_task.apply().get()
    assert json.loads(json.dumps(first)) == first
    assert (first["stale"], first["notified"], second["notified"]) == (True, True, False)
    assert 4 <= first["days"] < 4.01
    assert len(webhook.texts()) == 1 and Problem.objects.get().key == "stale"


def test_the_staleness_task_is_scheduled_daily():
    entry = beat_schedule()["staleness-check"]
    assert entry["task"] == "tasks.staleness.staleness_check_task"
    assert entry["schedule"].hour == {15} and entry["schedule"].minute == {0}
