"""The whole nightly workflow, in process and through Celery (see bench/nightly): prints figures, asserts
nothing about time.

Run without --child, this script only orchestrates: it makes sure the sample export exists (generated once,
in a child process, and cached under the name bench/process_bench.py uses, so the two share it), waits for
the machine to be quiet (no process matching BENCH_QUIET_PATTERN: test runs and other benchmarks share the
cores), then runs each mode in a child process of its own, so that every peak memory figure belongs to that
mode alone, and prints the comparison. A run says whether the machine stayed quiet: no such process showed
up, and other processes used less than BENCH_QUIET_CPU (0.1) cores on average (CPU time read from /proc).

Each mode runs on a fresh throwaway database and data folder (local archive storage, the default), migrated
by a separate `manage.py migrate` process (the memory migrations take is not the workflow's).

- inprocess: `nightly_run(source=<zip>)` in the child (what `manage.py nightly` does, without the bars).
- celery: `celery -A calaccess_archive worker` processes with the environment a deployment gives them,
  BENCH_CELERY_WORKERS of them ("1x2", the default: one worker with --concurrency=2, as docker-compose.yml
  runs on one machine; "2x1": two workers of concurrency 1), then `nightly_check_task.delay(source=<zip>)`,
  and the database is polled until the release is published (or a step failed).

Seconds per step are the StageRun rows' (finished_at - started_at). The total runs from just before the call
(in process) or the send (Celery) to the publish step's finish, so it also holds the release check and,
through Celery, every hand-over from one task to the next ("between steps").

Peak memory is VmHWM: of our processes (and their children) and of the PostgreSQL backends serving the bench
database, sampled from /proc every BENCH_SAMPLE_SECONDS (0.5) while the run lasts, plus a last read before
the Celery workers stop. A process that ends between two samples may have peaked after the last one
(PostgreSQL backends live one task, or one table's load); the in-process pool workers' own figures come
from the IngestReport. A backend's VmHWM counts the shared buffers it touched.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from bench_db import CACHE, database_drop, database_fresh, server_urls
from process_bench import generator_version

ROOT = Path(__file__).resolve().parent.parent
CELERY = str(Path(sys.executable).with_name("celery"))  # the environment's `celery` program
DATABASE = os.environ.get("BENCH_NIGHTLY_DATABASE", "calaccess_bench_nightly")
MODES = ("inprocess", "celery")
STEPS = ("download", "clean", "load", "process", "package", "upload", "verify", "publish")
# A Redis database number no test run uses (theirs is 15, a deployment's 0): it is flushed before and after.
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
SAMPLE_SECONDS = float(os.environ.get("BENCH_SAMPLE_SECONDS", "0.5"))
TIMEOUT = float(os.environ.get("BENCH_NIGHTLY_TIMEOUT", "7200"))
# Processes of other work sharing the cores: a figure measured while one runs is not valid.
# (an extended regular expression for `pgrep -f`: test runs and the other benchmarks; not our own processes)
QUIET_PATTERN = os.environ.get("BENCH_QUIET_PATTERN", r"pytest|_bench\.py")
QUIET_WAIT = float(os.environ.get("BENCH_QUIET_WAIT", "900"))
QUIET_POLL = 30.0
# Cores other processes may use on average during a run that still counts as measured on a quiet machine.
QUIET_CPU = float(os.environ.get("BENCH_QUIET_CPU", "0.1"))

GENERATE = """
import sys
from pathlib import Path
import django
django.setup()
from calaccess_archive.raw_schemas import raw_table_schemas
from processors.sample.export import sample_export_write
path, answers = Path(sys.argv[1]), Path(sys.argv[2])
sample_export_write(schemas=raw_table_schemas(), path=path, records=int(sys.argv[3]), seed=int(sys.argv[4]),
                    dirt_rate=float(sys.argv[5]), answer_key_path=answers)
"""


class BenchFailed(Exception):
    """The workflow did not publish the release: the run's figures mean nothing."""


# ---------------------------------------------------------------- the machine and its processes


