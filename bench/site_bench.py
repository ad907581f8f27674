"""The downloads site on a database of many releases (see bench/site): prints figures, asserts nothing.

On a fresh throwaway database (migrated) and data folder, one real release is made by the nightly workflow
(`nightly_run` on a small generated export: its 80 tables, its steps, its ~180 archived files, verified, in
the local archive storage, and its processed files, zips and changes summary). That release is then copied
in SQL (INSERT ... SELECT, one statement per table) into RELEASES - 1 published releases, one a day before
it, each with its own archive item names and a changes summary against the day before; the real release
stays the latest, so the stable redirects point at files that exist.

Every page type is then asked for with Django's test client (in process, no network, DEBUG off as
deployed): WARMUP requests, then REPEAT timed ones, printing the median and worst milliseconds. Queries per
request are counted in a request of their own (capturing queries slows each one), once with only a few
releases and once with all of them: the two counts must be equal (constant in the number of releases).
The last line names the page types that miss the targets (median TARGET_MEDIAN_MS, worst TARGET_WORST_MS).

The machine should be quiet: processes matching BENCH_QUIET_PATTERN (test runs, other benchmarks) are looked
for every second while the timed requests run, and the run says whether any was seen and the load average.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench_db import database_drop, database_fresh, server_urls

ROOT = Path(__file__).resolve().parent.parent
DATABASE = os.environ.get("BENCH_SITE_DATABASE", "calaccess_bench_site")
QUIET_PATTERN = os.environ.get("BENCH_QUIET_PATTERN", r"pytest|_bench\.py")
TARGET_MEDIAN_MS, TARGET_WORST_MS = 200.0, 500.0
FEW = 10  # releases at the first query count


def busy_pids() -> list[str]:
    """Processes matching QUIET_PATTERN other than this one and its ancestors."""
    found = subprocess.run(["pgrep", "-f", QUIET_PATTERN], capture_output=True, text=True).stdout.split()
    ours, pid = set(), os.getpid()
    while pid > 1:
        ours.add(str(pid))
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            break
    return [p for p in found if p not in ours]


class QuietWatch(threading.Thread):
    """Looks for other work every second while the measurement runs."""

    def __init__(self):
        super().__init__(daemon=True)
        self.seen: dict[str, str] = {}
        self.stop = threading.Event()

    def run(self):
        while not self.stop.wait(1.0):
            for pid in busy_pids():
                try:
                    self.seen.setdefault(pid, Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
                                         .decode(errors="replace")[:100])
                except OSError:
                    pass


def template_release(work: Path):
    """One real release through the nightly workflow, on a small generated export."""
    from calaccess_archive.raw_schemas import raw_table_schemas
    from processors.pipeline.nightly import nightly_run
    from processors.sample.export import sample_export_write

    export = work / "export.zip"
    sample_export_write(schemas=raw_table_schemas(), path=export, seed=3, records=1500)
    when = dt.datetime(2026, 11, 20, 11, 52, 30, tzinfo=dt.UTC)
    os.utime(export, (when.timestamp(), when.timestamp()))
    return nightly_run(source=str(export)).version


def _columns(model) -> list[str]:
    return [f.column for f in model._meta.concrete_fields if not f.primary_key]


def _copy(cursor, model, *, source: str, overrides: dict[str, str], join: str) -> int:
    """INSERT INTO model's table SELECT its template rows `t` joined with the new releases `n`."""
    columns = _columns(model)
    select = ", ".join(overrides.get(c, f't."{c}"') for c in columns)
    table = model._meta.db_table
    names = ", ".join(f'"{c}"' for c in columns)
    cursor.execute(f'INSERT INTO "{table}" ({names}) SELECT {select} FROM "{table}" t {join} WHERE {source}')
    return cursor.rowcount


