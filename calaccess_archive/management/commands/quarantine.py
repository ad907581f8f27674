"""python manage.py quarantine list [RELEASE] [--table T] [--json]
python manage.py quarantine show ID [--release RELEASE] [--json]
python manage.py quarantine resolve ID --field COL=VALUE... --reason TEXT [--by NAME] [--release RELEASE] [--json]
"""

from __future__ import annotations

import argparse
import getpass

from calaccess_archive.management.base import ArchiveCommand
from processors.pipeline.corrections import (
    correction_resolve,
    correction_summary,
    corrections_status,
    fields_parse,
    quarantined_record,
    quarantined_records,
    release_cleaned_latest,
)

_DEFAULT = "the newest cleaned release"


def _operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name for this uid (a container)
        return "operator"


def show_lines(document: dict) -> list[str]:
    """A quarantined record in full, for people: its facts, its fields by column, its correction."""
    lines = [f"{key}: {document[key]}" for key in ("id", "release", "table", "line", "line_count", "reason", "sha256")]
    lines += [f"original_text: {document['original_text']!r}", f"original_base64: {document['original_base64']}"]
    if document["columns_line_up"]:
        lines.append("columns:")
        lines += [f"  {name}: {value!r}" for name, value in document["columns"].items()]
    else:
        lines.append(f"fields ({len(document['fields'])}, the table has another number of columns: "
                     f"`resolve` needs every column):")
        lines += [f"  {n}: {value!r}" for n, value in enumerate(document["fields"], 1)]
    correction = document["correction"]
    if correction is None:
        lines.append("correction: none")
    else:
        lines.append(f"correction by {correction['by']} at {correction['at']}: {correction['reason']}")
        lines += [f"  {name}: {value!r}" for name, value in correction["record"].items()]
    return lines


class Command(ArchiveCommand):
    help = ("The records a release's clean quarantined, and the corrections register: list them, show one in full, "
            "resolve one by writing its corrected record (applied by the clean stage to this release when it is "
            "cleaned again, ingest --force, and to every later release). docs/cleaning.md, \"Corrections register\".")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        actions = parser.add_subparsers(dest="action", required=True, metavar="{list,show,resolve}")
        listing = actions.add_parser("list", help="The quarantined records of a release, each with its ID")
        self.release_argument(listing, default=_DEFAULT)
        listing.add_argument("--table", help="Only this table's records")
        show = actions.add_parser("show", help="One quarantined record in full, with its correction")
        show.add_argument("id", help="The record's ID, as `quarantine list` shows it")
        resolve = actions.add_parser("resolve", help="Store the corrected record of a quarantined record")
        resolve.add_argument("id", help="The record's ID, as `quarantine list` shows it")
        resolve.add_argument("--field", action="append", default=[], metavar="COL=VALUE",
                             help="A column's corrected value (repeat; every column when the record's fields do not "
                                  "line up with the table's columns)")
        resolve.add_argument("--reason", required=True, help="Why the record reads so (kept with the correction)")
        resolve.add_argument("--by", help="Who corrects it (default: the user running the command)")
        for sub in (listing, show, resolve):  # before or after the action
            sub.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="Print one JSON document")
        for sub in (show, resolve):
            sub.add_argument("--release", help=f"Release slug or id (default: {_DEFAULT})")

    def handle(self, *args, action, json=False, **options):
        version = release_cleaned_latest(options.get("release"))
        if action == "list":
            records = quarantined_records(version, table=options.get("table"))
            status = corrections_status(version, table=options.get("table"))
            document = {"release": version.slug, "records": [r.summary() for r in records], "corrections": status}
            if json:
                return self.json_write(document)
            for r in document["records"]:
                mark = "corrected" if r["corrected"] else "-"
                self.stdout.write(f"{r['id']}  {r['table']}  line {r['line']}  {mark}  {r['reason']}")
            self.stdout.write(f"{len(records)} quarantined record(s) in release {version.slug}"
                              + (f", {sum(r['corrected'] for r in document['records'])} with a correction"
                                 if records else ""))
            for c in status["not_needed"]:
                self.stdout.write(f"no longer needed: {c['id']} (not quarantined in {version.slug}; "
                                  f"last applied to {c['last_applied'] or 'none'})")
            return None
        if action == "show":
            document = {"release": version.slug, **quarantined_record(version, options["id"]).summary(full=True)}
            if json:
                return self.json_write(document)
            self.stdout.write("\n".join(show_lines(document)))
            return None
        correction = correction_resolve(version=version, ident=options["id"], changes=fields_parse(options["field"]),
                                        reason=options["reason"], by=options.get("by") or _operator())
        document = {"release": version.slug, "resolved": correction_summary(correction)}
        if json:
            return self.json_write(document)
        self.stdout.write(f"Resolved {correction.record_id}: applied from the next clean of a release "
                          f"(`ingest --force` cleans {version.slug} again).")
        return None
