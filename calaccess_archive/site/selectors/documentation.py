"""Documentation of the data, generated from code: the 80 raw tables (django-calaccess-raw-data's models)
and the processed files (the datapackage.json schemas that processors.ocd.package writes), with each
one's history across the published releases."""

from __future__ import annotations

import datetime as dt
import inspect
from functools import cache

from django.urls import reverse

from calaccess_archive.models import ArchivedFile, ArchiveRole, RawDataFile
from calaccess_archive.raw_schemas import raw_table_schemas
from ocd.models import ProcessedDataFile

from .releases import (
    ArchiveLinks,
    _share,
    latest_file_url,
    recent_limit,
    release_brief,
    release_latest,
    year_bounds,
    year_url,
)


def raw_table_slug(table: str) -> str:
    """RCPT_CD -> rcpt-cd, the table's name in the coalition's documentation URLs."""
    return table.lower().replace("_", "-")


@cache
def raw_table_slugs() -> dict[str, str]:
    """{slug: table} of the 80 raw tables."""
    return {raw_table_slug(name): name for name in raw_table_schemas()}


@cache
def _raw_models() -> dict:
    from calaccess_raw import get_model_list

    return {model._meta.db_table: model for model in get_model_list()}


def _describe(model) -> tuple[str, str]:
    """(first paragraph, the whole docstring) of a raw model."""
    text = inspect.cleandoc(model.__doc__ or "").strip()
    return text.split("\n\n")[0].replace("\n", " "), text


def _column_type(column) -> str:
    if column.max_length:
        return f"{column.kind} (up to {column.max_length} characters)"
    if column.max_digits:
        return f"{column.kind} ({column.max_digits} digits, {column.decimal_places} after the point)"
    return column.kind


def _raw_columns(table: str) -> list[dict]:
    model, schema = _raw_models()[table], raw_table_schemas()[table]
    fields = {f.db_column: f for f in model._meta.concrete_fields if f.db_column}
    columns = []
    for column in schema.columns:
        field = fields.get(column.name)
        choices = [(str(code), str(meaning)) for code, meaning in (field.choices or [])] if field else []
        columns.append({"name": column.name, "type": _column_type(column),
                        "help_text": str(field.help_text or field.verbose_name) if field else "",
                        "choices": choices})
    return columns


def raw_tables_documentation() -> list[dict]:
    """The raw tables grouped as the package groups them, each with its records in the latest release."""
    latest = release_latest()
    records = dict(RawDataFile.objects.filter(version=latest).values_list("table", "records_loaded")) if latest else {}
    groups: dict[str, list] = {}
    for table, schema in raw_table_schemas().items():
        model = _raw_models()[table]
        groups.setdefault(model().klass_group, []).append({
            "table": table, "slug": raw_table_slug(table), "summary": _describe(model)[0],
            "columns": len(schema.columns), "records": records.get(table),
            "url": reverse("site:raw-file", kwargs={"table": raw_table_slug(table)})})
    return [{"group": name, "tables": tables} for name, tables in sorted(groups.items())]


def _table_files(table: str):
    return RawDataFile.objects.filter(table=table, version__published_at__isnull=False)


def _over_time(rows: list[tuple[dt.datetime, int | None]]) -> tuple[list[int | None], list[int]]:
    """(counts oldest first, for the chart; the years they span, newest first) of (release time, count) rows."""
    years = sorted({when.astimezone(dt.UTC).year for when, _ in rows}, reverse=True)
    return [count for _, count in rows], years


def raw_table_downloads_url(slug: str, year: int | None = None) -> str:
    if year is None:
        return reverse("site:raw-file-downloads", kwargs={"table": slug})
    return reverse("site:raw-file-downloads-year", kwargs={"table": slug, "year": f"{year:04d}"})


def raw_table_documentation(slug: str) -> dict | None:
    """One raw table: what it holds, its columns, its records in every release (for the chart), and its history
    and errata in the most recent releases, with every earlier one a click away by year."""
    table = raw_table_slugs().get(slug)
    if table is None:
        return None
    model = _raw_models()[table]
    summary, description = _describe(model)
    history = []
    files = _table_files(table).select_related("version").order_by("-version__release_datetime")
    for f in files[:recent_limit()]:
        history.append({**release_brief(f.version), "records_in": f.records_in, "rejoined": f.rejoined,
                        "repaired": f.repaired, "quarantined": f.quarantined, "records_loaded": f.records_loaded,
                        "clean_size": f.clean_size, "error_size": f.error_size, "clean_sha256": f.clean_sha256,
                        "share_kept": _share(f.records_loaded, f.records_in), "drift": f.has_drift,
                        "columns_added": f.columns_added, "columns_missing": f.columns_missing})
    loaded, years = _over_time(list(_table_files(table).order_by("version__release_datetime")
                                    .values_list("version__release_datetime", "records_loaded")))
    return {
        "table": table, "slug": slug, "summary": summary, "description": description,
        "group": model().klass_group,
        "forms": [{"id": form.id, "title": form.title} for form in getattr(model, "FILING_FORMS", [])],
        "columns": _raw_columns(table), "history": history, "loaded": loaded, "releases": len(loaded),
        "years": [{"year": year, "url": raw_table_downloads_url(slug, year)} for year in years],
        "url": reverse("site:raw-file", kwargs={"table": slug}),
        "downloads_url": raw_table_downloads_url(slug),
        "latest_clean_url": latest_file_url(f"clean/{table}.csv"),
    }


