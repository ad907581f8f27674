"""Every recorded status moves through status_transition, which refuses what the model's TRANSITIONS do not list."""

import datetime as dt

import pytest

from calaccess_archive.models import ArchivedFile, RawDataFile, RawDataVersion, StageRun, StageStatus
from calaccess_archive.transitions import IllegalTransition, status_transition
from ocd.models import ProcessedDataVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def version():
    return RawDataVersion.objects.create(release_datetime=dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC), source="x")


def test_a_legal_move_saves_the_status_and_fields(version):
    status_transition(version, RawDataVersion.Status.DOWNLOADING, error="")
    status_transition(version, RawDataVersion.Status.FAILED, error="download: HTTP 404")
    version.refresh_from_db()
    assert (version.status, version.error) == ("failed", "download: HTTP 404")


@pytest.mark.parametrize("make, illegal", [
    (lambda v: v, RawDataVersion.Status.LOADED),  # pending -> loaded: never downloaded, cleaned or loaded
    (lambda v: RawDataFile.objects.create(version=v, table="RCPT_CD"), RawDataFile.Status.LOADED),  # not cleaned
    (lambda v: StageRun.objects.create(version=v, stage="clean", status=StageStatus.FINISHED,
                                       started_at=dt.datetime.now(dt.UTC)), StageStatus.FAILED),
    (lambda v: ProcessedDataVersion.objects.create(raw_version=v), ProcessedDataVersion.Status.FINISHED),
    (lambda v: ArchivedFile.objects.create(storage="local", name="x/y.csv", identifier="x",
                                           status=ArchivedFile.Status.VERIFIED), ArchivedFile.Status.UPLOADED),
])
def test_an_illegal_move_is_refused_and_nothing_is_saved(version, make, illegal):
    record = make(version)
    before = record.status
    with pytest.raises(IllegalTransition, match=f"{before} -> {illegal} is not allowed"):
        status_transition(record, illegal, error="should not be written")
    record.refresh_from_db()
    assert record.status == before


def test_every_status_of_every_model_has_its_moves_listed():
    for model in (RawDataVersion, RawDataFile, StageRun, ProcessedDataVersion, ArchivedFile):
        statuses = {choice for choice, _ in model._meta.get_field("status").choices}
        assert set(model.TRANSITIONS) == statuses, model.__name__
        assert all(targets <= statuses for targets in model.TRANSITIONS.values()), model.__name__
