from django.contrib import admin
from django.urls import path

from calaccess_archive.views.archive_files import archive_file_urlpatterns

urlpatterns = [
    path("admin/", admin.site.urls),
    *archive_file_urlpatterns(),  # the local archive storage at CALACCESS_ARCHIVE_LOCAL_URL
]
