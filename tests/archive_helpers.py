"""Helpers for the archive tests: a release with files on disk."""

import datetime as dt
import os
import zipfile

from calaccess_archive.models import RawDataVersion


def release_make(*, when=dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.UTC), tables=("CVR_SO_CD", "FILER_FILINGS_CD"),
                 size: int = 2000) -> RawDataVersion:
    """A release with an export zip, cleaned tables and errors files (written here, not by clean)."""
    version = RawDataVersion.objects.create(release_datetime=when, source="https://example.invalid/dbwebexport.zip")
    version.clean_dir.mkdir(parents=True)
    version.errors_dir.mkdir(parents=True)
    with zipfile.ZipFile(version.zip_path, "w") as export:
        for table in tables:
            export.writestr(f"CalAccess/DATA/{table}.TSV", f"{table}\n" + "x\t" * size)
    for table in tables:
        (version.clean_dir / f"{table}.csv").write_bytes(f'"A","B"\n"{table}",'.encode() + os.urandom(size))
        (version.errors_dir / f"{table}.errors.csv").write_text(f"line,reason,original\n3,bad,{table}\n")
    return version
