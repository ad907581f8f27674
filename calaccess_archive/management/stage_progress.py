"""Progress of a multi-stage run: bars on a terminal, structured log lines otherwise."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator

logger = logging.getLogger("calaccess_archive.progress")

# Log lines at most this often per stage when not on a terminal.
LOG_EVERY_SECONDS = 10.0


@contextlib.contextmanager
def stage_progress(*, terminal: bool) -> Iterator:
    """A callable (stage, done, total) for processors.pipeline.ingest, shown as bars or log lines."""
    if terminal:
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TimeElapsedColumn

        with Progress("{task.description:<10}", BarColumn(), TaskProgressColumn(), TimeElapsedColumn()) as bars:
            tasks: dict[str, int] = {}

            def on_progress(stage: str, done: int, total: int | None) -> None:
                if stage not in tasks:
                    tasks[stage] = bars.add_task(stage, total=total)
                elif total is not None:
                    bars.update(tasks[stage], total=total)
                bars.advance(tasks[stage], done)

            yield on_progress
        return

    state: dict[str, list] = {}

    def on_log(stage: str, done: int, total: int | None) -> None:
        done_so_far, last, _ = state.get(stage, [0, 0.0, total])
        done_so_far += done
        now = time.monotonic()
        state[stage] = [done_so_far, last, total]
        if now - last >= LOG_EVERY_SECONDS or (total and done_so_far >= total):
            state[stage][1] = now
            logger.info("stage=%s done=%d total=%s", stage, done_so_far, total if total else "unknown")

    yield on_log
