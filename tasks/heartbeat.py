"""Beat's heartbeat, so /health/ can tell when beat last ticked.

Beat sends `beat_heartbeat_task` every minute (calaccess_archive/beat_schedule.py). The tick is
recorded by beat itself, as the message reaches the broker (Celery's `after_task_publish`
signal, sent in the publishing process; beat marks its messages with the `celery_beat_task`
header), so a worker busy with a long ingest does not make beat look dead. The time is kept
in the result store's Redis (`selectors.BEAT_TICK_KEY`), which web reads for /health/.
"""

from celery import shared_task, signals


@shared_task(ignore_result=True)
def beat_heartbeat_task() -> None:
    """Nothing to do on the worker: the message is the tick, recorded when beat sent it."""


@signals.after_task_publish.connect
def _beat_tick_record(sender=None, headers=None, **kwargs) -> None:
    if sender == beat_heartbeat_task.name and (headers or {}).get("celery_beat_task"):
        from processors.pipeline.notify import beat_tick_record

        beat_tick_record()