def busy_pids() -> list[str] | None:
    """Pids of processes matching BENCH_QUIET_PATTERN (not ours); None when pgrep is missing."""
    if not QUIET_PATTERN:
        return []
    try:
        found = subprocess.run(["pgrep", "-f", QUIET_PATTERN], capture_output=True, text=True).stdout.split()
    except FileNotFoundError:
        return None
    ours = {str(pid) for pid in proc_ancestors()}
    return [pid for pid in found if pid not in ours]


def proc_ancestors() -> list[int]:
    """This process and its ancestors (the orchestrator, bench/nightly...)."""
    pids, pid = [], os.getpid()
    while pid > 1:
        pids.append(pid)
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            break
    return pids


def machine_busy_cores(seconds: float = 3.0) -> float:
    """Cores the whole machine kept busy over the next `seconds` (from /proc/stat; iowait counts as idle)."""
    def busy_and_all() -> tuple[int, int]:
        fields = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        return sum(fields) - fields[3] - fields[4], sum(fields)

    try:
        busy0, all0 = busy_and_all()
        time.sleep(seconds)
        busy1, all1 = busy_and_all()
    except (OSError, ValueError):
        return 0.0
    return (busy1 - busy0) / max(all1 - all0, 1) * (os.cpu_count() or 1)


def quiet_wait() -> bool | None:
    """Wait (polling every 30 s, up to BENCH_QUIET_WAIT) until no other work runs (no BENCH_QUIET_PATTERN
    process, and the machine idle but for 2 x BENCH_QUIET_CPU cores); whether it is quiet."""
    deadline = time.monotonic() + QUIET_WAIT
    while True:
        busy = busy_pids()
        if busy is None:
            print("machine quiet: unknown (no pgrep)", flush=True)
            return None
        cores = machine_busy_cores()
        if not busy and cores < 2 * QUIET_CPU:
            return True
        why = (f"{QUIET_PATTERN!r} processes {' '.join(busy)} run" if busy else
               f"other processes keep {cores:.2f} cores busy")
        if time.monotonic() >= deadline:
            print(f"machine NOT quiet after {QUIET_WAIT:.0f} s: {why}; measuring anyway: the figures are not valid",
                  flush=True)
            return False
        print(f"waiting for quiet: {why} (load {os.getloadavg()[0]:.2f}); next look in {QUIET_POLL:.0f} s",
              flush=True)
        time.sleep(QUIET_POLL)


def proc_status(pid: int) -> dict:
    """VmHWM and VmRSS of a process in MB ({} when it is gone or unreadable)."""
    found = {}
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(("VmHWM:", "VmRSS:")):
                    found[line[:5]] = int(line.split()[1]) / 1024
    except OSError:
        pass
    return found


def proc_children(pid: int) -> list[int]:
    children = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            try:
                children += [int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
            except OSError:
                pass
    except OSError:
        pass
    return children


def proc_cpu(pid: int) -> tuple[str, int] | None:
    """(comm, utime + stime in clock ticks) of a process; None when it is gone."""
    try:
        head, tail = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)
        fields = tail.split()
        return head.split("(", 1)[1], int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return None


def proc_pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


