"""python -m archive_storage upload --spreadsheet FILE.csv [--dry-run] [--retries N] (see cli.py)."""

import sys

from .cli import main

sys.exit(main())
