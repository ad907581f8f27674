"""/status/: where the pipeline stands, failed and unverified releases included."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from calaccess_archive.site.selectors import status_overview


@require_safe
@never_cache
def status(request: HttpRequest) -> HttpResponse:
    return render(request, "site/status.html", {"status": status_overview()})
