"""The corrections register in the admin: its form checks a correction as `quarantine resolve` does."""

import base64
import json

import pytest
from django.urls import reverse

from calaccess_archive.models import Correction
from processors.ingest.corrections import original_sha256
from tests.processors.test_clean import FILERNAME, line, row

pytestmark = pytest.mark.django_db

ORIGINAL = line(row(FILER_ID=b"12x", NAML=b"Friends of Bob"))
ADD = reverse("admin:calaccess_archive_correction_add")


def post(admin_client, record, **data):
    form = {"table": "FILERNAME_CD", "original_base64": base64.b64encode(ORIGINAL).decode(),
            "record": json.dumps(record), "reason": "the filer's id on its Form 410", "created_by": "tester", **data}
    return admin_client.post(ADD, form)


@pytest.mark.parametrize("record, data, message", [
    ({"NOPE": "1"}, {}, "unknown column(s) &#x27;NOPE&#x27;"),
    ({"FILER_ID": "abc"}, {}, "FILER_ID=&#x27;abc&#x27; is not a valid integer"),
    ({"NAML": "x"}, {}, "FILER_ID=&#x27;12x&#x27; is not a valid integer"),
    ({"FILER_ID": "12"}, {"table": "NO_SUCH_CD"}, "unknown table"),
    ({"FILER_ID": "12"}, {"original_base64": "not base64!"}, "is not base64"),
    (["FILER_ID"], {}, "give a JSON object"),
])
def test_an_invalid_correction_is_refused_by_the_form(admin_client, record, data, message):
    response = post(admin_client, record, **data)
    assert response.status_code == 200 and message in response.content.decode()
    assert Correction.objects.count() == 0


def test_a_valid_correction_is_stored_with_the_whole_record(admin_client):
    response = post(admin_client, {"filer_id": "12"})
    assert response.status_code == 302, response.content.decode()[:2000]
    correction = Correction.objects.get()
    assert correction.original_sha256 == original_sha256(ORIGINAL) and correction.table == "FILERNAME_CD"
    assert sorted(correction.record) == sorted(FILERNAME.column_names)
    assert correction.record["FILER_ID"] == "12" and correction.record["NAML"] == "Friends of Bob"
    assert "Friends of Bob" in correction.original_text
    again = post(admin_client, {"FILER_ID": "13"})
    assert again.status_code == 200 and "already has a correction" in again.content.decode()
    assert admin_client.get(reverse("admin:calaccess_archive_correction_changelist")).status_code == 200
    change = admin_client.get(reverse("admin:calaccess_archive_correction_change", args=[correction.pk]))
    assert change.status_code == 200
