"""Exports, zips, datapackage.json, changes.json and the process command, on the synthetic release."""

import csv
import hashlib
import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command

from calaccess_archive.models import RawDataVersion
from ocd import models as ocd_models
from ocd.models import OCD_MODELS, ProcessedDataVersion
from processors.ocd.export import FLAT_FILES
from processors.pipeline.process import ocd_process

from .conftest import raw

pytestmark = pytest.mark.django_db
DOCS = Path(__file__).resolve().parents[2] / "docs" / "ocd-exports.md"


def _header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as f:
        return next(csv.reader(f))


def test_process_records_files_and_zips(raw_release):
    result = ocd_process(version=raw_release)
    processed = ProcessedDataVersion.objects.get(raw_version=raw_release)
    assert processed.status == "finished" and result["status"] == "finished"
    assert processed.process_finished_at and processed.export_finished_at and processed.package_finished_at
    assert processed.files.count() == len(OCD_MODELS) + len(FLAT_FILES)
    assert result["files"]["flat/Contributions.csv"] == 5 and result["files"]["flat/Expenditures.csv"] == 2
    assert result["files"]["flat/Candidates.csv"] == 7 and result["files"]["flat/Filings.csv"] == 7
    assert result["files"]["flat/RecallMeasures.csv"] == 1 and result["files"]["flat/Form460Filings.csv"] == 6
    directory = processed.directory
    for model in OCD_MODELS:
        path = directory / "relational" / f"{model.__name__}.csv"  # the coalition's name: Candidacy.csv
        header = _header(path)
        assert sorted(header) == sorted(f.column for f in model._meta.concrete_fields), model
        with path.open(newline="", encoding="utf-8") as f:
            ids = [row[header.index("id")] for row in list(csv.reader(f))[1:]]
        assert ids == sorted(ids, key=lambda s: s.encode())
    assert not list((directory / "relational").glob("opencivicdata_*.csv"))
    assert {z.name for z in processed.zips.all()} == {"flat.zip", "relational.zip"}
    with zipfile.ZipFile(directory / "flat.zip") as zf:
        names = zf.namelist()
        assert names[:3] == ["README.md", "SHA256SUMS", "datapackage.json"]
        sums = dict(reversed(line.split("  ")) for line in zf.read("SHA256SUMS").decode().splitlines())

        for name in names[1:]:
            if name != "SHA256SUMS":
                assert hashlib.sha256(zf.read(name)).hexdigest() == sums[name]


def test_candidates_flat_file_says_special_elections_and_status(raw_release):
    ocd_process(version=raw_release)
    path = ProcessedDataVersion.objects.get().directory / "flat" / "Candidates.csv"
    with path.open(newline="", encoding="utf-8") as f:
        rows = {row["calaccess_filer_id"]: row for row in csv.DictReader(f)}
    assert (rows["2005"]["special_election"], rows["2005"]["election_date"]) == ("true", "")  # 2017 special
    assert (rows["2001"]["special_election"], rows["2001"]["election_name"]) == ("false", "2018 PRIMARY")
    assert rows["2004"]["special_election"] == ""  # election type not given: not known
    assert rows["2003"]["registration_status"] == "withdrawn" and rows["2001"]["registration_status"] == "filed"
    assert rows["2003"]["office"] == "City Council, Oakland city"
    # Kim Poe's Form 501 gives her negative id; FILER_XREF_CD makes it filer 2006.
    assert (rows["2006"]["latest_calaccess_filer_id"], rows["2006"]["calaccess_filer_id_count"]) == ("-1234", "1")
    assert (rows["2001"]["latest_calaccess_filer_id"], rows["2001"]["calaccess_filer_id_count"]) == ("2001", "1")


