"""OCD elections (OCDEP 20): Election, CandidateContest, Candidacy, BallotMeasureContest, RetentionContest.

Model, table and column names follow python-opencivicdata (opencivicdata.elections).
"""

from django.db import models

from .base import IdentifierBase, LinkBase, OCDBase, ocd_id_field
from .core import Division, Membership, Organization, Person, Post


class Election(OCDBase):
    id = ocd_id_field("election")
    name = models.CharField(max_length=300, help_text="Name of the election.")
    date = models.DateField(null=True, help_text="Date when eligible voters cast their ballots (empty: not known).")
    division = models.ForeignKey(
        Division, related_name="elections", on_delete=models.PROTECT, help_text="Broadest division of the election."
    )
    administrative_organization = models.ForeignKey(
        Organization, related_name="elections", null=True, on_delete=models.SET_NULL, help_text="Administrator."
    )

    class Meta:
        db_table = "opencivicdata_election"

    def __str__(self) -> str:
        return self.name


class ElectionIdentifier(IdentifierBase):
    election = models.ForeignKey(Election, related_name="identifiers", on_delete=models.CASCADE, help_text="Election.")

    class Meta:
        db_table = "opencivicdata_electionidentifier"


class ElectionSource(LinkBase):
    election = models.ForeignKey(Election, related_name="sources", on_delete=models.CASCADE, help_text="Election.")

    class Meta:
        db_table = "opencivicdata_electionsource"


class CandidateContest(OCDBase):
    id = ocd_id_field("contest")
    name = models.CharField(max_length=300, help_text="Name of the contest.")
    division = models.ForeignKey(
        Division, related_name="candidatecontests", on_delete=models.PROTECT, help_text="Division of the contest."
    )
    election = models.ForeignKey(
        Election, related_name="candidatecontests", on_delete=models.CASCADE, help_text="Election of the contest."
    )
    party = models.ForeignKey(
        Organization, related_name="candidate_contests", null=True, on_delete=models.SET_NULL,
        help_text="Party of a partisan primary contest.",
    )
    previous_term_unexpired = models.BooleanField(default=False, help_text="The previous holder left early.")
    number_elected = models.IntegerField(default=1, help_text="Number of candidates elected.")
    runoff_for_contest = models.OneToOneField(
        "self", related_name="runoff_contest", null=True, on_delete=models.SET_NULL, help_text="Contest run off."
    )

    class Meta:
        db_table = "opencivicdata_candidatecontest"

    def __str__(self) -> str:
        return self.name


class CandidateContestPost(models.Model):
    id = models.UUIDField(primary_key=True, help_text="Name-based UUID derived from CAL-ACCESS keys.")
    contest = models.ForeignKey(CandidateContest, related_name="posts", on_delete=models.CASCADE, help_text="Contest.")
    post = models.ForeignKey(Post, related_name="contests", on_delete=models.CASCADE, help_text="Post at stake.")
    sort_order = models.IntegerField(default=0, help_text="Order of posts within the contest.")

    class Meta:
        db_table = "opencivicdata_candidatecontestpost"


class CandidateContestSource(LinkBase):
    contest = models.ForeignKey(CandidateContest, related_name="sources", on_delete=models.CASCADE, help_text="Contest.")

    class Meta:
        db_table = "opencivicdata_candidatecontestsource"


class Candidacy(OCDBase):
    id = ocd_id_field("candidacy")
    person = models.ForeignKey(Person, related_name="candidacies", on_delete=models.CASCADE, help_text="Candidate.")
    post = models.ForeignKey(Post, related_name="candidacies", on_delete=models.PROTECT, help_text="Office sought.")
    contest = models.ForeignKey(
        CandidateContest, related_name="candidacies", on_delete=models.CASCADE, help_text="Contest entered."
    )
    candidate_name = models.CharField(max_length=300, help_text="The candidate's name as of the candidacy.")
    filed_date = models.DateField(null=True, help_text="Date of the earliest statement of intention (Form 501).")
    is_incumbent = models.BooleanField(null=True, help_text="Seeking re-election (unknown in CAL-ACCESS: empty).")
    party = models.ForeignKey(
        Organization, related_name="candidacies", null=True, on_delete=models.SET_NULL, help_text="Party."
    )
    registration_status = models.CharField(max_length=10, null=True, help_text="filed, qualified, withdrawn...")
    top_ticket_candidacy = models.ForeignKey(
        "self", related_name="ticket", null=True, on_delete=models.SET_NULL, help_text="Top of the ticket."
    )

    class Meta:
        db_table = "opencivicdata_candidacy"
        verbose_name_plural = "candidacies"


