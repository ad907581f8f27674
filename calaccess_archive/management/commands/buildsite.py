"""python manage.py buildsite DIR [--base-url URL] [--json]"""

from __future__ import annotations

from pathlib import Path

from django.core.management import CommandError

from calaccess_archive.management.base import ArchiveCommand
from calaccess_archive.site.static_build import SiteBuildError, site_build


class Command(ArchiveCommand):
    help = ("Render every public page of the downloads site, its JSON and its feed into DIR as plain files with "
            "relative links, to serve from any static host (DIR is emptied first)")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("directory", help="Where to write the site (emptied first)")
        parser.add_argument("--base-url", default="http://localhost:8000",
                            help="The address the copy is served at: the feed, sitemap.xml and the JSON link to it")

    def handle(self, *args, **options):
        try:
            report = site_build(directory=Path(options["directory"]), base_url=options["base_url"])
        except SiteBuildError as exc:
            raise CommandError(str(exc)) from None
        if options["json"]:
            self.json_write(report.as_json())
        else:
            self.stdout.write(f"{len(report.files)} files written to {report.directory} "
                              f"({len(report.redirects)} links to redirects replaced by their targets)")
