"""/documentation/: the raw tables and the processed files, generated from code."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from calaccess_archive.site.charts import records_chart
from calaccess_archive.site.selectors import (
    processed_file_current_stem,
    processed_file_documentation,
    processed_files_documentation,
    raw_table_documentation,
    raw_table_downloads,
    raw_tables_documentation,
)


@require_safe
def raw_files(request: HttpRequest) -> HttpResponse:
    return render(request, "site/raw_files.html", {"groups": raw_tables_documentation()})


@require_safe
def raw_file(request: HttpRequest, table: str) -> HttpResponse:
    doc = raw_table_documentation(table)
    if doc is None:
        raise Http404(f"no raw table {table}")
    chart = records_chart(doc["loaded"], label=f"Records of {doc['table']} loaded, release by release, oldest first")
    return render(request, "site/raw_file.html", {"doc": doc, "chart": chart})


@require_safe
def raw_file_downloads(request: HttpRequest, table: str, year: str | None = None) -> HttpResponse:
    """The archived copies of a table in the most recent releases, or in every release of one year."""
    doc = raw_table_documentation(table)
    if doc is None:
        raise Http404(f"no raw table {table}")
    releases = raw_table_downloads(table, year=int(year) if year else None)
    if year and not releases:
        raise Http404(f"{doc['table']} is in no release published in {year}")
    return render(request, "site/raw_file_downloads.html", {"doc": doc, "releases": releases,
                                                            "year": int(year) if year else None})


@require_safe
def processed_files(request: HttpRequest) -> HttpResponse:
    return render(request, "site/processed_files.html", {"groups": processed_files_documentation()})


@require_safe
def processed_file(request: HttpRequest, group: str, name: str) -> HttpResponse:
    current = processed_file_current_stem(group, name)
    if current is not None:  # a link from before the coalition's names
        return HttpResponsePermanentRedirect(reverse("site:processed-file", kwargs={"group": group, "name": current}))
    doc = processed_file_documentation(group, name)
    if doc is None:
        raise Http404(f"no processed file {group}/{name}")
    chart = records_chart(doc["records"], label=f"Records of {doc['name']}, release by release, oldest first")
    return render(request, "site/processed_file.html", {"doc": doc, "chart": chart})