def test_form460_filings_with_summary_totals(raw_release):
    ocd_process(version=raw_release)
    path = ProcessedDataVersion.objects.get().directory / "flat" / "Form460Filings.csv"
    with path.open(newline="", encoding="utf-8") as f:
        rows = {row["filing_id"]: row for row in csv.DictReader(f)}
    assert sorted(rows) == ["7001", "7002", "7005", "7006", "7007", "7008"]  # Form 460s only (7003 is a 497)
    jane = rows["7001"]
    assert jane["amendment_count"] == "1" and jane["committee_name"] == "Jane Smith for Assembly 2018"
    # The coalition's cover columns: the name as on the cover (the committee keeps FILERNAME_CD's), the election.
    assert (jane["filer_lastname"], jane["filer_id"], jane["election_date"]) == ("Smith 2018", "1001", "2018-06-05")
    assert (jane["from_date"], jane["thru_date"], jane["date_filed"]) == ("2018-01-01", "2018-03-31", "2018-05-02")
    # The current amendment's lines (not amendment 0's 90.00, nor schedule A's own summary), period amounts.
    assert (jane["monetary_contributions"], jane["total_contributions"], jane["ending_cash_balance"]) == (
        "100.00", "150.00", "-25.50")
    assert jane["loans_received"] == "" and jane["outstanding_debts"] == ""  # not on the summary: empty
    assert all(rows["7002"][name] == "" for name in ("monetary_contributions", "total_expenditures_made"))
    # Every version, each with its own summary: amendment 0 of 7001 reported 90.00.
    path = ProcessedDataVersion.objects.get().directory / "flat" / "Form460FilingVersions.csv"
    with path.open(newline="", encoding="utf-8") as f:
        versions = {(row["filing_id"], row["amend_id"]): row for row in csv.DictReader(f)}
    assert len(versions) == 7 and versions[("7001", "0")]["is_current"] == "false"
    assert versions[("7001", "0")]["monetary_contributions"] == "90.00"
    assert versions[("7001", "1")]["monetary_contributions"] == "100.00" and versions[("7001", "1")]["is_current"] == "true"


def test_flat_columns_equal_documented_schema(raw_release):
    ocd_process(version=raw_release)
    docs = DOCS.read_text()
    directory = ProcessedDataVersion.objects.get().directory
    for name, (_, _, fields, _) in FLAT_FILES.items():
        section = docs.split(f"### {name}\n", 1)[1].split("\n### ", 1)[0]
        documented = re.findall(r"^\| `([a-z0-9_]+)` \|", section, flags=re.M)
        assert _header(directory / "flat" / name) == documented == [f.name for f in fields], name


def test_zips_reproducible(raw_release):
    ocd_process(version=raw_release)
    directory = ProcessedDataVersion.objects.get().directory
    first = {name: (directory / name).read_bytes() for name in ("flat.zip", "relational.zip")}
    ocd_process(version=raw_release)  # re-processing the same raw data
    assert {name: (directory / name).read_bytes() for name in first} == first


def test_datapackages_valid(raw_release):
    frictionless = pytest.importorskip("frictionless")
    ocd_process(version=raw_release)
    directory = ProcessedDataVersion.objects.get().directory
    for group in ("flat", "relational"):
        with zipfile.ZipFile(directory / f"{group}.zip") as zf:
            zf.extractall(directory / f"unzipped-{group}")
        descriptor = directory / f"unzipped-{group}" / "datapackage.json"
        package = json.loads(descriptor.read_text())
        assert package["version"] == raw_release.slug and package["sources"][0]["path"] == "test"
        assert all(r["count"] >= 0 and r["hash"].startswith("sha256:") for r in package["resources"])
        report = frictionless.validate(str(descriptor))
        assert report.valid, report.flatten(["resourcePath", "rowNumber", "fieldName", "type", "note"])[:10]


