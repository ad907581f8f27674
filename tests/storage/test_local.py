import hashlib

from django.core.files.base import ContentFile

from calaccess_archive.storage import LocalArchiveStorage, archive_storage


def test_local_is_the_default_and_keeps_files_under_the_data_dir(settings):
    storage = archive_storage()
    assert isinstance(storage, LocalArchiveStorage)
    assert storage.save("ccdc-x/a.csv", ContentFile(b"1,2\n")) == "ccdc-x/a.csv"
    assert (settings.CALACCESS_DATA_DIR / "archive" / "ccdc-x" / "a.csv").read_bytes() == b"1,2\n"
    assert storage.exists("ccdc-x/a.csv") and storage.size("ccdc-x/a.csv") == 4
    assert storage.url("ccdc-x/a.csv") == "/archive/ccdc-x/a.csv"
    assert storage.listdir("ccdc-x") == ([], ["a.csv"])
    with storage.open("ccdc-x/a.csv") as f:
        assert f.read() == b"1,2\n"


def test_saving_a_name_again_replaces_it():
    storage = archive_storage()
    storage.save("ccdc-x/a.csv", ContentFile(b"old"))
    assert storage.save("ccdc-x/a.csv", ContentFile(b"new")) == "ccdc-x/a.csv"
    assert storage.item_files("ccdc-x")["a.csv"].md5 == hashlib.md5(b"new").hexdigest()
    storage.delete("ccdc-x/a.csv")
    assert not storage.exists("ccdc-x/a.csv")


def test_item_metadata_written_once():
    storage = archive_storage()
    assert storage.item_ensure("ccdc-x", {"title": "T"}) is True
    assert storage.item_ensure("ccdc-x", {"title": "T"}) is False
    assert "ccdc-x_meta.json" in storage.item_files("ccdc-x")
