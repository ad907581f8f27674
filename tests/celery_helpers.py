"""Real `celery -A calaccess_archive` processes for tests: started with an environment, output in a file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from celery.exceptions import TimeoutError as ResultTimeout

CELERY = str(Path(sys.executable).with_name("celery"))  # the environment's `celery` program


class CeleryProcess:
    """A `celery -A calaccess_archive <program>` process, its output in a file."""

    def __init__(self, *args: str, env: dict, directory: Path):
        self.log = directory / f"celery-{uuid.uuid4().hex[:8]}.log"
        with self.log.open("w") as out:
            # cwd outside the checkout: the app is found through PYTHONPATH, as in the image.
            self.process = subprocess.Popen(
                [CELERY, "-A", "calaccess_archive", *args],
                env=env, cwd=directory, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )

    def output(self) -> str:
        return self.log.read_text()

    def wait_for(self, result, *, timeout: float):
        """The task's result; fails at once, with the output, if the process ends first."""
        deadline = time.monotonic() + timeout
        while True:
            assert self.process.poll() is None, f"celery exited with {self.process.returncode}:\n{self.output()}"
            try:
                return result.get(timeout=1)
            except ResultTimeout:
                assert time.monotonic() < deadline, f"no result within {timeout} s:\n{self.output()}"
            except Exception as error:
                raise AssertionError(f"the task failed: {error!r}\n{self.output()}") from error

    def wait_for_line(self, text: str, *, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output():
            assert self.process.poll() is None, f"celery exited with {self.process.returncode}:\n{self.output()}"
            assert time.monotonic() < deadline, f"no {text!r} within {timeout} s:\n{self.output()}"
            time.sleep(0.2)

    def stop(self) -> int:
        """Warm shutdown on SIGTERM (what `docker stop` sends); SIGKILL to its group if it hangs."""
        if self.process.poll() is None:
            self.process.terminate()
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # the worker and its pool children
            self.process.wait()
            raise AssertionError(f"celery did not stop within 30 s of SIGTERM:\n{self.output()}")


@contextmanager
def celery_worker(*, env: dict, directory: Path, queue: str, name: str | None = None, concurrency: int = 1):
    """A prefork worker with a node name and a queue of its own (no other test run's worker takes its tasks)."""
    worker = CeleryProcess(
        "worker", "--pool=prefork", f"--concurrency={concurrency}", f"--hostname={name or 'test-' + queue}@%h",
        f"--queues={queue}",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
        env={**env, "CALACCESS_LOG_LEVEL": "INFO"}, directory=directory,
    )
    try:
        yield worker
    finally:
        worker.stop()