class CpuWatch:
    """Whose CPU time the run's seconds saw: ours (the processes under the sampler's roots, this process,
    the PostgreSQL backends on the bench database and their parallel workers), the shared servers'
    (PostgreSQL's own processes, Redis, kernel threads) and other work's, from /proc at every sample. A
    process that lives less than one sample interval is missed."""

    SERVERS = ("redis-server", "postgres", "kworker", "ksoftirqd", "kswapd", "kcompactd", "jbd2", "kdamond")

    def __init__(self, database: str):
        self.database = database
        self.first: dict[int, int] = {}  # pid -> CPU ticks when first seen (0 for a process born in the run)
        self.last: dict[int, int] = {}
        self.kind: dict[int, str] = {}  # pid -> ours / server / other
        self.names: dict[int, str] = {}
        self.began = time.monotonic()
        self.initial = True

    def _kind(self, pid: int, comm: str, ours: set[int]) -> str:
        if pid in ours:
            return "ours"
        cmdline = proc_cmdline(pid)
        if comm == "postgres" or cmdline.startswith("postgres"):
            if f" {self.database} " in cmdline:
                return "ours"
            if "parallel worker for PID" in cmdline:
                leader = cmdline.split()[-1]
                return "ours" if leader.isdigit() and self.kind.get(int(leader)) == "ours" else "other"
            return "server" if " postgres " not in cmdline.split(":", 2)[-1] else "other"
        if comm.startswith(self.SERVERS) or not cmdline:  # no cmdline: a kernel thread
            return "server"
        return "other"

    def sample(self, ours: set[int]) -> None:
        for pid in proc_pids():
            found = proc_cpu(pid)
            if found is None:
                continue
            comm, ticks = found
            if pid not in self.first:
                self.first[pid] = ticks if self.initial else 0
                self.names[pid] = proc_cmdline(pid)[:100] or comm
            if self.kind.get(pid) != "ours":  # a backend's title names its database once it has connected
                self.kind[pid] = self._kind(pid, comm, ours)
            self.last[pid] = ticks
        self.initial = False

    def cores(self) -> dict:
        """Average cores used over the run, by kind, and the other processes that used the most."""
        seconds = max(time.monotonic() - self.began, 1e-9)
        ticks = os.sysconf("SC_CLK_TCK")
        used = {"ours": 0.0, "server": 0.0, "other": 0.0}
        others = []
        for pid, last in self.last.items():
            share = (last - self.first[pid]) / ticks / seconds
            used[self.kind[pid]] += share
            if self.kind[pid] == "other" and share >= 0.01:
                others.append((share, pid, self.names[pid]))
        used["top_other"] = [f"{pid} {name} ({share:.2f} cores)" for share, pid, name in sorted(others)[::-1][:3]]
        return used


def proc_cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class Sampler:
    """Peak memory (VmHWM) of every process under `roots` ({pid: role}) and of the PostgreSQL backends on
    `database`, sampled every SAMPLE_SECONDS; also the largest sum of our processes' VmRSS at one moment,
    and whether other work showed up while it ran (a BENCH_QUIET_PATTERN process, or other processes'
    CPU time: `quiet`)."""

    def __init__(self, *, roots: dict[int, str], child_role, admin_url: str, database: str,
                 backend_roles: dict[int, str] | None = None, backends_skipped: frozenset = frozenset()):
        self.roots, self.child_role = roots, child_role
        self.backend_roles, self.backends_skipped = backend_roles or {}, backends_skipped
        self.admin_url, self.database = admin_url, database
        self.peaks: dict[int, dict] = {}  # pid -> {"role", "mb"}
        self.backends: dict[int, dict] = {}  # pid -> {"role", "mb"}
        self.together_mb = 0.0
        self.busy_seen: list[str] = []
        self._halt = threading.Event()
        self._conn = None
        self._last_busy_check = 0.0
        self._began = time.monotonic()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._own_backends = set(backends_skipped)  # this process's own connections: its CPU is ours
        self.cpu = CpuWatch(database)
        self.cpu.sample(set(self.roots) | set(proc_ancestors()))

    def _ours(self):
        todo = [(pid, role) for pid, role in self.roots.items()]
        while todo:
            pid, role = todo.pop()
            yield pid, role
            todo += [(child, self.child_role(child, role)) for child in proc_children(pid)]

    def _record(self, table: dict, pid: int, role: str, mb: float) -> None:
        if mb > table.get(pid, {}).get("mb", 0.0):
            table[pid] = {"role": role, "mb": mb}

    def sample(self) -> None:
        together = 0.0
        ours = set(proc_ancestors()) | self._own_backends
        for pid, role in self._ours():
            ours.add(pid)
            status = proc_status(pid)
            self._record(self.peaks, pid, role, status.get("VmHWM", 0.0))
            together += status.get("VmRSS", 0.0)
        self.together_mb = max(self.together_mb, together)
        self.cpu.sample(ours)
        try:
            if self._conn is None:
                import psycopg

                self._conn = psycopg.connect(self.admin_url, autocommit=True)
                self._own_backends.add(self._conn.execute("SELECT pg_backend_pid()").fetchone()[0])
            rows = self._conn.execute(
                "SELECT pid, coalesce(backend_type, '') FROM pg_stat_activity WHERE datname = %s",
                [self.database]).fetchall()
        except Exception:  # the server's view is a nicety; the figures of our processes still stand
            rows = []
        for pid, kind in rows:
            if pid not in self.backends_skipped:
                role = self.backend_roles.get(pid, kind or "backend")
                self._record(self.backends, pid, role, proc_status(pid).get("VmHWM", 0.0))
        if time.monotonic() - self._last_busy_check >= 5:
            self._last_busy_check = time.monotonic()
            busy = busy_pids() or []
            if busy and not self.busy_seen:
                self.busy_seen = [f"+{time.monotonic() - self._began:.0f}s: "
                                  + "; ".join(f"{pid} {proc_cmdline(int(pid))[:100]}" for pid in busy)]

    def start(self) -> None:
        self._thread.start()

    def quiet(self) -> tuple[bool, str]:
        """Whether no other work ran beside ours, and the line that says so."""
        cores = self.cpu.cores()
        line = (f"CPU over the run: ours {cores['ours']:.2f} cores, shared servers' {cores['server']:.2f}, "
                f"other work's {cores['other']:.2f} (of {os.cpu_count()})")
        if cores["top_other"]:
            line += "; most: " + "; ".join(cores["top_other"])
        if self.busy_seen:
            line += f"; {QUIET_PATTERN!r} seen at {self.busy_seen[0]}"
        return not self.busy_seen and cores["other"] < QUIET_CPU, line

    def _loop(self) -> None:
        while not self._halt.wait(SAMPLE_SECONDS):
            self.sample()

    def finish(self) -> None:
        self._halt.set()
        self._thread.join()
        self.sample()
        if self._conn is not None:
            self._conn.close()


