"""`python -m archive_storage upload --spreadsheet FILE.csv [--dry-run] [--retries N]`: bulk uploads
without a Django project or a database server.

Outside a Django project (no DJANGO_SETTINGS_MODULE) the settings are made here: the app's records in a
SQLite state file (--state, default ./archive-storage.sqlite3), archive.org as the storage (or a folder,
--local DIR), IA_* and ARCHIVE_STORAGE_* from the environment, the keys from `ia configure`'s file when
the environment has none. The state file is what makes a re-run resumable: it sends only what is not
verified. Inside a project (DJANGO_SETTINGS_MODULE set), the project's settings and database are used.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .conf import DEFAULTS

STATE = "archive-storage.sqlite3"
_FALSE = {"0", "false", "no", "off", ""}


def settings_from_environment(environ=os.environ) -> dict:
    """IA_* and ARCHIVE_STORAGE_* settings the environment sets, typed as DEFAULTS are."""
    found = {}
    for name, default in DEFAULTS.items():
        if name not in environ:
            continue
        value = environ[name]
        if isinstance(default, bool):
            found[name] = value.strip().lower() not in _FALSE
        elif isinstance(default, (int, float)):
            found[name] = type(default)(value)
        else:
            found[name] = value
    if not (found.get("IA_ACCESS_KEY") and found.get("IA_SECRET_KEY")):
        found.update({k: v for k, v in ia_config_keys().items() if v})
    return found


def ia_config_keys() -> dict:
    """The keys `ia configure` saved (its ia.ini), if any."""
    try:
        from internetarchive.config import parse_config_file

        _, _, config = parse_config_file()
        return {"IA_ACCESS_KEY": config.get("s3", "access", fallback=""),
                "IA_SECRET_KEY": config.get("s3", "secret", fallback="")}
    except Exception:  # no file, unreadable file: the environment's (or none) then
        return {}


def settings_configure(*, state: Path, local: Path | None, environ=os.environ) -> None:
    """Minimal settings for the app alone: SQLite state, the archive storage, the environment's IA_*."""
    from django.conf import settings

    backend = "archive_storage.local.LocalArchiveStorage" if local else "archive_storage.archive_org.ArchiveOrgStorage"
    settings.configure(
        INSTALLED_APPS=["django.contrib.contenttypes", "archive_storage"],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(state)}},
        STORAGES={"archive": {"BACKEND": backend}},
        ARCHIVE_STORAGE_LOCAL_ROOT=str(local or ""),
        USE_TZ=True,
        **settings_from_environment(environ),
    )


def parser_make() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m archive_storage", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    upload = commands.add_parser("upload", help="Upload and verify the files of an `ia upload --spreadsheet` CSV")
    upload.add_argument("--spreadsheet", required=True, type=Path, help="CSV: identifier, file, REMOTE_NAME, ...")
    upload.add_argument("--dry-run", action="store_true", help="Check the whole sheet, upload nothing")
    upload.add_argument("--retries", type=int, help="Attempts of each request (default IA_RETRIES, 8)")
    upload.add_argument("--wait", type=float, help="Seconds to wait for archive.org to list the files (default 600)")
    upload.add_argument("--json", action="store_true", help="Print one JSON document")
    verify = commands.add_parser("verify", help="Look again at files left uploaded, not yet verified, that are due")
    for sub in (upload, verify):
        sub.add_argument("--state", type=Path, default=Path(os.environ.get("ARCHIVE_STORAGE_STATE", STATE)),
                         help=f"SQLite state file outside a Django project (default ./{STATE})")
        sub.add_argument("--local", type=Path, help="Store into this folder instead of archive.org (a trial run)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser_make().parse_args(argv)
    import django
    from django.core.management import call_command
    from django.core.management.base import CommandError

    standalone = not os.environ.get("DJANGO_SETTINGS_MODULE")
    if standalone:
        settings_configure(state=args.state, local=args.local)
    django.setup()
    try:
        if standalone:  # the state file: created on first use, brought up to date after an upgrade
            call_command("migrate", "archive_storage", verbosity=0, interactive=False)
        if args.command == "verify":
            from .tasks import verify_due

            print(verify_due())
            return 0
        options = {"spreadsheet": args.spreadsheet, "dry_run": args.dry_run, "retries": args.retries,
                   "wait": args.wait, "json": args.json}
        call_command("iaupload", **{k: v for k, v in options.items() if v is not None})
    except CommandError as exc:
        print(f"archive_storage: {exc}", file=sys.stderr)
        return exc.returncode
    return 0