def test_changes_against_previous_release(raw_release):
    ocd_process(version=raw_release)
    first = json.loads((ProcessedDataVersion.objects.get().directory / "changes.json").read_text())
    assert first["previous_release"] is None
    text = (ProcessedDataVersion.objects.get().directory / "changes.json").read_text()
    assert text == json.dumps(first, indent=2, ensure_ascii=False) + "\n" and len(first["new_filings"]) == 7
    assert first["tables"]["opencivicdata_filing"] == {"records": 7, "added": 7, "removed": 0}
    # The next night: one new filing by a new committee, one filing gone.
    raw("CvrCampaignDisclosureCd", filing_id=7010, amend_id=0, filer_id="1010", filer_naml="New PAC",
        form_type="F460", rec_type="CVR")
    apps.get_model("calaccess_raw", "CvrCampaignDisclosureCd").objects.filter(filing_id=7005).delete()
    later = RawDataVersion.objects.create(release_datetime=raw_release.release_datetime + dt.timedelta(days=1),
                                      source="test", status=RawDataVersion.Status.LOADED)
    result = ocd_process(version=later)
    text = (ProcessedDataVersion.objects.get(raw_version=later).directory / "changes.json").read_text()
    changes = json.loads(text)
    # Streamed, yet the bytes json.dumps(indent=2) would write; the database keeps the bounded summary.
    assert text == json.dumps(changes, indent=2, ensure_ascii=False) + "\n"
    assert ProcessedDataVersion.objects.get(raw_version=later).changes["new_counts"] == {
        "new_candidates": 0, "new_committees": 1, "new_filings": 1}
    assert changes["previous_release"] == raw_release.slug
    assert changes["tables"]["opencivicdata_filing"] == {"records": 7, "added": 1, "removed": 1}
    # Jurisdiction.csv starts with its timestamps (the coalition's order): its ids are still read, none new.
    assert changes["tables"]["opencivicdata_jurisdiction"] == {"records": 1, "added": 0, "removed": 0}
    assert [c["name"] for c in changes["new_committees"]] == ["New PAC"]
    assert [f["name"] for f in changes["new_filings"]] == ["7010 F460"]
    assert changes["new_candidates"] == []
    assert result["changes"]["opencivicdata_committee"] == {"added": 1, "removed": 1}
    # The older release's raw data is gone from the raw tables: re-processing it is refused.
    from processors.pipeline.process import ProcessingError

    with pytest.raises(ProcessingError, match="newer release"):
        ocd_process(version=raw_release)


