"""`ArchiveFileField`: a model FileField whose files go to archive storage (archive.org or local).

    class Dataset(models.Model):
        slug = models.SlugField()
        data = ArchiveFileField(
            upload_to=lambda obj, filename: f"myorg-dataset-{obj.slug}/{filename}",
            item_metadata=lambda obj: {"title": f"Dataset {obj.slug}"},
        )

    dataset.data.save("table.csv", File(open(path, "rb")))  # on archive.org, with retries

See README.md beside this file.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils.deconstruct import deconstructible

from .identifiers import name_split


def archive_storage_configured() -> Storage:
    """The storage configured as STORAGES["archive"]; without one, archive.org (ArchiveOrgStorage, IA_* settings)."""
    if "archive" in settings.STORAGES:
        return storages["archive"]
    from .archive_org import ArchiveOrgStorage

    global _DEFAULT
    _DEFAULT = _DEFAULT or ArchiveOrgStorage()
    return _DEFAULT


_DEFAULT = None


@deconstructible(path="archive_storage.fields.ConfiguredArchiveStorage")
class ConfiguredArchiveStorage(Storage):
    """Whatever STORAGES["archive"] is at the moment of each call (so a change of
    settings, in a test or a deployment, reaches fields defined at import): archive_storage_configured."""

    def __getattribute__(self, attr: str):
        if attr.startswith("__") or attr == "deconstruct":
            return object.__getattribute__(self, attr)
        return getattr(archive_storage_configured(), attr)


_CONFIGURED = ConfiguredArchiveStorage()


def configured_archive_storage() -> Storage:
    return _CONFIGURED


class ArchiveFieldFile(FieldFile):
    def save(self, name, content, save=True):
        """Create or update the item's metadata first, then store the file."""
        metadata = self.field.item_metadata_for(self.instance)
        if metadata is not None and hasattr(self.storage, "item_ensure"):
            identifier = name_split(self.field.generate_filename(self.instance, name)).identifier
            self.storage.item_ensure(identifier, metadata)
        super().save(name, content, save)


class ArchiveFileField(models.FileField):
    """A FileField on archive storage; `upload_to` must give `<identifier>/<file name>`.

    item_metadata: a dict, or a callable taking the model instance, with the item's
    metadata (title, description, subject list...); archive storage adds mediatype
    and collection.
    """

    attr_class = ArchiveFieldFile

    def __init__(self, verbose_name=None, name=None, upload_to="", storage=None,
                 item_metadata: dict | Callable | None = None, **kwargs):
        self.item_metadata = item_metadata
        kwargs.setdefault("max_length", 400)
        super().__init__(verbose_name, name, upload_to=upload_to, storage=storage or configured_archive_storage,
                         **kwargs)

    def item_metadata_for(self, instance) -> dict | None:
        return self.item_metadata(instance) if callable(self.item_metadata) else self.item_metadata

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("storage") is configured_archive_storage:
            del kwargs["storage"]
        if kwargs.get("max_length") == 400:
            del kwargs["max_length"]
        return name, path, args, kwargs
