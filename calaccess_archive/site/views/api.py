"""/api/releases.json and /api/releases/<slug>.json (their JSON Schemas: calaccess_archive/site/schemas/)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from calaccess_archive.site.selectors import api_release, api_releases, release_published

_PRETTY = {"indent": 2}


@require_safe
def releases(request: HttpRequest, year: str | None = None) -> JsonResponse:
    """/api/releases.json (the most recent releases) and /api/releases/YYYY.json (every release of a year)."""
    document = api_releases(year=int(year) if year else None, absolute=request.build_absolute_uri)
    if document is None:
        return JsonResponse({"error": f"no release published in {year}"}, status=404)
    return JsonResponse(document, json_dumps_params=_PRETTY)


@require_safe
def release(request: HttpRequest, slug: str) -> JsonResponse:
    version = release_published(slug)
    if version is None:
        return JsonResponse({"error": f"no published release {slug}"}, status=404)
    return JsonResponse(api_release(version, absolute=request.build_absolute_uri), json_dumps_params=_PRETTY)
