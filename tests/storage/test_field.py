from django.core.files.base import ContentFile
from django.db import models
from django.test.utils import isolate_apps

from archive_storage.fields import ArchiveFileField


@isolate_apps("calaccess_archive")
def test_field_puts_the_file_on_archive_org_with_item_metadata(archive_org):
    class Dataset(models.Model):
        slug = models.SlugField()
        data = ArchiveFileField(upload_to=lambda obj, filename: f"ccdc-dataset-{obj.slug}/{filename}",
                                item_metadata=lambda obj: {"title": f"Dataset {obj.slug}"})

        class Meta:
            app_label = "calaccess_archive"

    dataset = Dataset(slug="one")
    dataset.data.save("table.csv", ContentFile(b"a,b\n"), save=False)
    assert dataset.data.name == "ccdc-dataset-one/table.csv"
    assert archive_org.items["ccdc-dataset-one"].metadata["title"] == "Dataset one"
    assert archive_org.items["ccdc-dataset-one"].metadata["mediatype"] == "data"
    assert dataset.data.url == "http://archive.org/download/ccdc-dataset-one/table.csv"
    assert dataset.data.size == 4
    name, path, args, kwargs = Dataset._meta.get_field("data").deconstruct()
    assert "storage" not in kwargs
