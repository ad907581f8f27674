"""The Celery side of bench/nightly: worker processes started as a deployment runs them, and the wait for
the release to be published."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import sys
from pathlib import Path

CELERY = str(Path(sys.executable).with_name("celery"))  # the environment's `celery` program


class BenchFailed(Exception):
    """The workflow did not publish the release: the run's figures mean nothing."""


class Worker:
    """One `celery -A calaccess_archive worker` process (its own session), its output in a file."""

    def __init__(self, *, name: str, concurrency: int, queue: str, env: dict, directory: Path):
        self.name, self.node = name, f"{name}@{socket.gethostname()}"
        self.log = directory / f"celery-{name}.log"
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                [CELERY, "-A", "calaccess_archive", "worker", "--pool=prefork", f"--concurrency={concurrency}",
                 "-n", f"{name}@%h", f"--queues={queue}"],
                env=env, cwd=directory, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def output(self, tail: int = 4000) -> str:
        try:
            return self.log.read_text()[-tail:]
        except OSError:
            return ""

    def stop(self) -> None:
        """SIGTERM (warm shutdown, as `docker stop`); SIGKILL to its process group after 30 s."""
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            print(f"{self.name}: no exit within 30 s of SIGTERM; SIGKILL to its process group", flush=True)
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def workers_ready(app, workers: list[Worker], *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    waiting = {w.node for w in workers}
    while waiting:
        for worker in workers:
            if worker.process.poll() is not None:
                raise BenchFailed(f"{worker.name} exited with {worker.process.returncode}:\n{worker.output()}")
        replies = app.control.ping(destination=sorted(waiting), timeout=1.0) or []
        for reply in replies:
            waiting -= set(reply)
        if waiting and time.monotonic() > deadline:
            raise BenchFailed(f"worker(s) {' '.join(sorted(waiting))} not ready within {timeout:.0f} s:\n"
                              + "\n".join(w.output() for w in workers))


def published_wait(*, check, workers: list[Worker], timeout: float):
    """Poll the database until the release is published; BenchFailed when a step failed, the check did not
    start a run, the run gave its lease up unpublished, or a worker exited."""
    from calaccess_archive.models import RawDataVersion, StageRun
    from processors.pipeline.lease import lease_current

    deadline = time.monotonic() + timeout
    logs = lambda: "\n".join(f"--- {w.name}'s output (tail):\n{w.output()}" for w in workers)  # noqa: E731
    without_lease = None
    while True:
        version = RawDataVersion.objects.filter(published_at__isnull=False).first()
        if version is not None:
            return version
        failed = StageRun.objects.filter(status="failed").first()
        if failed is not None:
            raise BenchFailed(f"step {failed.stage} failed: {failed.error}\n{logs()}")
        for worker in workers:
            if worker.process.poll() is not None:
                raise BenchFailed(f"{worker.name} exited with {worker.process.returncode}\n{logs()}")
        if check.ready():
            outcome = check.get(propagate=False)
            if not isinstance(outcome, dict) or outcome.get("outcome") != "started":
                raise BenchFailed(f"nightly_check_task did not start a run: {outcome!r}\n{logs()}")
            if lease_current() is None:  # the run ended; publish sets published_at before it lets go
                without_lease = without_lease or time.monotonic()
                if time.monotonic() - without_lease > 5 and not RawDataVersion.objects.filter(
                        published_at__isnull=False).exists():
                    raise BenchFailed(f"the run gave its lease up without publishing\n{logs()}")
            else:
                without_lease = None
        if time.monotonic() > deadline:
            raise BenchFailed(f"not published within {timeout:.0f} s\n{logs()}")
        time.sleep(0.5)
