import pytest

from archive_storage.identifiers import InvalidArchiveName, identifier_validate, name_join, name_split


@pytest.mark.parametrize("identifier", ["ccdc-raw-data-2024-05-06_07-08-09", "a", "A.b_c-9", "x" * 100])
def test_valid_identifiers(identifier):
    assert identifier_validate(identifier) == identifier


@pytest.mark.parametrize("identifier", ["", "-x", "_x", ".x", "a b", "é", "x" * 101, "a/b", "a+b"])
def test_invalid_identifiers_refused(identifier):
    with pytest.raises(InvalidArchiveName):
        identifier_validate(identifier)


def test_names_split_and_join():
    assert str(name_split("item-1/clean/A.csv")) == "item-1/clean/A.csv"
    assert name_split("item-1/clean/A.csv").file_name == "clean/A.csv"
    assert name_join("item-1", "A.csv") == "item-1/A.csv"
    for bad in ("no-slash", "item/../x", "item/", "-item/a.csv"):
        with pytest.raises(InvalidArchiveName):
            name_split(bad)