def peaks_line(peaks: dict[int, dict]) -> str:
    return ", ".join(f"{p['role']} {p['mb']:.0f} MB" for _, p in sorted(peaks.items(), key=lambda kv: kv[1]["role"]))


def backends_line(backends: dict[int, dict]) -> str:
    if not backends:
        return "PostgreSQL backends: none seen (a remote server, or /proc unreadable)"
    roles: dict[str, list[float]] = {}
    for backend in backends.values():
        roles.setdefault(backend["role"], []).append(backend["mb"])
    shown = "; ".join(f"{role}s: {len(mbs)}, largest {max(mbs):.0f} MB, median {sorted(mbs)[len(mbs) // 2]:.0f} MB"
                      if len(mbs) > 1 else f"{role} {mbs[0]:.0f} MB" for role, mbs in sorted(roles.items()))
    return f"PostgreSQL backends on the bench database (VmHWM, with the shared buffers each touched): {shown}"


# ---------------------------------------------------------------- the orchestrator


def export_ensure(records: int, seed: int, dirt_rate: float) -> Path:
    export = CACHE / f"process-export-{records}-{seed}-{dirt_rate}-{generator_version()}.zip"
    if export.exists():
        return export
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = export.with_name(export.stem + ".partial.zip")
    started = time.monotonic()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "calaccess_archive.settings",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    subprocess.run([sys.executable, "-c", GENERATE, str(partial), str(export.with_suffix(".answers.jsonl")),
                    str(records), str(seed), str(dirt_rate)], env=env, check=True)
    partial.replace(export)
    print(f"generated {records:,} records in {time.monotonic() - started:.1f}s -> {export}", flush=True)
    return export


def comparison_print(results: dict) -> None:
    inproc, celery = results["inprocess"], results["celery"]
    print(f"{'step':<14}{'in process':>12}{'Celery':>10}{'ratio':>8}")
    for step in (*STEPS, "between steps", "total"):
        a = inproc["seconds"].get(step, 0.0)
        b = celery["seconds"].get(step, 0.0)
        ratio = f"{b / a:>8.2f}" if a >= 0.05 else f"{'':>8}"
        print(f"{step:<14}{a:>10.1f} s{b:>8.1f} s{ratio}")
    ratio = celery["seconds"]["total"] / inproc["seconds"]["total"]
    quiet = "yes" if inproc["quiet"] and celery["quiet"] else "NO (figures not valid)"
    print(f"Celery total / in-process total: {celery['seconds']['total']:.1f} s / {inproc['seconds']['total']:.1f} s "
          f"= {ratio:.2f} (target <= 1.10); {inproc['records']:,} records; machine quiet: {quiet}", flush=True)


