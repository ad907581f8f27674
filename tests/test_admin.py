import datetime as dt

import pytest
from django.urls import reverse

from calaccess_archive.models import RawDataFile, RawDataVersion, ReleaseCheck

pytestmark = pytest.mark.django_db


def test_release_records_are_in_the_admin(admin_client):
    version = RawDataVersion.objects.create(release_datetime=dt.datetime(2026, 11, 20, tzinfo=dt.UTC), source="x")
    RawDataFile.objects.create(version=version, table="RCPT_CD", records_in=3, records_out=2, quarantined=1)
    ReleaseCheck.objects.create(source="x", outcome="new", version=version)
    for model in ("rawdataversion", "rawdatafile", "releasecheck"):
        response = admin_client.get(reverse(f"admin:calaccess_archive_{model}_changelist"))
        assert response.status_code == 200
    page = admin_client.get(reverse("admin:calaccess_archive_rawdatafile_changelist")).content.decode()
    assert "RCPT_CD" in page
    detail = admin_client.get(reverse("admin:calaccess_archive_rawdataversion_change", args=[version.pk]))
    assert detail.status_code == 200
