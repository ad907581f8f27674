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
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from bench_db import CACHE, database_drop, database_fresh, server_urls
from bench_workers import BenchFailed, Worker, workers_ready, published_wait
from bench_procs import Sampler, backends_line, peaks_line, proc_cmdline, proc_status, quiet_wait
from process_bench import generator_version

ROOT = Path(__file__).resolve().parent.parent
DATABASE = os.environ.get("BENCH_NIGHTLY_DATABASE", "calaccess_bench_nightly")
MODES = ("inprocess", "celery")
STEPS = ("download", "clean", "load", "process", "package", "upload", "verify", "publish")
# A Redis database number no test run uses (theirs is 15, a deployment's 0): it is flushed before and after.
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
TIMEOUT = float(os.environ.get("BENCH_NIGHTLY_TIMEOUT", "7200"))
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
            run = subprocess.Popen([sys.executable, __file__, "--child", mode, "--records", str(args.records),
                                    "--export", str(export), "--result", str(result_path),
                                    "--quiet-before", json.dumps(quiet)])
            # SIGTERM here is passed on: the child stops its workers and drops its database first.
            signal.signal(signal.SIGTERM, lambda *_: run.send_signal(signal.SIGTERM))
            code = run.wait()
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            if code == -signal.SIGTERM or code == 128 + signal.SIGTERM:
                print(f"{mode}: stopped by SIGTERM", flush=True)
                return 128 + signal.SIGTERM
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


def _terminated(signum, frame):
    raise SystemExit(128 + signum)  # so that the `finally`s stop the workers and drop the database


def child(args) -> int:
    signal.signal(signal.SIGTERM, _terminated)
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
