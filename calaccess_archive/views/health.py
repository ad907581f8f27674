"""/health/ for uptime monitors: 200 when the database, the broker, beat and the state's exports are fine, else 503."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from calaccess_archive.selectors import health_status


@require_safe  # GET and HEAD
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """Each check with its details (calaccess_archive.selectors.health_status) and the overall status."""
    status = health_status()
    return JsonResponse(status, status=200 if status["status"] == "ok" else 503)
