import json

import pytest
from django.core.management import CommandError, call_command

from tests.archive_helpers import release_make

pytestmark = pytest.mark.django_db


def run(*args):
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_publish_json_then_verify_only(archive_org):
    release_make()
    document = json.loads(run("publish", "2024-05-06_07-08-09", "--json"))
    assert document["complete"] and document["counts"]["verified"] == 6
    assert json.loads(run("publish", "--verify-only", "--json"))["complete"]
    assert len(archive_org.put_headers) == 6


def test_publish_lines_per_file_on_local_storage():
    release_make()
    lines = run("publish").splitlines()
    assert len(lines) == 7 and all(line.startswith("verified") for line in lines[:6])


def test_publish_expected_failures_are_one_line():
    with pytest.raises(CommandError, match="no release recorded"):
        run("publish")
    with pytest.raises(CommandError, match="not YYYY"):
        run("publish", "yesterday")


def test_iaupload_dry_run_then_upload_then_rerun_only_failed(tmp_path, archive_org):
    (tmp_path / "a.csv").write_text("1\n")
    (tmp_path / "b.csv").write_text("2\n")
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("identifier,file,title,subject[0]\nccdc-backfill-1,a.csv,Backfill,x\n,b.csv,,\n")
    assert json.loads(run("iaupload", "--spreadsheet", str(sheet), "--dry-run", "--json"))["valid"]
    assert archive_org.put_headers == []
    archive_org.faults.corrupt_body = 1
    with pytest.raises(CommandError, match="1 file\\(s\\) not archived"):
        run("iaupload", "--spreadsheet", str(sheet))
    document = json.loads(run("iaupload", "--spreadsheet", str(sheet), "--json"))
    assert document["complete"]
    assert len(archive_org.put_headers) == 3  # two, then only the failed one
    assert archive_org.items["ccdc-backfill-1"].metadata["subject"] == "x"


def test_iaupload_invalid_sheet(tmp_path):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("identifier,file\n-bad,nothing.csv\n")
    with pytest.raises(CommandError, match="problem"):
        run("iaupload", "--spreadsheet", str(sheet))
