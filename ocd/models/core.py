"""OCD core: Division, Jurisdiction, Organization, Person, Post, Membership.

Model, table and column names follow python-opencivicdata (opencivicdata.core).
"""

from django.db import models

from .base import IdentifierBase, OCDBase, OtherNameBase, ocd_id_field


class Division(models.Model):
    id = models.CharField(max_length=300, primary_key=True, help_text="ocd-division/country:us/... path.")
    name = models.CharField(max_length=300, help_text="The name of the division.")
    redirect = models.ForeignKey("self", null=True, on_delete=models.SET_NULL, help_text="Replacement division.")
    country = models.CharField(max_length=2, help_text="ISO-3166-1 alpha-2 country code.")
    subtype1 = models.CharField(max_length=50, blank=True, help_text="First subtype of the id.")
    subid1 = models.CharField(max_length=100, blank=True, help_text="First subidentifier of the id.")
    subtype2 = models.CharField(max_length=50, blank=True, help_text="Second subtype of the id.")
    subid2 = models.CharField(max_length=100, blank=True, help_text="Second subidentifier of the id.")
    subtype3 = models.CharField(max_length=50, blank=True, help_text="Third subtype of the id.")
    subid3 = models.CharField(max_length=100, blank=True, help_text="Third subidentifier of the id.")
    subtype4 = models.CharField(max_length=50, blank=True, help_text="Fourth subtype of the id.")
    subid4 = models.CharField(max_length=100, blank=True, help_text="Fourth subidentifier of the id.")
    subtype5 = models.CharField(max_length=50, blank=True, help_text="Fifth subtype of the id.")
    subid5 = models.CharField(max_length=100, blank=True, help_text="Fifth subidentifier of the id.")
    subtype6 = models.CharField(max_length=50, blank=True, help_text="Sixth subtype of the id.")
    subid6 = models.CharField(max_length=100, blank=True, help_text="Sixth subidentifier of the id.")
    subtype7 = models.CharField(max_length=50, blank=True, help_text="Seventh subtype of the id.")
    subid7 = models.CharField(max_length=100, blank=True, help_text="Seventh subidentifier of the id.")

    class Meta:
        db_table = "opencivicdata_division"

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"


class Jurisdiction(OCDBase):
    id = models.CharField(max_length=300, primary_key=True, help_text="ocd-jurisdiction/... path.")
    name = models.CharField(max_length=300, help_text="The common name of the jurisdiction.")
    url = models.URLField(max_length=2000, help_text="The primary website of the jurisdiction.")
    classification = models.CharField(max_length=50, default="government", help_text="Type of jurisdiction.")
    division = models.ForeignKey(
        Division, related_name="jurisdictions", on_delete=models.PROTECT, help_text="Division governed."
    )

    class Meta:
        db_table = "opencivicdata_jurisdiction"

    def __str__(self) -> str:
        return self.name


class Organization(OCDBase):
    id = ocd_id_field("organization")
    name = models.CharField(max_length=300, help_text="The name of the organization.")
    image = models.URLField(max_length=2000, blank=True, help_text="URL of an image of the organization.")
    parent = models.ForeignKey(
        "self", related_name="children", null=True, on_delete=models.SET_NULL, help_text="Parent organization."
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, related_name="organizations", null=True, on_delete=models.PROTECT, help_text="Jurisdiction."
    )
    classification = models.CharField(max_length=100, blank=True, help_text="party, legislature, upper, lower...")
    founding_date = models.CharField(max_length=10, blank=True, help_text="Founding date, YYYY[-MM[-DD]].")
    dissolution_date = models.CharField(max_length=10, blank=True, help_text="Dissolution date, YYYY[-MM[-DD]].")

    class Meta:
        db_table = "opencivicdata_organization"

    def __str__(self) -> str:
        return self.name


class OrganizationIdentifier(IdentifierBase):
    organization = models.ForeignKey(
        Organization, related_name="identifiers", on_delete=models.CASCADE, help_text="Organization identified."
    )

    class Meta:
        db_table = "opencivicdata_organizationidentifier"


