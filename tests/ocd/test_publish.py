"""The processed files go into the release's processed item through files_publish, like the raw files."""

import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from calaccess_archive.models import ArchivedFile
from ocd.models import ProcessedDataVersion
from processors.archive.publish import NothingToPublish, processed_publish
from processors.pipeline.process import ocd_process

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _expected_names(processed: ProcessedDataVersion) -> set[str]:
    """flat.zip, relational.zip, every ProcessedDataFile CSV and changes.json, in the processed item."""
    identifier = f"ccdc-processed-data-{processed.raw_version.slug}"
    names = {"flat.zip", "relational.zip", "changes.json"} | {f"{f.group}/{f.name}" for f in processed.files.all()}
    return {f"{identifier}/{n}" for n in names}


def test_local_storage_holds_every_processed_file(raw_release):
    ocd_process(version=raw_release)
    processed = ProcessedDataVersion.objects.get()
    report = processed_publish(version=raw_release)
    assert report.complete
    records = ArchivedFile.objects.filter(version=raw_release)
    assert {r.name for r in records} == _expected_names(processed)
    assert len(report.files) == 2 + processed.files.count() + 1
    assert all(r.role == "processed" and r.storage == "local" and r.status == "verified" for r in records)
    root = Path(settings.CALACCESS_DATA_DIR) / "archive"
    for record in records:
        assert (root / record.name).read_bytes() == Path(record.local_path).read_bytes(), record.name
    zip_record = records.get(name__endswith="/flat.zip")
    assert zip_record.sha256 == processed.zips.get(name="flat.zip").sha256
    meta = next((root / f"ccdc-processed-data-{raw_release.slug}").glob("*_meta*"), None)
    assert meta is None or "processed files" in meta.read_text()


def test_archive_org_standin_then_reprocess_sends_nothing_again(raw_release, archive_org):
    result = json.loads(_run("process", "--json"))
    assert result["publish"]["complete"] and result["publish"]["counts"]["verified"] == result["publish"]["files"]
    processed = ProcessedDataVersion.objects.get()
    names = _expected_names(processed)
    assert {r.name for r in ArchivedFile.objects.all()} == names
    assert all(r.storage == "archive.org" and r.status == "verified" for r in ArchivedFile.objects.all())
    assert len(archive_org.put_headers) == len(names)
    item = archive_org.items[f"ccdc-processed-data-{raw_release.slug}"]
    assert set(item.files) == {n.partition("/")[2] for n in names}
    assert "processed files" in item.metadata["title"]
    # Re-processing gives the same bytes: publishing again verifies, sends nothing.
    again = json.loads(_run("process", raw_release.slug, "--json"))
    assert again["publish"]["complete"] and len(archive_org.put_headers) == len(names)
    assert json.loads(_run("publish", "--processed", "--verify-only", "--json"))["complete"]


def test_no_publish_then_publish_processed_command(raw_release):
    _run("process", "--no-publish")
    assert not ArchivedFile.objects.exists()
    lines = _run("publish", raw_release.slug, "--processed").splitlines()
    processed = ProcessedDataVersion.objects.get()
    assert len(lines) == len(_expected_names(processed)) + 1
    assert all(line.split()[:2][0] == "verified" and line.split()[1].startswith("ccdc-processed-data-")
               for line in lines[:-1])


def test_nothing_to_publish_before_processing(raw_release):
    with pytest.raises(NothingToPublish, match="not processed"):
        processed_publish(version=raw_release)
    with pytest.raises(CommandError, match="no finished processing"):
        _run("publish", "--processed")


def test_process_publish_refused_exits_3_after_printing_then_publish_processed_finishes(raw_release, archive_org):
    archive_org.faults.spam = True
    out = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("process", "--json", stdout=out, stderr=io.StringIO())
    assert raised.value.returncode == 3
    result = json.loads(out.getvalue())  # processed, and the whole document printed
    assert result["zips"] and result["publish"]["complete"] is False and "spam" in result["publish"]["refused"]
    files = result["publish"]["files"]
    assert result["publish"]["counts"]["failed"] == 1 and result["publish"]["counts"]["pending"] == files - 1
    assert len(archive_org.put_headers) == 1
    message = str(raised.value)
    assert "refused the account" in message and f"{files - 1} not sent" in message
    assert f"run `publish {raw_release.slug} --processed` again once that is cleared" in message
    with pytest.raises(CommandError) as raised:
        _run("publish", raw_release.slug, "--processed", "--verify-only")
    assert raised.value.returncode == 3 and f"{files} file(s) not archived (of {files})" in str(raised.value)
    archive_org.faults.spam = False
    assert json.loads(_run("publish", raw_release.slug, "--processed", "--json"))["complete"]
    assert len(archive_org.put_headers) == 1 + files and set(archive_org.stored.values()) == {1}
