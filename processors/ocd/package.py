"""flat.zip and relational.zip: the CSVs plus datapackage.json (Frictionless Data Package), README.md and SHA256SUMS.

Reproducible: members in a fixed order, fixed timestamps and permissions, and
no content that depends on when or where the zip was made, so the same CSVs
give byte-identical zips.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from processors.digest import digest_file
from processors.ocd.export import ExportedFile
from processors.zip_writer import FASTER, ZipWriter

TITLES = {
    "flat": "CAL-ACCESS campaign finance, flat files",
    "relational": "CAL-ACCESS campaign finance, Open Civic Data relational tables",
}
README = """# {title}

Release {slug} of California's CAL-ACCESS campaign-finance export (Secretary
of State), processed by calaccess-archive into Open Civic Data (OCD).

{about}

- `datapackage.json` describes every file: columns, types, descriptions, row
  counts, sizes and SHA-256 hashes (Frictionless Data Package).
- `SHA256SUMS` lists the hash of every other file (`sha256sum -c SHA256SUMS`).
- OCD ids are stable: the same candidate, committee, filing, election or
  contest has the same id in every release (derived from CAL-ACCESS's keys).

Source: {source}
"""
ABOUT = {
    "flat": "One CSV per thing a reporter asks about (candidates, ballot measures, committees, filings,\n"
    "Form 460 summary totals, contributions, expenditures), with readable columns and the OCD ids to join back.",
    "relational": "One CSV per OCD table, named after its python-opencivicdata model with the columns in the\n"
    "order the California Civic Data Coalition published them (Candidacy.csv...), plus the campaign-finance\n"
    "draft's committee, filing, filing action and transaction tables, sorted by id.",
}


def datapackage_build(*, group: str, files: list[ExportedFile], slug: str, release_iso: str, source: str) -> dict:
    """The datapackage.json of one group."""
    resources = []
    for f in files:
        stem = f.name[:-4].lower()
        resources.append(
            {
                "name": stem.replace("_", "-"),
                "path": f.name,
                "profile": "tabular-data-resource",
                "description": f.description,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "bytes": f.size,
                "hash": f"sha256:{f.sha256}",
                "count": f.records,
                "schema": {
                    "fields": [{"name": x.name, "type": x.type, "description": x.description} for x in f.fields],
                },
            }
        )
    return {
        "profile": "tabular-data-package",
        "name": f"calaccess-ocd-{group}-{slug.replace('_', '-')}",
        "title": f"{TITLES[group]}, release {slug}",
        "description": ABOUT[group].replace("\n", " "),
        "version": slug,
        "created": release_iso,
        "sources": [{"title": "CAL-ACCESS export, California Secretary of State", "path": source}],
        "contributors": [{"title": "California Secretary of State and California Civic Data Coalition"}],
        "resources": resources,
    }


def zip_build(*, directory: Path, group: str, files: list[ExportedFile], slug: str, release_iso: str,
              source: str) -> tuple[Path, int, str]:
    """Write <directory>/<group>.zip from <directory>/<group>/*.csv; return (path, size, sha256)."""
    files = sorted(files, key=lambda f: f.name)
    package = json.dumps(
        datapackage_build(group=group, files=files, slug=slug, release_iso=release_iso, source=source), indent=2
    ).encode() + b"\n"
    readme = README.format(title=TITLES[group], slug=slug, about=ABOUT[group], source=source).encode()
    sums = [(hashlib.sha256(readme).hexdigest(), "README.md"),
            (hashlib.sha256(package).hexdigest(), "datapackage.json")]
    sums += [(f.sha256, f.name) for f in files]
    sha_sums = "".join(f"{h}  {n}\n" for h, n in sorted(sums, key=lambda x: x[1])).encode()
    path = directory / f"{group}.zip"
    tmp = path.with_suffix(".zip.tmp")
    # The OCD CSVs are mostly ids, which compress badly with any deflater: the fast one costs 7% in size.
    with ZipWriter(tmp, FASTER) as zf:
        for name, data in (("README.md", readme), ("SHA256SUMS", sha_sums), ("datapackage.json", package)):
            zf.add_bytes(name, data)
        for f in files:
            zf.add_file(f.name, directory / group / f.name)
    tmp.replace(path)
    return path, path.stat().st_size, digest_file(path, md5=False).sha256
