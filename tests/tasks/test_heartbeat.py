"""Beat's heartbeat: what beat sends is recorded as its tick, in the result store's Redis; nothing else is."""

import uuid

import pytest
from celery.beat import ScheduleEntry, Scheduler
from django.utils import timezone

from calaccess_archive.beat_schedule import beat_schedule
from calaccess_archive.celery_app import app
from calaccess_archive.selectors import BEAT_TICK_KEY, beat_tick_latest, beat_tick_store
from tasks.heartbeat import beat_heartbeat_task


@pytest.fixture
def queue():
    """A queue of this test's own (no worker takes from it), removed afterwards with what it holds."""
    name = f"test-heartbeat-{uuid.uuid4().hex[:12]}"
    yield name
    with app.connection_for_write() as conn:
        client = conn.default_channel.client  # the broker's Redis: the queue's list and its bindings
        keys = list(client.scan_iter(match=f"*{name}*"))
        if keys:
            client.delete(*keys)


@pytest.fixture(autouse=True)
def _no_tick():
    beat_tick_store().delete(BEAT_TICK_KEY)
    yield
    beat_tick_store().delete(BEAT_TICK_KEY)


def test_what_beat_sends_is_its_tick_and_what_others_send_is_not(queue):
    beat_heartbeat_task.apply_async(queue=queue)  # a .delay() from a shell or a test
    assert beat_tick_latest() is None

    # Beat's own sending code (the Scheduler beat runs), with the schedule's entry.
    entry = beat_schedule()["beat-heartbeat"]
    scheduler = Scheduler(app, lazy=True)
    before = timezone.now()
    scheduler.apply_async(ScheduleEntry(name="beat-heartbeat", task=entry["task"], schedule=entry["schedule"],
                                        options={**entry["options"], "queue": queue}, app=app), advance=False)
    tick = beat_tick_latest()
    assert tick is not None and before <= tick <= timezone.now()
    assert beat_tick_store().get(BEAT_TICK_KEY).decode() == tick.isoformat()


def test_the_heartbeat_runs_every_minute_and_does_nothing_on_the_worker():
    entry = beat_schedule()["beat-heartbeat"]
    assert entry["schedule"].minute == set(range(60)) and entry["schedule"].hour == set(range(24))
    assert entry["options"]["expires"] < 60
    assert beat_heartbeat_task.apply().get() is None
    assert beat_tick_latest() is None  # run, not sent by beat: no tick
