#!/usr/bin/env python
"""Django's command-line utility for calaccess-archive."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "calaccess_archive.settings")
    from calaccess_archive.embedded_db import configure_database_env

    configure_database_env()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
