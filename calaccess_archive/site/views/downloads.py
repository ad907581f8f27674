"""/downloads/ and its archives, a release's page, /downloads/latest/ and the stable redirects."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_safe

from calaccess_archive.site.selectors import (
    latest_file_target,
    release_at,
    release_brief,
    release_calendar,
    release_detail,
    release_latest,
    releases_grouped,
    releases_in,
    releases_recent,
)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    latest = release_latest()
    return render(request, "site/home.html", {"latest": release_brief(latest) if latest else None})


@require_safe
def downloads(request: HttpRequest) -> HttpResponse:
    """The latest published release first, then the most recent earlier ones, then every year and month."""
    latest = release_latest()
    earlier = releases_recent(before=latest) if latest else []
    return render(request, "site/downloads.html", {
        "latest": release_detail(latest, absolute=request.build_absolute_uri) if latest else None,
        "years": releases_grouped(earlier), "calendar": release_calendar() if earlier else []})


@require_safe
def year_archive(request: HttpRequest, year: str) -> HttpResponse:
    releases = releases_in(year=year)
    if not releases:
        raise Http404(f"no release published in {year}")
    return render(request, "site/archive.html", {"title": year, "years": releases_grouped(releases)})


@require_safe
def month_archive(request: HttpRequest, year: str, month: str) -> HttpResponse:
    releases = releases_in(year=year, month=month)
    if not releases:
        raise Http404(f"no release published in {year}-{month}")
    years = releases_grouped(releases)
    return render(request, "site/archive.html", {"title": years[0]["months"][0]["label"], "years": years,
                                                 "year_url": years[0]["url"], "year": year})


def _release_page(request: HttpRequest, version) -> HttpResponse:
    return render(request, "site/release.html",
                  {"release": release_detail(version, absolute=request.build_absolute_uri)})


@require_safe
def release(request: HttpRequest, year: str, month: str, day: str, time: str) -> HttpResponse:
    version = release_at(year=year, month=month, day=day, time=time)
    if version is None:
        raise Http404("no release published at that time")
    return _release_page(request, version)


@require_safe
def latest(request: HttpRequest) -> HttpResponse:
    version = release_latest()
    if version is None:
        raise Http404("no release published yet")
    return _release_page(request, version)


def _redirect(request: HttpRequest, file: str, kind: str | None) -> HttpResponse:
    target = latest_file_target(file, kind=kind)
    if target["url"]:
        return HttpResponseRedirect(target["url"])
    return render(request, "site/file_not_found.html", {"file": file, "kind": kind, **target}, status=404)


@require_safe
def latest_file(request: HttpRequest, file: str) -> HttpResponse:
    """/downloads/latest/<file>: the newest verified copy of a file of either item."""
    return _redirect(request, file, None)


@require_safe
def redirect_raw(request: HttpRequest, file: str) -> HttpResponse:
    return _redirect(request, file, "raw")


@require_safe
def redirect_processed(request: HttpRequest, file: str) -> HttpResponse:
    return _redirect(request, file, "processed")