def test_process_command_json(raw_release):
    out = io.StringIO()
    call_command("process", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["release"] == raw_release.slug and result["tables"]["opencivicdata_transaction"] == 8
    out = io.StringIO()
    call_command("process", raw_release.slug, stdout=out)
    assert "opencivicdata_filing: 7" in out.getvalue()


def test_process_command_unknown_release(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no loaded release"):
        call_command("process")
    with pytest.raises(CommandError, match="no release"):
        call_command("process", "2001-01-01_00-00-00")


def test_form501_filings_flat_file_describes_codes_and_leaves_form502s_out(raw_release):
    ocd_process(version=raw_release)
    path = ProcessedDataVersion.objects.get().directory / "flat" / "Form501Filings.csv"
    with path.open(newline="", encoding="utf-8") as f:
        rows = {row["filing_id"]: row for row in csv.DictReader(f)}
    assert "5011" not in rows  # Jane's Form 502, in the same raw table
    assert sorted(rows) == ["5001", "5002", "5003", "5004", "5005", "5006", "5007", "5008", "5009", "5010", "5012"]
    jane = rows["5001"]
    assert (jane["amendment_count"], jane["candidate_name"], jane["statement_type"]) == (
        "1", "Jane A. Smith", "AMENDMENT")
    assert (jane["date_filed"], jane["last_name"], jane["first_name"]) == ("2017-02-01", "Smith", "Jane A.")
    assert (jane["office_code"], jane["office"], jane["district_code"], jane["district"]) == (
        "30013", "ASSEMBLY", "17010", "7")
    assert (jane["party"], jane["election_type"], jane["election_year"]) == ("DEMOCRATIC", "PRIMARY", "2018")
    assert jane["middle_name"] == ""  # not in F501_502_CD
    # Jane's candidacy made by this statement; an unknown filer's statement made none.
    assert jane["ocd_candidacy_id"] == ocd_models.Candidacy.objects.get(person__name="Jane A. Smith").id
    assert rows["5010"]["ocd_candidacy_id"] == ""
    lou = rows["5003"]  # office code 0: the office in the filer's words, trimmed (the coalition's rule)
    assert (lou["office_code"], lou["office"], lou["office_description"]) == ("0", "City Council", "City Council")
    assert (lou["statement_type"], lou["agency"]) == ("TERMINATION", "City of Oakland")
    # Party code 0: the party as the filer wrote it.
    assert (rows["5002"]["party_code"], rows["5002"]["party"], rows["5002"]["party_text"]) == ("0", "R", "R")
    kim = rows["5006"]  # no district code: the district from DIST_NO, as a number
    assert (kim["district_code"], kim["district_number"], kim["district"]) == ("", "01", "1")


def test_loans_flat_file_lists_current_amendments_loans(raw_release):
    ocd_process(version=raw_release)
    path = ProcessedDataVersion.objects.get().directory / "flat" / "Loans.csv"
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [(r["calaccess_filing_id"], r["amend_id"], r["schedule"], r["lender_name"], r["loan_amount_1"],
             r["loan_date"], r["committee_name"]) for r in rows] == [
        ("7001", "1", "B1", "Jane Smith", "1000.00", "2018-01-15", "Jane Smith for Assembly 2018")]


# The coalition's relational CSVs (django-calaccess-processed-data: ProcessedDataFile.file_name is the model's
# object_name, the columns its proxies' copy_to_fields), read off its code and written down here as the truth
# our files are held to: a script that read the old zips by name or by position reads ours.
COALITION_HEADERS = {
    "Candidacy.csv": ["id", "candidate_name", "person_id", "party_id", "contest_id", "post_id", "is_incumbent",
                      "registration_status", "top_ticket_candidacy_id", "filed_date", "created_at", "updated_at",
                      "extras"],
    "Election.csv": ["id", "name", "date", "division_id", "administrative_organization_id", "created_at",
                     "updated_at", "extras"],
    "BallotMeasureContest.csv": ["id", "name", "division_id", "election_id", "description", "requirement",
                                 "classification", "runoff_for_contest_id", "created_at", "updated_at", "extras"],
    "Person.csv": ["id", "name", "sort_name", "family_name", "given_name", "image", "gender", "summary",
                   "national_identity", "biography", "birth_date", "death_date", "created_at", "updated_at",
                   "extras"],
    "Jurisdiction.csv": ["created_at", "updated_at", "extras", "id", "name", "url", "classification",
                         "division_id"],
    "Division.csv": ["id", "name", "redirect_id", "country"] + [f"sub{k}{i}" for i in range(1, 8)
                                                               for k in ("type", "id")],
    "PersonIdentifier.csv": ["id", "identifier", "scheme", "person_id"],
}


def test_relational_files_have_the_coalitions_names_and_column_order(raw_release):
    ocd_process(version=raw_release)
    processed = ProcessedDataVersion.objects.get()
    for name, header in COALITION_HEADERS.items():
        assert _header(processed.directory / "relational" / name) == header, name
    # A table the coalition did not have: named in its style, the id first and the timestamps last.
    assert _header(processed.directory / "relational" / "Committee.csv") == [
        "id", "name", "committee_type", "parent_id", "calaccess_filer_id", "created_at", "updated_at", "extras"]
    stored = set(processed.files.filter(group="relational").values_list("name", flat=True))
    assert stored == {f"{m.__name__}.csv" for m in OCD_MODELS}
    with zipfile.ZipFile(processed.directory / "relational.zip") as zf:
        package = json.loads(zf.read("datapackage.json"))
        assert "Candidacy.csv" in zf.namelist()
    candidacy = next(r for r in package["resources"] if r["path"] == "Candidacy.csv")
    assert candidacy["name"] == "candidacy"
    assert [f["name"] for f in candidacy["schema"]["fields"]] == COALITION_HEADERS["Candidacy.csv"]


def _to_old_names(directory: Path) -> None:
    """Make a processed release look as one exported before the coalition's names: opencivicdata_*.csv with
    the columns in model order, as those releases are on disk and in archive storage."""
    from ocd.relational import relational_tables, relational_tables_before

    before = {t.db_table: t for t in relational_tables_before()}
    for table in relational_tables():
        path = directory / "relational" / table.name
        with path.open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        old = before[table.db_table]
        with (directory / "relational" / old.name).open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, [x.name for x in old.fields])
            writer.writeheader()
            writer.writerows(rows)
        path.unlink()


def test_changes_against_a_previous_release_with_the_old_names(raw_release):
    """The release before the coalition's names has opencivicdata_*.csv (Jurisdiction's id first): changes.json
    compares with them as with new-named files."""
    ocd_process(version=raw_release)
    _to_old_names(ProcessedDataVersion.objects.get(raw_version=raw_release).directory)
    later = RawDataVersion.objects.create(release_datetime=raw_release.release_datetime + dt.timedelta(days=1),
                                          source="test", status=RawDataVersion.Status.LOADED)
    ocd_process(version=later)
    changes = json.loads((ProcessedDataVersion.objects.get(raw_version=later).directory / "changes.json")
                         .read_text())
    assert changes["previous_release"] == raw_release.slug
    # Nothing changed in the raw data: every id is found in the old-named files (none added, none removed).
    assert all(t["added"] == 0 and t["removed"] == 0 for t in changes["tables"].values()), changes["tables"]
    assert changes["tables"]["opencivicdata_jurisdiction"]["records"] == 1
    assert changes["new_filings"] == [] and changes["new_candidates"] == []


def test_a_release_exported_with_the_old_names_is_packaged_with_them(raw_release):
    """Exported before the coalition's names, packaged after: its files keep their names, and datapackage.json
    describes their columns as they are (model order), so the package still validates."""
    frictionless = pytest.importorskip("frictionless")
    from ocd.relational import relational_names_alike
    from processors.digest import digest_file
    from processors.pipeline.process import ocd_package

    ocd_process(version=raw_release)
    processed = ProcessedDataVersion.objects.get()
    _to_old_names(processed.directory)
    for f in processed.files.filter(group="relational"):
        f.name = relational_names_alike(f.name)[1]
        path = processed.directory / "relational" / f.name
        f.size, f.sha256 = path.stat().st_size, digest_file(path, md5=False).sha256
        f.save()
    ProcessedDataVersion.objects.filter(pk=processed.pk).update(status="exported")  # exported, not packaged
    ocd_package(version=raw_release)
    with zipfile.ZipFile(processed.directory / "relational.zip") as zf:
        assert "opencivicdata_candidacy.csv" in zf.namelist() and "Candidacy.csv" not in zf.namelist()
        zf.extractall(processed.directory / "unzipped")
    package = json.loads((processed.directory / "unzipped" / "datapackage.json").read_text())
    candidacy = next(r for r in package["resources"] if r["path"] == "opencivicdata_candidacy.csv")
    assert [f["name"] for f in candidacy["schema"]["fields"]][:5] == [
        "id", "created_at", "updated_at", "extras", "person_id"]
    report = frictionless.validate(str(processed.directory / "unzipped" / "datapackage.json"))
    assert report.valid, report.flatten(["resourcePath", "rowNumber", "fieldName", "type", "note"])[:10]


def test_documented_always_empty_relational_columns_are_empty(raw_release):
    """docs/ocd-exports.md "Always empty": each column listed is empty in every row, each file listed for
    "every row" has none, so the list says what the files hold."""
    ocd_process(version=raw_release)
    directory = ProcessedDataVersion.objects.get().directory / "relational"
    section = DOCS.read_text().split("### Always empty\n", 1)[1].split("\nReleases processed before", 1)[0]
    listed = 0
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        files_cell, columns_cell = line.split(" | ")[:2]
        for name in re.findall(r"`([A-Za-z]+\.csv)`", files_cell):
            with (directory / name).open(newline="", encoding="utf-8") as f:
                rows = list(csv.DictReader(f))
            if columns_cell == "every row (no rows)":
                assert rows == [], name
                continue
            columns = re.findall(r"`([a-z_]+)`", columns_cell)
            assert rows, f"{name}: no rows to show its columns empty"
            for column in columns:
                assert all(row[column] == "" for row in rows), (name, column)
                listed += 1
    assert listed >= 25


def test_reprocessing_a_release_exported_with_the_old_names_keeps_them(raw_release):
    """A release published as opencivicdata_*.csv keeps those names (its links, its archive paths) when it is
    processed again, with the columns in the order they had; twice gives the same bytes."""
    from ocd.relational import relational_names_alike, relational_tables_before

    ocd_process(version=raw_release)
    processed = ProcessedDataVersion.objects.get()
    _to_old_names(processed.directory)
    for f in processed.files.filter(group="relational"):
        f.name = relational_names_alike(f.name)[1]
        f.save()
    ocd_process(version=raw_release)
    directory = processed.directory / "relational"
    before = relational_tables_before()
    assert {p.name for p in directory.glob("*.csv")} == {t.name for t in before}
    assert set(processed.files.filter(group="relational").values_list("name", flat=True)) == {t.name for t in before}
    for table in before:
        assert _header(directory / table.name) == [f.name for f in table.fields], table.name
    first = (processed.directory / "relational.zip").read_bytes()
    assert "opencivicdata_candidacy.csv" in zipfile.ZipFile(processed.directory / "relational.zip").namelist()
    ocd_process(version=raw_release)
    assert (processed.directory / "relational.zip").read_bytes() == first