def copies_make(template, first: int, last: int) -> dict[str, int]:
    """Copies number first..last of the template release (copy g is g days older), in SQL; rows per table."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction

    from calaccess_archive.models import ArchivedFile, RawDataFile, RawDataVersion, StageRun
    from ocd.models import ProcessedDataFile, ProcessedDataVersion, ProcessedDataZip

    slug = "to_char(({}) AT TIME ZONE 'UTC', 'YYYY-MM-DD_HH24-MI-SS')"
    day_before = "at - interval '1 day'"
    rows = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_new")
        cursor.execute(
            "CREATE TEMP TABLE bench_new (g int PRIMARY KEY, release_datetime timestamptz, delta interval, "
            "slug text, previous_slug text, id bigint, processed_id bigint)")
        cursor.execute(
            f"INSERT INTO bench_new (g, release_datetime, delta, slug, previous_slug) "
            f"SELECT g, at, at - %s, {slug.format('at')}, {slug.format(day_before)} "
            f"FROM (SELECT g, %s - g * interval '1 day' AS at FROM generate_series(%s, %s) g) s",
            [template.release_datetime, template.release_datetime, first, last])
        version = RawDataVersion._meta.db_table
        new = "JOIN bench_new n ON true"
        rows["releases"] = _copy(cursor, RawDataVersion, source=f"t.id = {template.pk}", join=new,
                                 overrides={"release_datetime": "n.release_datetime",
                                            "published_at": "t.published_at + n.delta",
                                            "created_at": "t.created_at + n.delta",
                                            "updated_at": "t.updated_at + n.delta"})
        cursor.execute(f'UPDATE bench_new n SET id = v.id FROM "{version}" v '
                       f"WHERE v.release_datetime = n.release_datetime")
        rows["tables"] = _copy(cursor, RawDataFile, source=f"t.version_id = {template.pk}", join=new,
                               overrides={"version_id": "n.id"})
        rows["steps"] = _copy(cursor, StageRun, source=f"t.version_id = {template.pk}", join=new,
                              overrides={"version_id": "n.id", "started_at": "t.started_at + n.delta",
                                         "finished_at": "t.finished_at + n.delta"})
        release = ContentType.objects.get_for_model(RawDataVersion).pk  # archived files are owned by their release
        rows["archived files"] = _copy(
            cursor, ArchivedFile, source=f"t.owner_type_id = {release} AND t.owner_id = {template.pk}", join=new,
            overrides={"owner_id": "n.id", "identifier": f"replace(t.identifier, '{template.slug}', n.slug)",
                       "name": f"replace(t.name, '{template.slug}', n.slug)",
                       "local_path": f"replace(t.local_path, '{template.slug}', n.slug)",
                       **{c: f"t.{c} + n.delta" for c in ("created_at", "updated_at", "upload_started_at",
                                                         "uploaded_at", "verified_at")}})
        processed = ProcessedDataVersion.objects.get(raw_version=template)
        rows["processed"] = _copy(
            cursor, ProcessedDataVersion, source=f"t.id = {processed.pk}", join=new,
            overrides={"raw_version_id": "n.id",
                       "changes": "t.changes || jsonb_build_object('release', n.slug, 'previous_release', "
                                  "n.previous_slug)"})
        cursor.execute(f'UPDATE bench_new n SET processed_id = p.id FROM "{ProcessedDataVersion._meta.db_table}" p '
                       f"WHERE p.raw_version_id = n.id")
        rows["processed files"] = _copy(cursor, ProcessedDataFile, source=f"t.version_id = {processed.pk}",
                                        join=new, overrides={"version_id": "n.processed_id"})
        rows["zips"] = _copy(cursor, ProcessedDataZip, source=f"t.version_id = {processed.pk}", join=new,
                             overrides={"version_id": "n.processed_id"})
        if first == 1:  # the real release's changes are against the day before, as every copy's
            cursor.execute(f'UPDATE "{ProcessedDataVersion._meta.db_table}" p SET changes = p.changes || '
                           f"jsonb_build_object('previous_release', n.slug) FROM bench_new n "
                           f"WHERE p.id = {processed.pk} AND n.g = 1")
        cursor.execute("DROP TABLE bench_new")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return rows


def pages(middle_slug: str) -> dict[str, str]:
    """One URL of every page type (the year, month, release and API release of the middle release)."""
    when = dt.datetime.strptime(middle_slug, "%Y-%m-%d_%H-%M-%S")
    return {
        "home": "/",
        "downloads index": "/downloads/",
        "year": when.strftime("/downloads/%Y/"),
        "month": when.strftime("/downloads/%Y/%m/"),
        "release page": when.strftime("/downloads/%Y/%m/%d/%H%M%S/"),
        "latest": "/downloads/latest/",
        "latest file (redirect)": "/downloads/latest/flat.zip",
        "redirect raw": "/redirect/latest/raw/clean/RCPT_CD.csv/",
        "redirect processed": "/redirect/latest/processed/flat/Candidates.csv/",
        "raw-files index": "/documentation/raw-files/",
        "raw table page": "/documentation/raw-files/rcpt-cd/",
        "raw table downloads": "/documentation/raw-files/rcpt-cd/downloads/",
        "raw table downloads of a year": when.strftime("/documentation/raw-files/rcpt-cd/downloads/%Y/"),
        "processed-files index": "/documentation/processed-files/",
        "processed file page": "/documentation/processed-files/flat/Candidates/",
        "status": "/status/",
        "API list": "/api/releases.json",
        "API list of a year": when.strftime("/api/releases/%Y.json"),
        "API release": f"/api/releases/{middle_slug}.json",
        "feed": "/feeds/releases.atom",
        "sitemap (index)": "/sitemap.xml",
        "sitemap of the pages": "/sitemap-pages.xml",
        "sitemap of a year": when.strftime("/sitemap-%Y.xml"),
    }


def request(client, url: str):
    response = client.get(url)
    if response.status_code not in (200, 302):
        raise SystemExit(f"{url}: HTTP {response.status_code}")
    if not response.streaming:
        _ = response.content
    return response


def query_counts(client, urls: dict[str, str]) -> dict[str, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for name, url in urls.items():
        request(client, url)  # warm (caches of the schemas, the URL resolver)
        with CaptureQueriesContext(connection) as queries:
            request(client, url)
        counts[name] = len(queries)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--releases", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="leave the database and data folder")
    args = parser.parse_args()
    admin_url, url = server_urls(os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
                                 DATABASE)
    work = Path(tempfile.mkdtemp(prefix="bench-site-"))
    database_fresh(admin_url, DATABASE)
    os.environ.update({"DJANGO_SETTINGS_MODULE": "calaccess_archive.settings", "DATABASE_URL": url,
                       "CALACCESS_DATA_DIR": str(work / "data"), "DJANGO_DEBUG": "false"})
    os.environ.pop("CALACCESS_ARCHIVE_STORAGE", None)  # the local archive storage
    try:
        run(args, work)
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep:
            print(f"kept: database {DATABASE}, data folder {work}")
        else:
            database_drop(admin_url, DATABASE)
            subprocess.run(["rm", "-rf", str(work)], check=False)


def run(args, work: Path) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    template = template_release(work)
    made = time.monotonic()
    print(f"setup: migrated and one real release ({template.slug}) in {made - started:.1f}s", flush=True)
    client = Client(HTTP_HOST="127.0.0.1")

    few = min(FEW, args.releases) - 1
    copies_make(template, 1, few)
    middle = (template.release_datetime - dt.timedelta(days=few // 2)).strftime("%Y-%m-%d_%H-%M-%S")
    urls = pages(middle)
    counts_few = query_counts(client, urls)

    begun = time.monotonic()
    rows = copies_make(template, few + 1, args.releases - 1)
    from calaccess_archive.models import ArchivedFile, RawDataFile, RawDataVersion

    print(f"setup: {args.releases - 1 - few} more copies in {time.monotonic() - begun:.1f}s ({rows}); now "
          f"{RawDataVersion.objects.filter(published_at__isnull=False).count()} published releases, "
          f"{RawDataFile.objects.count()} tables, {ArchivedFile.objects.count()} archived files", flush=True)
    middle = (template.release_datetime - dt.timedelta(days=args.releases // 2)).strftime("%Y-%m-%d_%H-%M-%S")
    urls = pages(middle)
    counts = query_counts(client, urls)

    before = busy_pids()
    watch = QuietWatch()
    watch.start()
    load_before = os.getloadavg()
    figures = {}
    for name, url in urls.items():
        for _ in range(args.warmup):
            request(client, url)
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            response = request(client, url)
            times.append((time.perf_counter() - t0) * 1000)
        size = len(response.content) if not response.streaming else 0
        figures[name] = (statistics.median(times), max(times), size)
    watch.stop.set()
    watch.join()
    load_after = os.getloadavg()

    print(f"\n{args.releases} published releases; {args.repeat} timed requests per page after {args.warmup} "
          f"warm-ups (in process, Django's test client)")
    print(f"{'page':<26}{'median ms':>10}{'worst ms':>10}{'queries':>9}{'at ' + str(FEW):>8}{'KB':>8}  url")
    missed = []
    for name, (median, worst, size) in figures.items():
        flag = ""
        if median > TARGET_MEDIAN_MS or worst > TARGET_WORST_MS:
            missed.append(name)
            flag = "  << misses target"
        if counts[name] != counts_few[name]:
            flag += "  << query count grows with releases"
        print(f"{name:<26}{median:>10.1f}{worst:>10.1f}{counts[name]:>9}{counts_few[name]:>8}{size / 1024:>8.0f}"
              f"  {urls[name]}{flag}")
    others = {**{p: "" for p in before}, **watch.seen}
    print(f"machine quiet: {'yes' if not others else 'NO'}"
          f"{'' if not others else ' (' + '; '.join(f'{p}: {c}' for p, c in others.items()) + ')'}; "
          f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after; {os.cpu_count()} cores")
    growing = [name for name in counts if counts[name] != counts_few[name]]
    print(f"queries constant in the number of releases ({FEW} vs {args.releases}): "
          f"{'yes' if not growing else 'NO: ' + ', '.join(growing)}")
    print(f"targets (median < {TARGET_MEDIAN_MS:.0f} ms, worst < {TARGET_WORST_MS:.0f} ms): "
          f"{'every page meets them' if not missed else 'missed by ' + ', '.join(missed)}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