def orchestrate(args) -> int:
    modes = args.modes.split()
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        print(f"unknown mode(s) {' '.join(unknown)}; BENCH_NIGHTLY_MODES takes {' '.join(MODES)}", file=sys.stderr)
        return 2
    export = export_ensure(args.records, args.seed, args.dirt_rate)
    print(f"export: {export} ({export.stat().st_size / 2**20:.0f} MB)", flush=True)
    results, failed = {}, []
    for mode in modes:
        quiet = quiet_wait()
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
            result_path = Path(out.name)
        try:
            code = subprocess.run([sys.executable, __file__, "--child", mode, "--records", str(args.records),
                                   "--export", str(export), "--result", str(result_path),
                                   "--quiet-before", json.dumps(quiet)]).returncode
            if code != 0:
                failed.append(mode)
                print(f"{mode}: the run failed (exit {code}); no figures", flush=True)
                continue
            results[mode] = json.loads(result_path.read_text())
        finally:
            result_path.unlink(missing_ok=True)
    if len(results) == 2:
        comparison_print(results)
    return 1 if failed else 0


# ---------------------------------------------------------------- one mode, in a child process


def stage_seconds(version, started) -> dict:
    """{step: seconds} of the release's StageRun rows, "between steps" and "total" (from `started` to the
    publish step's finish)."""
    runs = {run.stage: run for run in version.stages.all()}
    seconds = {step: (runs[step].finished_at - runs[step].started_at).total_seconds()
               for step in STEPS if step in runs and runs[step].finished_at}
    seconds["total"] = (runs["publish"].finished_at - started).total_seconds()
    seconds["between steps"] = seconds["total"] - sum(seconds.get(step, 0.0) for step in STEPS)
    return seconds


def figures_print(*, mode: str, label: str, records: int, version, seconds: dict, quiet: bool, cpu_line: str,
                  slots: int) -> int:
    files = list(version.files.all())
    records_in = sum(f.records_in or 0 for f in files)
    loaded = sum(f.records_loaded or 0 for f in files)
    archived = version.archived_files.count()
    print(f"nightly, {label}: {records:,} records asked, {records_in:,} in the export's tables, {loaded:,} loaded; "
          f"{archived} files archived and verified; release {version.slug}")
    for step in STEPS:
        print(f"  {step:<14}{seconds.get(step, 0.0):>8.1f} s")
    print(f"  {'between steps':<14}{seconds['between steps']:>8.1f} s  (the release check"
          f"{', and every hand-over from one task to the next' if mode == 'celery' else ''})")
    for stage in ("clean", "load"):
        spans = sorted(((getattr(f, f"{stage}_finished_at") - getattr(f, f"{stage}_started_at")).total_seconds(),
                        f.table) for f in files if getattr(f, f"{stage}_started_at") and getattr(f, f"{stage}_finished_at"))
        busy = sum(span for span, _ in spans)
        engines = {}
        for f in files:
            engines[getattr(f, f"{stage}_engine") or "?"] = engines.get(getattr(f, f"{stage}_engine") or "?", 0) + 1
        top = ", ".join(f"{table} {span:.1f}s" for span, table in spans[::-1][:3])
        print(f"    {stage}: the tables' own seconds add up to {busy:.1f} s, {slots} at a time: busy "
              f"{busy / max(seconds.get(stage, 0.0) * slots, 1e-9):.0%}; engines "
              f"{', '.join(f'{e} {n}' for e, n in sorted(engines.items()))}; longest: {top}")
    total = seconds["total"]
    print(f"{'total':<16}{total:>8.1f} s {records_in / total:>12,.0f} records/s  (download to verified local "
          f"archive, published)")
    print(f"machine quiet: {'yes' if quiet else 'NO: the figures are not valid'} ({cpu_line})")
    return records_in


