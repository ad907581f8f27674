"""One benchmark phase in its own process, so each peak RSS is its own (see bench/publish).

The stand-in runs in a child process (it keeps only md5 and size, not the bytes).
Peak memory is read from /proc/self/status (VmHWM) before and after the publish; the
peak is reset (/proc/self/clear_refs) just before it. The throwaway database is created
and migrated in a child process too: migrations hold ~30 MB that Python keeps, and they
are not the publisher's memory (they made the release phase read 107 MB).
"""

import argparse
import datetime as dt
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

STANDIN = """
import sys, time
from tests.standins.archive_org import ArchiveOrgStandIn
s = ArchiveOrgStandIn(access="bench", secret="bench", keep_bodies=False).start()
print(s.url, flush=True)
sys.stdin.read()
"""

DATABASE = """
import sys, django
django.setup()
from django.db import connection
from django.test.utils import setup_databases
if sys.argv[1] == "create":
    setup_databases(verbosity=0, interactive=False)  # CALACCESS_TEST_DATABASE, migrated
else:
    connection.creation.destroy_test_db(verbosity=0)  # DATABASE_URL names it
"""


def database_run(action: str) -> None:
    subprocess.run([sys.executable, "-c", DATABASE, action], check=True)


def vm_hwm_mb() -> float:
    """Peak resident memory of this process so far (VmHWM), in MB; ru_maxrss where /proc is missing."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def vm_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def hwm_reset() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0); False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def timed_publish(call) -> tuple[object, float, dict]:
    """Run `call()` with the peak measured around it: setup peak before, publish peak after a reset."""
    figures = {"setup_peak": vm_hwm_mb(), "rss_before": vm_rss_mb(), "reset": hwm_reset()}
    started = time.monotonic()
    result = call()
    seconds = time.monotonic() - started
    figures.update(publish_peak=vm_hwm_mb(), rss_after=vm_rss_mb())
    return result, seconds, figures


def write_random(path: Path, mb: int) -> None:
    block = os.urandom(1024 * 1024)
    with path.open("wb") as out:
        for i in range(mb):
            out.write(block[i % 7:] + block[: i % 7])  # distinct blocks, cheap to make


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("phase", choices=["release", "single"])
    parser.add_argument("--mb", type=int, default=1024)
    args = parser.parse_args()
    standin = subprocess.Popen([sys.executable, "-c", STANDIN], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    url = standin.stdout.readline().strip()
    work = Path(tempfile.mkdtemp(prefix="bench-publish-"))
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "calaccess_archive.settings", "CALACCESS_DATA_DIR": str(work),
        "CALACCESS_ARCHIVE_STORAGE": "archive.org", "IA_ACCESS_KEY": "bench", "IA_SECRET_KEY": "bench",
        "IA_SECURE": "false", "IA_PROXY": url, "HTTP_PROXY": url, "IA_VERIFY_WAIT": "5",
    })
    if args.phase == "release":
        database_run("create")
        name = os.environ.get("CALACCESS_TEST_DATABASE", "test_calaccess_archive")
        os.environ["DATABASE_URL"] = urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}").geturl()
    import django

    django.setup()
    try:
        megabytes, seconds, figures = (release(work, args.mb) if args.phase == "release" else single(work, args.mb))
    finally:
        standin.stdin.close()
        standin.wait()
        subprocess.run(["rm", "-rf", str(work)], check=False)
        if args.phase == "release":
            from django.db import connections

            connections.close_all()
            database_run("drop")
    peak = max(figures["setup_peak"], figures["publish_peak"])  # ru_maxrss follows the reset too
    print(f"{args.phase}: {megabytes:.0f} MB in {seconds:.1f}s = {megabytes / seconds:.1f} MB/s; "
          f"peak RSS {peak:.0f} MB (before publish: peak {figures['setup_peak']:.0f} MB, "
          f"RSS {figures['rss_before']:.0f} MB; publish alone: peak {figures['publish_peak']:.0f} MB"
          f"{'' if figures['reset'] else ' (peak not reset: includes setup)'}, RSS after {figures['rss_after']:.0f} MB)")


def release(work: Path, mb: int) -> tuple[float, float, dict]:
    """Publish a release of `mb` MB into the database `database_run("create")` made."""
    from calaccess_archive.models import RawDataVersion
    from processors.archive.publish import release_publish

    version = RawDataVersion.objects.create(release_datetime=dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
                                            source="https://example.invalid/dbwebexport.zip")
    version.clean_dir.mkdir(parents=True)
    version.errors_dir.mkdir(parents=True)
    write_random(version.zip_path, mb * 4 // 10)
    for n in range(5):  # cleaned tables: 30% of the release, and their zip another 30%
        write_random(version.clean_dir / f"TABLE_{n}_CD.csv", mb * 6 // 100)
        (version.errors_dir / f"TABLE_{n}_CD.errors.csv").write_text("line,reason,original\n")
    report, seconds, figures = timed_publish(lambda: release_publish(version=version))
    assert report.complete, report.counts()
    return sum(r.size for r in report.files) / 2**20, seconds, figures


def single(work: Path, mb: int) -> tuple[float, float, dict]:
    from django.core.files import File

    from calaccess_archive.storage import archive_storage

    path = work / "big.bin"
    write_random(path, mb)

    def save() -> None:
        with path.open("rb") as f:
            archive_storage().save("ccdc-bench-single/big.bin", File(f))

    _, seconds, figures = timed_publish(save)
    assert archive_storage().size("ccdc-bench-single/big.bin") == path.stat().st_size
    return mb, seconds, figures


if __name__ == "__main__":
    main()
