"""One ingest benchmark run (see bench/ingest): prints figures, asserts nothing about time."""

import argparse
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

from bench_db import CACHE, database_drop, database_fresh, server_urls

DATABASE = "calaccess_bench"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dirt-rate", type=float, default=0.01)
    args = parser.parse_args()

    export = CACHE / f"export-{args.records}-{args.seed}-{args.dirt_rate}.zip"
    admin_url, bench_url = server_urls(os.environ["BENCH_DATABASE_URL"], DATABASE)
    database_fresh(admin_url, DATABASE)
    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    # As the default data folder (made with the usual umask): a local server may read the cleaned files.
    work.chmod(0o755)
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "calaccess_archive.settings", "CALACCESS_DATA_DIR": str(work),
        "DATABASE_URL": bench_url,
    })
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from processors.pipeline.ingest import release_ingest
    from calaccess_archive.raw_schemas import raw_table_schemas
    from processors.sample.export import sample_export_write

    if not export.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        sample_export_write(schemas=raw_table_schemas(), path=export, seed=args.seed, records=args.records, dirt_rate=args.dirt_rate)
        print(f"generated {args.records:,} records in {time.monotonic() - started:.1f}s -> {export}")
    call_command("migrate", verbosity=0)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    try:
        started = time.monotonic()
        report = release_ingest(source=str(export))
        total = time.monotonic() - started
        files = list(report.version.files.all())
        records_in = sum(f.records_in or 0 for f in files)
        loaded = sum(f.records_loaded or 0 for f in files)
        quarantined = sum(f.quarantined or 0 for f in files)
        print(f"export: {export.stat().st_size / 2**20:.0f} MB zipped, {records_in:,} records in, "
              f"{loaded:,} loaded, {quarantined:,} quarantined "
              f"({sum(f.repaired or 0 for f in files):,} repaired, {sum(f.rejoined or 0 for f in files):,} rejoined)")
        for stage in ("download", "clean", "load"):
            seconds = report.stage_seconds.get(stage, 0.0)
            rate = "" if stage == "download" else f"{records_in / seconds:>12,.0f} records/s"
            print(f"{stage:<9}{seconds:>8.1f} s {rate}")
        print(f"{'total':<9}{total:>8.1f} s  (extract+clean+load: "
              f"{report.stage_seconds.get('clean', 0) + report.stage_seconds.get('load', 0):.1f} s)")
        for stage, started, finished in (("clean", "clean_started_at", "clean_finished_at"),
                                          ("load", "load_started_at", "load_finished_at")):
            spans = sorted(((getattr(f, finished) - getattr(f, started)).total_seconds(), f.table) for f in files)
            busy = sum(seconds for seconds, _ in spans)
            wall = report.stage_seconds.get(stage, 0.0) or 1.0
            top = ", ".join(f"{table} {seconds:.1f}s" for seconds, table in reversed(spans[-3:]))
            print(f"  {stage}: workers busy {busy / (wall * settings.CALACCESS_WORKERS):.0%}; longest: {top}")
        peaks = report.peak_rss_mb
        print(f"peak RSS: main process {peaks.get('main', 0):.0f} MB (after Django setup {rss_before:.0f} MB), "
              f"clean worker {peaks.get('clean_worker', 0):.0f} MB, load worker {peaks.get('load_worker', 0):.0f} MB")
        worst = peaks.get("main", 0) + settings.CALACCESS_WORKERS * max(peaks.get("clean_worker", 0), peaks.get("load_worker", 0))
        print(f"our processes together: at most {worst:.0f} MB (main + {settings.CALACCESS_WORKERS} workers at their peak)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        from django.db import connections

        connections.close_all()
        database_drop(admin_url, DATABASE)


if __name__ == "__main__":
    main()
