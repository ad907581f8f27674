from django.contrib import admin
from django.urls import include, path

from calaccess_archive.views.archive_files import archive_file_urlpatterns
from calaccess_archive.views.health import health

urlpatterns = [
    path("admin/", admin.site.urls),  # behind the admin's login
    path("health/", health, name="health"),  # for uptime monitors: 503 when unhealthy
    path("", include("calaccess_archive.site.urls")),  # the downloads site, the API and the feed
    *archive_file_urlpatterns(),  # the local archive storage at CALACCESS_ARCHIVE_LOCAL_URL
]
