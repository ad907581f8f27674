import json
import subprocess
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from calaccess_archive.management.base import EXIT_INCOMPLETE
from calaccess_archive.models import ArchivedFile
from tests.archive_helpers import release_make
from tests.ingest_helpers import manage, subprocess_env

pytestmark = pytest.mark.django_db
SLUG = "2024-05-06_07-08-09"
MANY_TABLES = tuple(f"TABLE_{n:02d}_CD" for n in range(20))  # 42 files


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def run_incomplete(*args) -> tuple[str, str]:
    """Run a command that must end with EXIT_INCOMPLETE: (its one-line message, what it printed)."""
    out = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command(*args, stdout=out, stderr=StringIO())
    assert raised.value.returncode == EXIT_INCOMPLETE == 3, raised.value
    message = str(raised.value)
    assert "\n" not in message
    return message, out.getvalue()


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


def test_spam_flag_one_put_then_exit_3_naming_it_and_a_rerun_exits_0(archive_org):
    release_make(tables=MANY_TABLES, size=200)
    archive_org.faults.spam = True
    message, out = run_incomplete("publish", SLUG, "--json")
    document = json.loads(out)  # the whole document, still printed
    assert document["complete"] is False and len(document["files"]) == 42
    assert "spam" in document["refused"] and document["counts"] == {**document["counts"], "failed": 1, "pending": 41}
    assert len(archive_org.put_headers) == 1
    assert message.startswith("archive.org refused the account, so the uploads stopped: ccdc-raw-data-")
    assert "flagged the upload as spam" in message
    assert f"42 file(s) not archived (of 42): 1 failed, 41 not sent; run `publish {SLUG}` again" in message
    archive_org.faults.spam = False
    assert json.loads(run("publish", SLUG, "--json"))["complete"]  # exit 0
    assert len(archive_org.put_headers) == 1 + 42 and set(archive_org.stored.values()) == {1}


def test_refused_keys_one_put_then_exit_3_naming_it(settings, archive_org):
    release_make(tables=MANY_TABLES, size=200)
    settings.IA_SECRET_KEY = "wrong"
    message, out = run_incomplete("publish", SLUG)
    assert "refused the account" in message and "SignatureDoesNotMatch" in message and "41 not sent" in message
    assert len(archive_org.put_headers) == 1
    assert sum(line.startswith("pending") and "not sent: account refused" in line for line in out.splitlines()) == 41
    settings.IA_SECRET_KEY = archive_org.secret
    assert run("publish", SLUG).splitlines()[-1].startswith("42 file(s): 42 verified")


def test_every_file_failed_exits_3_with_complete_false_under_json(archive_org):
    release_make()
    archive_org.faults.corrupt_body = 1000  # every PUT answers 400 BadDigest
    message, out = run_incomplete("publish", SLUG, "--json")
    document = json.loads(out)
    assert document["complete"] is False and document["refused"] is None
    assert document["counts"]["failed"] == len(document["files"]) == 6
    assert message == f"6 file(s) not archived (of 6): 6 failed; run `publish {SLUG}` again to finish"


def test_export_listed_with_the_wrong_md5_exits_3(archive_org):
    release_make()
    archive_org.faults.corrupt_md5 = 1  # the first file stored, the export, is listed with another md5
    message, out = run_incomplete("publish", SLUG)
    assert message == f"1 file(s) not archived (of 6): 1 failed; run `publish {SLUG}` again to finish"
    failed = [line for line in out.splitlines() if line.startswith("failed")]
    assert len(failed) == 1 and "/dbwebexport.zip" in failed[0] and "expected md5" in failed[0]
    assert json.loads(run("publish", SLUG, "--json"))["complete"]


def test_not_yet_verified_past_the_wait_exits_3(archive_org):
    release_make()
    archive_org.faults.ingest_delay = 60
    message, out = run_incomplete("publish", SLUG, "--wait", "0.05", "--json")
    assert json.loads(out)["counts"]["uploaded"] == 6
    assert message == f"6 file(s) not archived (of 6): 6 not yet verified; run `publish {SLUG}` again to finish"


def test_verify_only_missing_file_exits_3_then_publish_finishes(archive_org):
    release_make()
    run("publish", SLUG)
    del archive_org.items[f"ccdc-raw-data-{SLUG}"].files["clean.zip"]
    message, out = run_incomplete("publish", SLUG, "--verify-only", "--json")
    assert json.loads(out)["complete"] is False
    assert message == f"1 file(s) not archived (of 6): 1 to send again; run `publish {SLUG}` again to finish"
    assert json.loads(run("publish", SLUG, "--json"))["complete"]
    assert json.loads(run("publish", SLUG, "--verify-only", "--json"))["complete"]


def test_iaupload_spam_flag_one_put_across_items_and_the_same_exit_code(tmp_path, archive_org):
    for name in ("a.csv", "b.csv", "c.csv"):
        (tmp_path / name).write_text(f"{name}\n")
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("identifier,file\nccdc-backfill-1,a.csv\n,b.csv\nccdc-backfill-2,c.csv\n")
    archive_org.faults.spam = True
    message, out = run_incomplete("iaupload", "--spreadsheet", str(sheet), "--json")
    assert json.loads(out)["complete"] is False and len(archive_org.put_headers) == 1
    assert f"3 file(s) not archived (of 3): 1 failed, 2 not sent; run `iaupload --spreadsheet {sheet}` again" in message
    archive_org.faults.spam = False
    assert json.loads(run("iaupload", "--spreadsheet", str(sheet), "--json"))["complete"]


@pytest.mark.django_db(transaction=True)
def test_manage_py_exits_3_prints_the_json_and_one_line_on_stderr(settings, archive_org):
    """The real exit code, through manage.py (run_from_argv), not call_command."""
    release_make()
    archive_org.faults.spam = True
    env = {**subprocess_env(settings.CALACCESS_DATA_DIR), "CALACCESS_ARCHIVE_STORAGE": "archive.org",
           "IA_ACCESS_KEY": archive_org.access, "IA_SECRET_KEY": archive_org.secret, "IA_SECURE": "false",
           "IA_PROXY": archive_org.url, "HTTP_PROXY": archive_org.url, "http_proxy": archive_org.url,
           "IA_RETRIES": "2", "IA_RETRY_BACKOFF": "0.01", "IA_VERIFY_WAIT": "1"}
    process = manage("publish", SLUG, "--json", env=env)
    try:
        out, err = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    assert process.returncode == 3, err
    assert json.loads(out)["complete"] is False
    lines = [line for line in err.splitlines() if line.startswith("CommandError: ")]
    assert len(lines) == 1 and "refused the account" in lines[0] and "5 not sent" in lines[0], err
    assert len(archive_org.put_headers) == 1
    assert ArchivedFile.objects.filter(status="pending").count() == 5
