"""One OCD processing benchmark run (see bench/process): prints figures, asserts nothing about time.

The sample export is cached per generator version (a hash of processors/sample/*.py),
so a change to the generator never benchmarks stale data. Ingest's own peak memory
is left out: VmHWM is reset (/proc/self/clear_refs) just before processing starts.
"""

import argparse
import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path

from bench_db import CACHE, database_drop, database_fresh, server_urls

ROOT = Path(__file__).resolve().parent.parent
DATABASE = os.environ.get("BENCH_PROCESS_DATABASE", "calaccess_bench_process")


def generator_version() -> str:
    digest = hashlib.sha256()
    for path in sorted((ROOT / "processors" / "sample").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def hwm_reset(pid: str = "self") -> bool:
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dirt-rate", type=float, default=0.01)
    parser.add_argument("--keep", action="store_true",
                        help=f"Keep the database {DATABASE} (and the ingested raw tables) for a later --reuse")
    parser.add_argument("--reuse", action="store_true", help="Process the release a --keep run left, without ingest")
    args = parser.parse_args()

    export = CACHE / f"process-export-{args.records}-{args.seed}-{args.dirt_rate}-{generator_version()}.zip"
    admin_url, bench_url = server_urls(os.environ["BENCH_DATABASE_URL"], DATABASE)
    if args.reuse:
        work = CACHE / "process-work"
    else:
        database_fresh(admin_url, DATABASE)
        work = CACHE / "process-work" if args.keep else Path(tempfile.mkdtemp(prefix="bench-process-"))
        shutil.rmtree(work, ignore_errors=True)
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "calaccess_archive.settings", "CALACCESS_DATA_DIR": str(work),
        "DATABASE_URL": bench_url,
    })
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from calaccess_archive.models import RawDataVersion
    from processors.pipeline.ingest import release_ingest
    from processors.pipeline.process import ocd_process
    from calaccess_archive.raw_schemas import raw_table_schemas
    from processors.sample.export import sample_export_write
    from processors.ingest.table_jobs import peak_rss_mb

    if not export.exists() and not args.reuse:
        CACHE.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        partial = export.with_name(export.stem + ".partial.zip")
        sample_export_write(schemas=raw_table_schemas(), path=partial, seed=args.seed, records=args.records, dirt_rate=args.dirt_rate,
                            answer_key_path=export.with_suffix(".answers.jsonl"))
        partial.replace(export)
        print(f"generated {args.records:,} records in {time.monotonic() - started:.1f}s -> {export}")
    call_command("migrate", verbosity=0)
    try:
        started = time.monotonic()
        if args.reuse:
            version = RawDataVersion.objects.filter(status=RawDataVersion.Status.LOADED).latest("release_datetime")
        else:
            version = release_ingest(source=str(export)).version
            print(f"ingest: {time.monotonic() - started:.1f}s")
        loaded = sum(f.records_loaded or 0 for f in version.files.all())
        print(f"raw records loaded: {loaded:,}")
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = str(cursor.fetchone()[0])
        reset = hwm_reset() and hwm_reset(backend)
        started = time.monotonic()
        result = ocd_process(version=version)
        total = time.monotonic() - started
        steps = result["seconds"]
        for step, seconds in steps.items():
            print(f"  {step:<24}{seconds:>8.1f} s")
        for stage in ("process", "export", "package"):
            seconds = sum(s for k, s in steps.items() if k.startswith(stage + ":"))
            print(f"{stage:<26}{seconds:>8.1f} s {loaded / max(seconds, 1e-9):>12,.0f} raw records/s")
        print(f"{'total':<26}{total:>8.1f} s {loaded / total:>12,.0f} raw records/s")
        tables = result["tables"]
        print(f"rows: {sum(tables.values()):,} OCD rows; transactions {tables['opencivicdata_transaction']:,}, "
              f"filings {tables['opencivicdata_filing']:,}, committees {tables['opencivicdata_committee']:,}, "
              f"candidacies {tables['opencivicdata_candidacy']:,}")
        zips = ", ".join(f"{name} {z['size'] / 2**20:.1f} MB" for name, z in result["zips"].items())
        print(f"zips: {zips}")
        note = "" if reset else " (peaks not reset after ingest: they include it)"
        print(f"peak RSS: main process {peak_rss_mb():.0f} MB, PostgreSQL backend {peak_rss_mb(backend):.0f} MB{note}")
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep or args.reuse:
            return
        shutil.rmtree(work, ignore_errors=True)
        database_drop(admin_url, DATABASE)


if __name__ == "__main__":
    main()
