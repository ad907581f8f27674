"""Existing databases migrate forward without losing an archived file (issue 13): calaccess_archive's
ArchivedFile (a foreign key `version` to RawDataVersion) becomes archive_storage's, owned by the release."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("calaccess_archive", "0011_site_indexes")]  # the last migration with ArchivedFile in calaccess_archive


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_every_archived_file_and_its_release_survive_the_move_and_the_way_back():
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        old = migrate(BEFORE)
        Version, Old = old.get_model("calaccess_archive", "RawDataVersion"), old.get_model("calaccess_archive", "ArchivedFile")
        release = Version.objects.create(release_datetime=dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.UTC), source="x")
        other = Version.objects.create(release_datetime=dt.datetime(2024, 5, 7, tzinfo=dt.UTC), source="x")
        kept = Old.objects.create(storage="archive.org", name="ccdc-raw-data-1/clean/A.csv", identifier="ccdc-raw-data-1",
                                  version=release, role="clean", md5="0" * 32, size=3, status="verified", attempts=2)
        Old.objects.create(storage="local", name="ccdc-raw-data-2/dbwebexport.zip", identifier="ccdc-raw-data-2",
                           version=other, role="export", status="uploaded")
        Old.objects.create(storage="local", name="backfill-1/a.csv", identifier="backfill-1")  # no release

        new = migrate(leaves)
        from archive_storage.models import ArchivedFile
        from calaccess_archive.models import RawDataVersion

        assert connection.introspection.table_names().count("archive_storage_archivedfile") == 1
        assert "calaccess_archive_archivedfile" not in connection.introspection.table_names()
        assert ArchivedFile.objects.count() == 3
        record = ArchivedFile.objects.get(pk=kept.pk)
        assert (record.name, record.role, record.md5, record.size, record.status, record.attempts) == (
            "ccdc-raw-data-1/clean/A.csv", "clean", "0" * 32, 3, "verified", 2)
        assert record.owner == RawDataVersion.objects.get(pk=release.pk)
        assert list(RawDataVersion.objects.get(pk=release.pk).archived_files.all()) == [record]
        assert ArchivedFile.objects.filter(version=other.pk).get().name == "ccdc-raw-data-2/dbwebexport.zip"
        assert ArchivedFile.objects.get(identifier="backfill-1").owner is None
        assert new.get_model("archive_storage", "ArchivedFile")._meta.db_table == "archive_storage_archivedfile"

        back = migrate(BEFORE)  # and back: `version` again, from each record's owner
        Old = back.get_model("calaccess_archive", "ArchivedFile")
        assert dict(Old.objects.values_list("name", "version_id")) == {
            "ccdc-raw-data-1/clean/A.csv": release.pk, "ccdc-raw-data-2/dbwebexport.zip": other.pk,
            "backfill-1/a.csv": None}
    finally:
        migrate(leaves)
    from archive_storage.models import ArchivedFile

    assert ArchivedFile.objects.get(pk=kept.pk).owner_id == release.pk  # forward again, still there