class OrganizationName(OtherNameBase):
    organization = models.ForeignKey(
        Organization, related_name="other_names", on_delete=models.CASCADE, help_text="Organization named."
    )

    class Meta:
        db_table = "opencivicdata_organizationname"


class Post(OCDBase):
    id = ocd_id_field("post")
    label = models.CharField(max_length=300, help_text="A label describing the post.")
    role = models.CharField(max_length=300, blank=True, help_text="The function the holder fulfills.")
    organization = models.ForeignKey(
        Organization, related_name="posts", on_delete=models.CASCADE, help_text="Organization of the post."
    )
    division = models.ForeignKey(
        Division, related_name="posts", null=True, on_delete=models.SET_NULL, help_text="Division of the post."
    )
    start_date = models.CharField(max_length=10, blank=True, help_text="Start date, YYYY[-MM[-DD]].")
    end_date = models.CharField(max_length=10, blank=True, help_text="End date, YYYY[-MM[-DD]].")
    maximum_memberships = models.PositiveIntegerField(default=1, help_text="How many people hold the post.")

    class Meta:
        db_table = "opencivicdata_post"

    def __str__(self) -> str:
        return self.label


class Person(OCDBase):
    id = ocd_id_field("person")
    name = models.CharField(max_length=300, db_index=True, help_text="Preferred full name.")
    sort_name = models.CharField(max_length=100, blank=True, default="", help_text="Name for sorting.")
    family_name = models.CharField(max_length=100, blank=True, help_text="Family name.")
    given_name = models.CharField(max_length=100, blank=True, help_text="Given name.")
    image = models.URLField(max_length=2000, blank=True, help_text="URL of an image of the person.")
    gender = models.CharField(max_length=100, blank=True, help_text="Gender.")
    summary = models.CharField(max_length=500, blank=True, help_text="A one-line account of the person.")
    national_identity = models.CharField(max_length=300, blank=True, help_text="Nation identified with.")
    biography = models.TextField(blank=True, help_text="An extended account of the person's life.")
    birth_date = models.CharField(max_length=10, blank=True, help_text="Birth date, YYYY[-MM[-DD]].")
    death_date = models.CharField(max_length=10, blank=True, help_text="Death date, YYYY[-MM[-DD]].")

    class Meta:
        db_table = "opencivicdata_person"
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return self.name


class PersonIdentifier(IdentifierBase):
    person = models.ForeignKey(
        Person, related_name="identifiers", on_delete=models.CASCADE, help_text="Person identified."
    )

    class Meta:
        db_table = "opencivicdata_personidentifier"


class PersonName(OtherNameBase):
    person = models.ForeignKey(Person, related_name="other_names", on_delete=models.CASCADE, help_text="Person.")

    class Meta:
        db_table = "opencivicdata_personname"


class Membership(OCDBase):
    id = ocd_id_field("membership")
    organization = models.ForeignKey(
        Organization, related_name="memberships", on_delete=models.CASCADE, help_text="Organization."
    )
    person = models.ForeignKey(
        Person, related_name="memberships", null=True, on_delete=models.SET_NULL, help_text="Member."
    )
    person_name = models.CharField(max_length=300, blank=True, default="", help_text="Name of the member.")
    post = models.ForeignKey(Post, related_name="memberships", null=True, on_delete=models.SET_NULL, help_text="Post.")
    on_behalf_of = models.ForeignKey(
        Organization,
        related_name="memberships_on_behalf_of",
        null=True,
        on_delete=models.SET_NULL,
        help_text="Organization on whose behalf the person is a member.",
    )
    label = models.CharField(max_length=300, blank=True, help_text="A label describing the membership.")
    role = models.CharField(max_length=300, blank=True, help_text="The role the member fulfills.")
    start_date = models.CharField(max_length=10, blank=True, help_text="Start date, YYYY[-MM[-DD]].")
    end_date = models.CharField(max_length=10, blank=True, help_text="End date, YYYY[-MM[-DD]].")

    class Meta:
        db_table = "opencivicdata_membership"
