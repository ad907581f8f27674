"""What a release puts into archive storage: its items, their metadata, its files."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings

from archive_storage.identifiers import identifier_validate, name_join
from archive_storage.upload import ArchiveUnit
from calaccess_archive.models import ArchiveRole, RawDataVersion
from processors.zip_writer import ZipWriter

CREATOR = "California Civic Data Coalition"
LICENSE_URL = "https://creativecommons.org/publicdomain/zero/1.0/"
SUBJECTS = ["California", "campaign finance", "lobbying", "CAL-ACCESS", "politics", "elections"]
CLEAN_ZIP = "clean.zip"
_DESCRIPTIONS = {
    "raw": "The California Secretary of State's CAL-ACCESS database export as published, each of its "
           "tables cleaned into a UTF-8 CSV, the records set aside while cleaning, the records corrected by hand "
           "(corrections.csv), and a zip of the cleaned tables.",
    "processed": "Files processed from the CAL-ACCESS export: Open Civic Data tables and packages.",
}


def release_item_identifier(*, version: RawDataVersion, kind: str = "raw") -> str:
    """`<prefix>raw-data-YYYY-MM-DD_HH-MM-SS` or `<prefix>processed-data-...`."""
    return identifier_validate(f"{settings.CALACCESS_ARCHIVE_PREFIX}{kind}-data-{version.slug}")


def release_item_metadata(*, version: RawDataVersion, kind: str = "raw") -> dict:
    released = f"{version.release_datetime:%Y-%m-%d %H:%M:%S %Z}".strip()
    return {
        "title": f"California campaign-finance and lobbying data, {kind} files of the {released} CAL-ACCESS release",
        "description": f"{_DESCRIPTIONS[kind]} Released by the State of California on {released}; "
                       f"source: {version.source}",
        "mediatype": "data",
        "collection": settings.CALACCESS_ARCHIVE_COLLECTION,
        "date": f"{version.release_datetime:%Y-%m-%d}",
        "creator": CREATOR,
        "subject": list(SUBJECTS),
        "licenseurl": LICENSE_URL,
        "source": version.source,
    }


def clean_zip_build(*, version: RawDataVersion) -> Path:
    """A zip of the cleaned tables (streamed, file by file); rebuilt only when a table is newer."""
    target = version.directory / CLEAN_ZIP
    tables = sorted(version.clean_dir.glob("*.csv"))
    if target.exists() and all(t.stat().st_mtime <= target.stat().st_mtime for t in tables):
        return target
    partial = target.with_suffix(".zip.partial")
    with ZipWriter(partial) as archive:
        for table in tables:
            archive.add_file(table.name, table)
    os.replace(partial, target)
    return target


def release_units(*, version: RawDataVersion, build_zip: bool = True) -> list[ArchiveUnit]:
    """The original export, each cleaned table, each errors and repairs file, the corrections applied and
    the zip of cleaned tables."""
    identifier = release_item_identifier(version=version)
    Role = ArchiveRole
    units = [ArchiveUnit(name_join(identifier, version.zip_path.name), version.zip_path, Role.EXPORT)]
    units += [ArchiveUnit(name_join(identifier, f"clean/{p.name}"), p, Role.CLEAN)
              for p in sorted(version.clean_dir.glob("*.csv"))]
    units += [ArchiveUnit(name_join(identifier, f"errors/{p.name}"), p, Role.ERRORS)
              for p in sorted(version.errors_dir.glob("*.errors.csv"))]
    # Every record whose extra tabs were put back, beside its table's errors file (tables with repairs only).
    units += [ArchiveUnit(name_join(identifier, f"errors/{p.name}"), p, Role.REPAIRS)
              for p in sorted(version.errors_dir.glob("*.repairs.csv"))]
    if version.corrections_path.exists():  # the records corrected by hand (docs/cleaning.md)
        units.append(ArchiveUnit(name_join(identifier, version.corrections_path.name), version.corrections_path,
                                 Role.CORRECTIONS))
    zip_path = clean_zip_build(version=version) if build_zip else version.directory / CLEAN_ZIP
    units.append(ArchiveUnit(name_join(identifier, CLEAN_ZIP), zip_path, Role.CLEAN_ZIP))
    return units


def processed_units(*, version: RawDataVersion) -> list[ArchiveUnit]:
    """The processed release (docs/ocd-exports.md): flat.zip, relational.zip, every CSV and changes.json.

    Names in the item keep the processed directory's layout: `flat.zip`,
    `flat/Candidates.csv`, `relational/Filing.csv` (`relational/opencivicdata_filing.csv` in releases
    exported before the coalition's names, which keep them), `changes.json`.
    """
    processed = version.processed
    identifier = release_item_identifier(version=version, kind="processed")
    role = ArchiveRole.PROCESSED
    directory = processed.directory
    units = [ArchiveUnit(name_join(identifier, z.name), directory / z.name, role)
             for z in processed.zips.order_by("name")]
    units += [ArchiveUnit(name_join(identifier, f"{f.group}/{f.name}"), directory / f.group / f.name, role)
              for f in processed.files.order_by("group", "name")]
    units.append(ArchiveUnit(name_join(identifier, "changes.json"), directory / "changes.json", role))
    return units
