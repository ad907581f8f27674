"""Records of every file put into archive storage, and how far it got."""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.functions import StrIndex, Substr


def item_path():
    """A record's file name inside its archive item (what follows the first '/' of `name`), in SQL.

    Indexed (Meta.indexes), so one file is found across thousands of items without a scan:
    filter through ArchivedFile.objects.at_paths, which writes the same expression.
    """
    return Substr("name", StrIndex("name", models.Value("/")) + 1)


class ArchivedFileQuerySet(models.QuerySet):
    def at_paths(self, *paths: str) -> "ArchivedFileQuerySet":
        """The records of files named `paths` inside their items (e.g. "flat.zip", "clean/RCPT_CD.csv")."""
        return self.alias(item_path=item_path()).filter(item_path__in=paths)


class ArchivedFile(models.Model):
    """One file in one archive storage, by its storage name `<identifier>/<file name>`.

    pending -> uploading -> uploaded -> verified; any step may end in failed, and a
    re-run picks up every file that is not verified (README.md).

    `owner` links a record to what it archives (any model instance, or nothing): a generic
    relation, so a project's model points here with a GenericRelation on its side, e.g.

        archived_files = GenericRelation(ArchivedFile, content_type_field="owner_type",
                                         object_id_field="owner_id", related_query_name="release")
    """

    class Status(models.TextChoices):
        PENDING = "pending"
        UPLOADING = "uploading"
        UPLOADED = "uploaded", "uploaded, not yet verified"
        VERIFIED = "verified"
        FAILED = "failed"

    # Moves go through status_transition; verified -> pending: the local file changed.
    TRANSITIONS = {
        Status.PENDING: frozenset({Status.UPLOADING, Status.UPLOADED, Status.VERIFIED, Status.FAILED}),
        Status.UPLOADING: frozenset({Status.UPLOADED, Status.FAILED, Status.PENDING, Status.UPLOADING}),
        Status.UPLOADED: frozenset({Status.VERIFIED, Status.FAILED, Status.PENDING, Status.UPLOADING}),
        Status.VERIFIED: frozenset({Status.PENDING, Status.VERIFIED}),
        Status.FAILED: frozenset({Status.UPLOADING, Status.UPLOADED, Status.VERIFIED, Status.PENDING}),
    }

    storage = models.CharField(max_length=40, help_text="Storage label: local or archive.org")
    name = models.CharField(max_length=400, help_text="<identifier>/<file name>")
    identifier = models.CharField(max_length=100, db_index=True)
    owner_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    owner_id = models.PositiveBigIntegerField(null=True, blank=True)
    owner = GenericForeignKey("owner_type", "owner_id")
    role = models.CharField(max_length=20, default="other", help_text="What the file is to its owner (free text)")
    local_path = models.CharField(max_length=1000, blank=True)
    md5 = models.CharField(max_length=32, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0, help_text="Upload attempts (PUTs sent)")
    checks = models.PositiveIntegerField(default=0, help_text="Times the item's file list was read for it")
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    upload_started_at = models.DateTimeField(null=True, blank=True)
    uploaded_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True, help_text="When verification should look again")

    objects = ArchivedFileQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["storage", "name"], name="one_record_per_archived_name")]
        indexes = [models.Index(item_path(), name="archivedfile_item_path"),
                   models.Index(fields=["owner_type", "owner_id"], name="archivedfile_owner")]
        ordering = ["identifier", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.storage}): {self.status}"

    @property
    def file_name(self) -> str:
        return self.name.partition("/")[2]
