"""The local archive storage, served by the site: `LocalArchiveStorage.url()` is
`<CALACCESS_ARCHIVE_LOCAL_URL><identifier>/<file name>`, and this is what answers it."""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest
from django.urls import URLPattern, re_path
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from calaccess_archive.storage import LocalArchiveStorage, archive_storage


@require_safe  # GET and HEAD; anything else is 405
def archive_file(request: HttpRequest, name: str):
    """Stream one file of the local archive storage (404 unless it is a file inside it)."""
    storage = archive_storage()
    path = storage.served_path(name) if isinstance(storage, LocalArchiveStorage) else None
    if path is None:
        raise Http404("no such file in the archive")
    stream = path.open("rb")
    modified = int(os.fstat(stream.fileno()).st_mtime)
    not_modified = get_conditional_response(request, last_modified=modified)
    if not_modified is not None:
        stream.close()
        return not_modified
    # Content-Type from the file name (a .gz is application/gzip, not Content-Encoding),
    # Content-Length from the open file; the file is read in blocks as it is sent.
    response = FileResponse(stream, filename=path.name)
    response.headers["Last-Modified"] = http_date(modified)
    return response


def archive_file_urlpatterns() -> list[URLPattern]:
    """The route for CALACCESS_ARCHIVE_LOCAL_URL when it is a path on this site (read when the
    URLconf loads, as Django's `static()` does); none when it points at another host."""
    prefix = urlsplit(settings.CALACCESS_ARCHIVE_LOCAL_URL)
    if prefix.scheme or prefix.netloc:
        return []
    stem = prefix.path.strip("/")
    return [re_path(rf"^{re.escape(stem) + '/' if stem else ''}(?P<name>.+)\Z", archive_file, name="archive-file")]
