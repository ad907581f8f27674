"""One benchmark phase in its own process, so each peak RSS is its own (see bench/publish).

The stand-in runs in a child process (it keeps only md5 and size, not the bytes).
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

STANDIN = """
import sys, time
from tests.standins.archive_org import ArchiveOrgStandIn
s = ArchiveOrgStandIn(access="bench", secret="bench", keep_bodies=False).start()
print(s.url, flush=True)
sys.stdin.read()
"""


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
    import django

    django.setup()
    try:
        megabytes, seconds = (release(work, args.mb) if args.phase == "release" else single(work, args.mb))
    finally:
        standin.stdin.close()
        standin.wait()
        subprocess.run(["rm", "-rf", str(work)], check=False)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.phase}: {megabytes:.0f} MB in {seconds:.1f}s = {megabytes / seconds:.1f} MB/s; "
          f"peak RSS {peak:.0f} MB")


def release(work: Path, mb: int) -> tuple[float, float]:
    from django.test.utils import setup_databases, teardown_databases

    from calaccess_archive.models import RawDataVersion
    from processors.archive_publish import release_publish

    old = setup_databases(verbosity=0, interactive=False)
    try:
        version = RawDataVersion.objects.create(release_datetime=dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
                                                source="https://example.invalid/dbwebexport.zip")
        version.clean_dir.mkdir(parents=True)
        version.errors_dir.mkdir(parents=True)
        write_random(version.zip_path, mb * 4 // 10)
        for n in range(5):  # cleaned tables: 30% of the release, and their zip another 30%
            write_random(version.clean_dir / f"TABLE_{n}_CD.csv", mb * 6 // 100)
            (version.errors_dir / f"TABLE_{n}_CD.errors.csv").write_text("line,reason,original\n")
        started = time.monotonic()
        report = release_publish(version=version)
        seconds = time.monotonic() - started
        assert report.complete, report.counts()
        return sum(r.size for r in report.files) / 2**20, seconds
    finally:
        teardown_databases(old, verbosity=0)


def single(work: Path, mb: int) -> tuple[float, float]:
    from django.core.files import File

    from calaccess_archive.storage import archive_storage

    path = work / "big.bin"
    write_random(path, mb)
    started = time.monotonic()
    with path.open("rb") as f:
        archive_storage().save("ccdc-bench-single/big.bin", File(f))
    seconds = time.monotonic() - started
    assert archive_storage().size("ccdc-bench-single/big.bin") == path.stat().st_size
    return mb, seconds


if __name__ == "__main__":
    main()
