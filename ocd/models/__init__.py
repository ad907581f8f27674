from .campaign_finance import Committee, Filing, FilingAction, Transaction
from .core import (
    Division,
    Jurisdiction,
    Membership,
    Organization,
    OrganizationIdentifier,
    OrganizationName,
    Person,
    PersonIdentifier,
    PersonName,
    Post,
)
from .elections import (
    BallotMeasureContest,
    BallotMeasureContestIdentifier,
    BallotMeasureContestOption,
    BallotMeasureContestSource,
    Candidacy,
    CandidacySource,
    CandidateContest,
    CandidateContestPost,
    CandidateContestSource,
    Election,
    ElectionIdentifier,
    ElectionSource,
)
from .processed import ProcessedDataFile, ProcessedDataVersion, ProcessedDataZip

# Every OCD table, in the order they are filled (parents first) and exported.
OCD_MODELS = [
    Division,
    Jurisdiction,
    Organization,
    OrganizationIdentifier,
    OrganizationName,
    Post,
    Person,
    PersonIdentifier,
    PersonName,
    Membership,
    Election,
    ElectionIdentifier,
    ElectionSource,
    CandidateContest,
    CandidateContestPost,
    CandidateContestSource,
    Candidacy,
    CandidacySource,
    BallotMeasureContest,
    BallotMeasureContestOption,
    BallotMeasureContestIdentifier,
    BallotMeasureContestSource,
    Committee,
    Filing,
    FilingAction,
    Transaction,
]

__all__ = [m.__name__ for m in OCD_MODELS] + [
    "OCD_MODELS",
    "ProcessedDataFile",
    "ProcessedDataVersion",
    "ProcessedDataZip",
]