class CandidacySource(LinkBase):
    candidacy = models.ForeignKey(Candidacy, related_name="sources", on_delete=models.CASCADE, help_text="Candidacy.")

    class Meta:
        db_table = "opencivicdata_candidacysource"


class BallotMeasureContest(OCDBase):
    id = ocd_id_field("contest")
    name = models.CharField(max_length=300, help_text="Name of the measure.")
    division = models.ForeignKey(
        Division, related_name="ballotmeasurecontests", on_delete=models.PROTECT, help_text="Division voting."
    )
    election = models.ForeignKey(
        Election, related_name="ballotmeasurecontests", on_delete=models.CASCADE, help_text="Election."
    )
    description = models.TextField(help_text="Text describing the measure.")
    requirement = models.CharField(max_length=300, blank=True, default="50% plus one vote", help_text="Threshold.")
    classification = models.CharField(max_length=300, blank=True, help_text="Origin or outcome of the measure.")
    runoff_for_contest = models.OneToOneField(
        "self", related_name="runoff_contest", null=True, on_delete=models.SET_NULL, help_text="Contest run off."
    )

    class Meta:
        db_table = "opencivicdata_ballotmeasurecontest"

    def __str__(self) -> str:
        return self.name


class BallotMeasureContestOption(models.Model):
    id = models.UUIDField(primary_key=True, help_text="Name-based UUID derived from CAL-ACCESS keys.")
    contest = models.ForeignKey(
        BallotMeasureContest, related_name="options", on_delete=models.CASCADE, help_text="Contest."
    )
    text = models.CharField(max_length=300, help_text="Text of the option.")

    class Meta:
        db_table = "opencivicdata_ballotmeasurecontestoption"


class BallotMeasureContestIdentifier(IdentifierBase):
    contest = models.ForeignKey(
        BallotMeasureContest, related_name="identifiers", on_delete=models.CASCADE, help_text="Contest."
    )

    class Meta:
        db_table = "opencivicdata_ballotmeasurecontestidentifier"


class BallotMeasureContestSource(LinkBase):
    contest = models.ForeignKey(
        BallotMeasureContest, related_name="sources", on_delete=models.CASCADE, help_text="Contest."
    )

    class Meta:
        db_table = "opencivicdata_ballotmeasurecontestsource"


class RetentionContest(OCDBase):
    id = ocd_id_field("contest")
    name = models.CharField(max_length=300, help_text="Name of the contest.")
    division = models.ForeignKey(
        Division, related_name="retentioncontests", on_delete=models.PROTECT, help_text="Division voting."
    )
    election = models.ForeignKey(
        Election, related_name="retentioncontests", on_delete=models.CASCADE, help_text="Election."
    )
    description = models.TextField(help_text="The question put to the voters.")
    requirement = models.CharField(max_length=300, blank=True, default="50% plus one vote", help_text="Threshold.")
    membership = models.ForeignKey(
        Membership, related_name="retention_contests", null=True, on_delete=models.SET_NULL,
        help_text="The office holding at stake (unknown in CAL-ACCESS: empty).",
    )
    runoff_for_contest = models.OneToOneField(
        "self", related_name="runoff_contest", null=True, on_delete=models.SET_NULL, help_text="Contest run off."
    )

    class Meta:
        db_table = "opencivicdata_retentioncontest"

    def __str__(self) -> str:
        return self.name


class RetentionContestOption(models.Model):
    id = models.UUIDField(primary_key=True, help_text="Name-based UUID derived from CAL-ACCESS keys.")
    contest = models.ForeignKey(RetentionContest, related_name="options", on_delete=models.CASCADE, help_text="Contest.")
    text = models.CharField(max_length=300, help_text="Text of the option.")

    class Meta:
        db_table = "opencivicdata_retentioncontestoption"


class RetentionContestIdentifier(IdentifierBase):
    contest = models.ForeignKey(
        RetentionContest, related_name="identifiers", on_delete=models.CASCADE, help_text="Contest."
    )

    class Meta:
        db_table = "opencivicdata_retentioncontestidentifier"


class RetentionContestSource(LinkBase):
    contest = models.ForeignKey(RetentionContest, related_name="sources", on_delete=models.CASCADE, help_text="Contest.")

    class Meta:
        db_table = "opencivicdata_retentioncontestsource"
