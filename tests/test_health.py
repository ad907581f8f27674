"""/health/ for uptime monitors: 200 when the database, the broker, beat's tick and the state's exports are fine, else 503."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from calaccess_archive.models import ReleaseCheck
from calaccess_archive.selectors import BEAT_TICK_KEY, beat_tick_store
from processors.pipeline.notify import beat_tick_record
from tests.standins.notify import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def all_good():
    """A tick from beat just now and an export from the state yesterday; no tick left afterwards."""
    beat_tick_record()
    ReleaseCheck.objects.create(source=settings.CALACCESS_EXPORT_URL, outcome=ReleaseCheck.Outcome.UP_TO_DATE,
                                last_modified=timezone.now() - dt.timedelta(days=1))
    yield
    beat_tick_store().delete(BEAT_TICK_KEY)


def health(client, expected: int) -> dict:
    response = client.get("/health/")
    assert response.status_code == expected, response.content
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    body = response.json()
    assert set(body["checks"]) == {"database", "broker", "beat", "staleness"}
    return body


def failing(body: dict) -> set[str]:
    return {name for name, check in body["checks"].items() if not check["ok"]}


def test_all_good_is_200(client):
    body = health(client, 200)
    assert body["status"] == "ok" and failing(body) == set()
    assert body["checks"]["beat"]["seconds"] < 60
    assert 1 <= body["checks"]["staleness"]["days"] < 1.01
    assert client.head("/health/").status_code == 200
    assert client.post("/health/").status_code == 405


def test_an_unreachable_broker_is_503(client, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    body = health(client, 503)
    assert body["status"] == "unhealthy" and failing(body) == {"broker"}
    assert "refused" in body["checks"]["broker"]["error"].lower()


def test_an_old_beat_tick_is_503_and_the_limit_is_a_setting(client, settings):
    beat_tick_record(now=timezone.now() - dt.timedelta(seconds=400))
    body = health(client, 503)
    assert failing(body) == {"beat"} and body["checks"]["beat"]["seconds"] >= 400
    settings.CALACCESS_BEAT_STALE_SECONDS = 600
    assert health(client, 200)["checks"]["beat"]["stale_seconds"] == 600


def test_beat_that_never_ticked_is_503(client):
    beat_tick_store().delete(BEAT_TICK_KEY)
    body = health(client, 503)
    assert failing(body) == {"beat"} and body["checks"]["beat"]["error"] == "beat has never ticked"


def test_stale_data_is_503(client, settings):
    ReleaseCheck.objects.update(last_modified=timezone.now() - dt.timedelta(days=4))
    body = health(client, 503)
    assert failing(body) == {"staleness"}
    assert body["checks"]["staleness"]["stale"] is True and body["checks"]["staleness"]["days"] >= 4
    settings.CALACCESS_STALE_DAYS = 5
    health(client, 200)
