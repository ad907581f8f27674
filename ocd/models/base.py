"""Shared bases of the OCD models, after python-opencivicdata's core/models/base.py.

Differences, on purpose: ids are derived from CAL-ACCESS keys (never random,
docs/ocd-ids.md); created_at/updated_at hold the release's datetime, so the
same raw data always gives the same rows; `locked_fields` (a pupa import
setting) is left out.
"""

from django.db import models


def ocd_id_field(ocd_type: str, **kwargs) -> models.CharField:
    """The primary key of a top-level model: "ocd-<type>/<uuid>"."""
    kwargs.setdefault("help_text", f"Open Civic Data id, ocd-{ocd_type}/<uuid> (docs/ocd-ids.md).")
    return models.CharField(max_length=41 + len(ocd_type), primary_key=True, **kwargs)


class OCDBase(models.Model):
    created_at = models.DateTimeField(help_text="The release datetime of the raw data the row was built from.")
    updated_at = models.DateTimeField(help_text="The release datetime of the raw data the row was built from.")
    extras = models.JSONField(
        default=dict, blank=True, help_text="Key-value store of CAL-ACCESS details not covered elsewhere."
    )

    class Meta:
        abstract = True


class RelatedBase(models.Model):
    id = models.UUIDField(primary_key=True, help_text="Name-based UUID derived from CAL-ACCESS keys.")

    class Meta:
        abstract = True


class IdentifierBase(RelatedBase):
    identifier = models.CharField(max_length=300, help_text="A unique identifier developed by an upstream source.")
    scheme = models.CharField(max_length=300, help_text="The name of the service that created the identifier.")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.identifier


class OtherNameBase(RelatedBase):
    name = models.CharField(max_length=500, db_index=True, help_text="An alternative name.")
    note = models.CharField(max_length=500, blank=True, help_text="A short, optional note about the name.")
    start_date = models.CharField(max_length=10, blank=True, help_text="Start of use, YYYY[-MM[-DD]].")
    end_date = models.CharField(max_length=10, blank=True, help_text="End of use, YYYY[-MM[-DD]].")

    class Meta:
        abstract = True


class LinkBase(RelatedBase):
    note = models.CharField(max_length=300, blank=True, help_text="A short, optional note.")
    url = models.URLField(max_length=2000, help_text="A hyperlink related to the object.")

    class Meta:
        abstract = True
