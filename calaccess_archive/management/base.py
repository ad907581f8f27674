"""What every command of the archive shares: `--json`, and one-line errors instead of tracebacks."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.db.utils import ProgrammingError

from archive_storage.ia_client import ArchiveError
from archive_storage.identifiers import InvalidArchiveName
from archive_storage.report import EXIT_INCOMPLETE as ARCHIVE_EXIT_INCOMPLETE
from processors.errors import PipelineError, one_line
from processors.pipeline.lease import LeaseHeld
from processors.pipeline.nightly import NotPublished

# Exit codes beyond 0 (done) and 1 (an expected failure, one line): another run holds the pipeline lease.
EXIT_LEASE_HELD = 4

# Failures a run expects and reports in one line (exit code 1); anything else is a bug and shows its traceback.
EXPECTED_ERRORS = (PipelineError, ArchiveError, InvalidArchiveName, FileNotFoundError)

# Exit code of a command that ran but left file(s) failed or not yet verified (README "Commands");
# raised as CommandError(message, returncode=EXIT_INCOMPLETE), see archive_output.report_require_complete.
EXIT_INCOMPLETE = ARCHIVE_EXIT_INCOMPLETE  # 3, the archive app's iaupload says the same


class ArchiveCommand(BaseCommand):
    """A command that prints lines for people or, with `--json`, one JSON document.

    Subclasses add their own arguments in `add_arguments` (calling super) and
    do their work in `handle`; an expected failure becomes a CommandError with
    its one-line reason.
    """

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print one JSON document")

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except LeaseHeld as exc:
            raise CommandError(one_line(exc, limit=1000), returncode=EXIT_LEASE_HELD) from None
        except NotPublished as exc:  # the workflow ran; archive storage has not taken every file yet
            raise CommandError(one_line(exc, limit=1000), returncode=EXIT_INCOMPLETE) from None
        except EXPECTED_ERRORS as exc:
            raise CommandError(one_line(exc, limit=1000)) from None
        except ProgrammingError as exc:
            if "relation" in str(exc) and "does not exist" in str(exc):  # a table is missing
                raise CommandError("the database is not set up: run manage.py migrate") from None
            raise

    @staticmethod
    def release_argument(parser, *, default: str) -> None:
        """RELEASE, as every command that works on one release takes it (see selectors.release_lookup)."""
        parser.add_argument("release", nargs="?", help=f"Release slug (YYYY-MM-DD_HH-MM-SS) or id (default: {default})")

    @staticmethod
    def wait_argument(parser) -> None:
        parser.add_argument("--wait", type=float, help="Seconds to wait for archive ingest (default IA_VERIFY_WAIT)")

    def json_write(self, document) -> None:
        self.stdout.write(json.dumps(document, indent=2, default=str))

    def is_terminal(self) -> bool:
        """Whether stdout is a terminal (progress bars) rather than a file or a pipe (log lines)."""
        stream = getattr(self.stdout, "_out", None)
        return bool(stream is not None and hasattr(stream, "isatty") and stream.isatty())
