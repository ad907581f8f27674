"""Real releases for the site's tests, made once per session with the nightly workflow.

The releases are committed (outside any test's transaction) into a data
directory kept for the whole session, every test of tests/site sees them, and
the database is flushed when the package's last test is done, so the tests
after it find it empty as usual. Tests add cheap copies inside their own
transaction (`release_copy`), rolled back after each.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.core.management import call_command
from django.db import connections
from django.test import override_settings

from tests.ingest_helpers import sample_zip

DAY1 = dt.datetime(2026, 10, 30, 11, 40, 5, tzinfo=dt.UTC)
DAY2 = dt.datetime(2026, 11, 20, 11, 52, 30, tzinfo=dt.UTC)


@pytest.fixture(scope="session")
def site_data_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("site-data")
    return path


@pytest.fixture(autouse=True)
def _data_dir(settings, site_data_dir):
    """Every site test reads the session's releases, in the session's data directory."""
    settings.CALACCESS_DATA_DIR = site_data_dir
    return site_data_dir


def _export(directory, when: dt.datetime, *, seed: int):
    path = sample_zip(directory, seed=seed, records=1500)
    os.utime(path, (when.timestamp(), when.timestamp()))
    return path


@pytest.fixture(scope="package")
def site_releases(django_db_setup, django_db_blocker, site_data_dir, tmp_path_factory):
    """The ids of two published releases (DAY1, then DAY2: its changes.json is against DAY1), newest first."""
    from processors.pipeline.nightly import nightly_run

    exports = tmp_path_factory.mktemp("site-exports")
    with django_db_blocker.unblock(), override_settings(CALACCESS_DATA_DIR=site_data_dir):
        releases = [nightly_run(source=str(_export(exports, when, seed=seed))).version
                    for seed, when in ((3, DAY1), (4, DAY2))]
        connections.close_all()  # tests that use no database must not find a connection open
    yield [version.pk for version in releases[::-1]]
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)
        connections.close_all()


@pytest.fixture
def releases(site_releases, db):
    """The session's two published releases, newest first, read afresh in this test."""
    from calaccess_archive.models import RawDataVersion

    return [RawDataVersion.objects.get(pk=pk) for pk in site_releases]