def raw_table_downloads(slug: str, *, year: int | None = None) -> list[dict] | None:
    """Every archived copy of a raw table in one year's releases (or the most recent releases), newest first:
    its cleaned CSV and errors file, with the table's counts in that release."""
    table = raw_table_slugs().get(slug)
    if table is None:
        return None
    files = _table_files(table).select_related("version").order_by("-version__release_datetime")
    if year is None:
        files = files[:recent_limit()]
    else:
        start, end = year_bounds(year)
        files = files.filter(version__release_datetime__gte=start, version__release_datetime__lt=end)
    releases = {f.version_id: {**release_brief(f.version), "records_in": f.records_in,
                               "quarantined": f.quarantined, "records_loaded": f.records_loaded,
                               "clean": None, "errors": None} for f in files}
    records = ArchivedFile.objects.at_paths(f"clean/{table}.csv", f"errors/{table}.errors.csv").filter(
        version__in=list(releases))
    links = ArchiveLinks()
    for record in links.best(records).values():
        releases[record.owner_id]["clean" if record.role == ArchiveRole.CLEAN else "errors"] = (
            links.entry(record))
    return list(releases.values())


# --- Processed files ---

def _exported(group: str) -> list:
    """The files of one group as the exporter defines them (no records yet): what datapackage.json describes."""
    from ocd.relational import relational_tables
    from processors.ocd.export import FLAT_FILES, ExportedFile

    if group == "flat":
        return [ExportedFile(name, "flat", 0, 0, "", description, fields)
                for name, (description, _from, fields, _order) in FLAT_FILES.items()]
    return [ExportedFile(t.name, "relational", 0, 0, "", t.description, t.fields) for t in relational_tables()]


@cache
def _packages() -> dict[str, dict]:
    """{group: datapackage.json} as processors.ocd.package builds it, from the exporter's definitions."""
    from processors.ocd.package import datapackage_build

    return {group: datapackage_build(group=group, files=_exported(group), slug="latest", release_iso="", source="")
            for group in ("flat", "relational")}


def _latest_processed() -> dict[tuple[str, str], ProcessedDataFile]:
    latest = release_latest()
    if latest is None:
        return {}
    files = ProcessedDataFile.objects.filter(version__raw_version=latest)
    return {(f.group, f.name): f for f in files}


def processed_files_documentation() -> list[dict]:
    """Both groups (flat, relational) with their files' descriptions and records in the latest release."""
    from processors.ocd.package import ABOUT, TITLES

    latest = _latest_processed()
    groups = []
    for group, package in _packages().items():
        files = []
        for resource in package["resources"]:
            stem = resource["path"].rsplit(".", 1)[0]
            found = latest.get((group, resource["path"]))
            files.append({"name": resource["path"], "stem": stem, "description": resource["description"],
                          "fields": len(resource["schema"]["fields"]), "records": found.records if found else None,
                          "url": reverse("site:processed-file", kwargs={"group": group, "name": stem})})
        groups.append({"group": group, "title": TITLES[group], "about": ABOUT[group].replace("\n", " "),
                       "zip": f"{group}.zip", "zip_url": latest_file_url(f"{group}.zip"), "files": files})
    return groups


def processed_file_current_stem(group: str, stem: str) -> str | None:
    """The current name (stem) of a relational file addressed by the name it had before the coalition's names
    (opencivicdata_candidacy -> Candidacy), for the old documentation URL to redirect; else None."""
    from ocd.relational import relational_names_alike

    if group != "relational":
        return None
    current = relational_names_alike(f"{stem}.csv")[0][:-4]
    return current if current != stem else None


def processed_file_documentation(group: str, stem: str) -> dict | None:
    """One processed file: its columns from datapackage.json, its records in every release (for the chart),
    and its records, size and checksum in the most recent releases."""
    from ocd.relational import relational_names_alike

    package = _packages().get(group)
    resource = next((r for r in (package or {}).get("resources", []) if r["path"] == f"{stem}.csv"), None)
    if resource is None:
        return None
    # Its records in releases exported before the coalition's names too (opencivicdata_candidacy.csv).
    names = relational_names_alike(resource["path"]) if group == "relational" else (resource["path"],)
    files = ProcessedDataFile.objects.filter(group=group, name__in=names,
                                             version__raw_version__published_at__isnull=False)
    history = [{**release_brief(f.version.raw_version), "records": f.records, "size": f.size, "sha256": f.sha256}
               for f in files.select_related("version__raw_version")
               .order_by("-version__raw_version__release_datetime")[:recent_limit()]]
    records, years = _over_time(list(files.order_by("version__raw_version__release_datetime")
                                     .values_list("version__raw_version__release_datetime", "records")))
    return {"group": group, "name": resource["path"], "stem": stem, "description": resource["description"],
            "fields": resource["schema"]["fields"], "history": history, "records": records,
            "releases": len(records), "years": [{"year": year, "url": year_url(year)} for year in years],
            "latest_url": latest_file_url(f"{group}/{resource['path']}"), "zip": f"{group}.zip"}