def backend_pid() -> int:
    """The pid of the PostgreSQL backend of this process's Django connection."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def inprocess_run(*, records: int, export: Path, admin_url: str, quiet_before) -> dict:
    from django.conf import settings
    from django.utils import timezone

    from processors.pipeline.nightly import nightly_run

    after_setup = proc_status(os.getpid()).get("VmRSS", 0.0)

    def child_role(pid, parent_role):
        cmdline = proc_cmdline(pid)
        if "resource_tracker" in cmdline:
            return "resource tracker"
        return f"pool worker {pid}" if "multiprocessing" in cmdline else f"child {pid}"

    sampler = Sampler(roots={os.getpid(): "main process"}, child_role=child_role, admin_url=admin_url,
                      database=DATABASE, backend_roles={backend_pid(): "main process's backend"})
    sampler.start()
    started = timezone.now()
    try:
        report = nightly_run(source=str(export))
    finally:
        sampler.finish()
    if report.outcome != "published":
        raise BenchFailed(f"nightly_run said {report.outcome!r}, not 'published'")
    version = report.version
    version.refresh_from_db()
    seconds = stage_seconds(version, started)
    quiet, cpu_line = sampler.quiet()
    quiet = quiet and bool(quiet_before)
    records_in = figures_print(mode="inprocess", label="in process", records=records, version=version,
                               seconds=seconds, quiet=quiet, cpu_line=cpu_line, slots=settings.CALACCESS_WORKERS)
    main_mb = proc_status(os.getpid()).get("VmHWM", 0.0)
    pool = report.ingest.peak_rss_mb if report.ingest else {}
    print(f"peak RSS: main process {main_mb:.0f} MB (after Django setup {after_setup:.0f} MB); clean/load pool "
          f"workers (IngestReport): clean {pool.get('clean_worker', 0):.0f} MB, load {pool.get('load_worker', 0):.0f} MB")
    children = {pid: p for pid, p in sampler.peaks.items() if pid != os.getpid()}
    print(f"  sampled children: {peaks_line(children) or 'none'}")
    print(f"  our processes together: at most {sampler.together_mb:.0f} MB at one moment (VmRSS, sampled)")
    print(f"  {backends_line(sampler.backends)}")
    return {"mode": "inprocess", "records": records_in, "seconds": seconds, "quiet": quiet,
            "peak_rss_mb": {"main": main_mb, **pool, "together": sampler.together_mb,
                            "postgres_max": max((b["mb"] for b in sampler.backends.values()), default=0.0)}}


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


def celery_layout() -> tuple[int, int]:
    layout = os.environ.get("BENCH_CELERY_WORKERS", "1x2")
    try:
        count, concurrency = (int(n) for n in layout.lower().split("x"))
    except ValueError:
        raise BenchFailed(f"BENCH_CELERY_WORKERS is WORKERSxCONCURRENCY (1x2, 2x1), not {layout!r}") from None
    return count, concurrency


def celery_run(*, records: int, export: Path, admin_url: str, work: Path, queue: str, quiet_before) -> dict:
    import redis
    from django.utils import timezone

    from calaccess_archive.celery_app import app
    from tasks.nightly import nightly_check_task

    count, concurrency = celery_layout()
    broker = redis.Redis.from_url(REDIS_URL)
    flushed = broker.dbsize()
    broker.flushdb()  # this database number only: never FLUSHALL
    if flushed:
        print(f"redis {REDIS_URL}: flushed {flushed} key(s) a previous run left")
    app.conf.task_default_queue = queue
    env = {**os.environ, "CALACCESS_LOG_LEVEL": os.environ.get("BENCH_CELERY_LOG_LEVEL", "WARNING")}
    workers = []
    try:
        for n in range(1, count + 1):
            workers.append(Worker(name=f"bench{n}", concurrency=concurrency, queue=queue, env=env, directory=work))
        workers_ready(app, workers, timeout=120)

        def child_role(pid, parent_role):
            return f"{parent_role.split()[0]} pool child {pid}"

        sampler = Sampler(roots={w.process.pid: f"{w.name} worker main process" for w in workers},
                          child_role=child_role, admin_url=admin_url, database=DATABASE,
                          backends_skipped=frozenset({backend_pid()}))  # this process's, polling
        sampler.start()
        started = timezone.now()
        try:
            check = nightly_check_task.delay(source=str(export))
            version = published_wait(check=check, workers=workers, timeout=TIMEOUT)
        finally:
            sampler.finish()  # the last read, before the workers stop
    finally:
        for worker in workers:
            worker.stop()
        broker.flushdb()
        keep = os.environ.get("BENCH_CELERY_LOGS")  # a folder to keep the workers' output in
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            for worker in workers:
                shutil.copy(worker.log, Path(keep) / worker.log.name)
    seconds = stage_seconds(version, started)
    quiet, cpu_line = sampler.quiet()
    quiet = quiet and bool(quiet_before)
    label = (f"through Celery ({count} worker{'s' if count > 1 else ''} of --concurrency={concurrency}, "
             f"prefork, queue {queue})")
    records_in = figures_print(mode="celery", label=label, records=records, version=version, seconds=seconds,
                               quiet=quiet, cpu_line=cpu_line, slots=count * concurrency)
    roots = {w.process.pid for w in workers}
    print("peak RSS (VmHWM, sampled, and read before the workers stopped):")
    for worker in workers:
        main_mb = sampler.peaks.get(worker.process.pid, {}).get("mb", 0.0)
        children = {pid: p for pid, p in sampler.peaks.items()
                    if pid not in roots and p["role"].startswith(worker.name + " ")}
        print(f"  {worker.name} worker main process {main_mb:.0f} MB; {peaks_line(children) or 'no children seen'}")
    print(f"  our processes together: at most {sampler.together_mb:.0f} MB at one moment (VmRSS, sampled)")
    print(f"  {backends_line(sampler.backends)}")
    return {"mode": "celery", "records": records_in, "seconds": seconds, "quiet": quiet,
            "peak_rss_mb": {str(pid): p for pid, p in sampler.peaks.items()}}


def child(args) -> int:
    mode = args.child
    admin_url, bench_url = server_urls(os.environ["BENCH_DATABASE_URL"], DATABASE)
    database_fresh(admin_url, DATABASE)
    work = Path(tempfile.mkdtemp(prefix=f"bench-nightly-{mode}-"))
    # As the default data folder (made with the usual umask): a local server may read the cleaned files.
    work.chmod(0o755)
    queue = f"bench-{uuid.uuid4().hex[:12]}"
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "calaccess_archive.settings", "CALACCESS_DATA_DIR": str(work),
        "DATABASE_URL": bench_url, "REDIS_URL": REDIS_URL, "CELERY_TASK_DEFAULT_QUEUE": queue,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    })
    if mode == "celery" and urlsplit(REDIS_URL).path.strip("/") in ("", "0", "15"):
        print(f"BENCH_REDIS_URL {REDIS_URL}: db 0 is a deployment's and 15 the tests'; pick another number",
              file=sys.stderr)
        return 2
    quiet_before = json.loads(args.quiet_before)
    try:
        subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--verbosity", "0"], check=True,
                       env=os.environ)
        import django

        django.setup()
        if mode == "inprocess":
            result = inprocess_run(records=args.records, export=args.export, admin_url=admin_url,
                                   quiet_before=quiet_before)
        else:
            result = celery_run(records=args.records, export=args.export, admin_url=admin_url, work=work,
                                queue=queue, quiet_before=quiet_before)
        sys.stdout.flush()
        Path(args.result).write_text(json.dumps(result))
        return 0
    except BenchFailed as exc:
        print(f"{mode}: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        if "django" in sys.modules and "django.db" in sys.modules:
            from django.db import connections

            connections.close_all()
        shutil.rmtree(work, ignore_errors=True)
        database_drop(admin_url, DATABASE)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dirt-rate", type=float, default=0.01)
    parser.add_argument("--modes", default=os.environ.get("BENCH_NIGHTLY_MODES", " ".join(MODES)),
                        help="inprocess, celery or both (BENCH_NIGHTLY_MODES)")
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--export", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--quiet-before", default="null", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.exit(child(args) if args.child else orchestrate(args))


if __name__ == "__main__":
    main()
