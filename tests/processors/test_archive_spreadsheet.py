import pytest

from archive_storage.spreadsheet import SpreadsheetError, spreadsheet_read


def sheet(tmp_path, text):
    (tmp_path / "a.csv").write_text("1\n")
    (tmp_path / "b.csv").write_text("2\n")
    path = tmp_path / "sheet.csv"
    path.write_text(text)
    return path


def test_rows_continue_the_item_above_and_repeated_keys_become_lists(tmp_path):
    plan = spreadsheet_read(path=sheet(tmp_path, "identifier,file,REMOTE_NAME,title,subject[0],subject[1]\n"
                                                 "ccdc-backfill-1,a.csv,data/a.csv,Backfill,x,y\n,b.csv,,,,\n"))
    assert [u.name for u in plan.units] == ["ccdc-backfill-1/data/a.csv", "ccdc-backfill-1/b.csv"]
    assert plan.items == {"ccdc-backfill-1": {"title": "Backfill", "subject": ["x", "y"]}}


def test_the_whole_sheet_is_checked_before_anything(tmp_path):
    with pytest.raises(SpreadsheetError) as error:
        spreadsheet_read(path=sheet(tmp_path, "identifier,file,bad key!\n-bad,a.csv,\nccdc-ok,missing.csv,\n"))
    problems = error.value.problems
    assert len(problems) == 3
    assert any("bad key!" in p for p in problems) and any("-bad" in p for p in problems)
    assert any("missing.csv" in p for p in problems)
