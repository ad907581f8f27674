"""The site's URLs, in the scheme of the coalition's downloads site (old links keep working)."""

from django.urls import path, re_path

from calaccess_archive.site.views import api, documentation, downloads, feeds, status

app_name = "site"

YEAR, MONTH, DAY, TIME = r"(?P<year>\d{4})", r"(?P<month>\d{2})", r"(?P<day>\d{2})", r"(?P<time>\d{6})"

urlpatterns = [
    path("", downloads.home, name="home"),
    path("downloads/", downloads.downloads, name="downloads"),
    path("downloads/latest/", downloads.latest, name="latest"),
    path("downloads/latest/<path:file>", downloads.latest_file, name="latest-file"),
    re_path(rf"^downloads/{YEAR}/\Z", downloads.year_archive, name="year"),
    re_path(rf"^downloads/{YEAR}/{MONTH}/\Z", downloads.month_archive, name="month"),
    re_path(rf"^downloads/{YEAR}/{MONTH}/{DAY}/{TIME}/\Z", downloads.release, name="release"),
    path("redirect/latest/raw/<path:file>/", downloads.redirect_raw, name="redirect-raw"),
    path("redirect/latest/processed/<path:file>/", downloads.redirect_processed, name="redirect-processed"),
    path("documentation/raw-files/", documentation.raw_files, name="raw-files"),
    path("documentation/raw-files/<slug:table>/", documentation.raw_file, name="raw-file"),
    path("documentation/raw-files/<slug:table>/downloads/", documentation.raw_file_downloads,
         name="raw-file-downloads"),
    re_path(rf"^documentation/raw-files/(?P<table>[-a-zA-Z0-9_]+)/downloads/{YEAR}/\Z",
            documentation.raw_file_downloads, name="raw-file-downloads-year"),
    path("documentation/processed-files/", documentation.processed_files, name="processed-files"),
    path("documentation/processed-files/<slug:group>/<slug:name>/", documentation.processed_file,
         name="processed-file"),
    path("status/", status.status, name="status"),
    path("api/releases.json", api.releases, name="api-releases"),
    re_path(rf"^api/releases/{YEAR}\.json\Z", api.releases, name="api-releases-year"),
    re_path(r"^api/releases/(?P<slug>\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2})\.json\Z", api.release, name="api-release"),
    path("feeds/releases.atom", feeds.releases_feed, name="feed"),
    path("sitemap.xml", feeds.sitemap, name="sitemap"),
    re_path(r"^sitemap-(?P<section>pages|\d{4})\.xml\Z", feeds.sitemap_section, name="sitemap-section"),
    path("robots.txt", feeds.robots, name="robots"),
]
