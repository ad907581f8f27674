from .archive import ArchivedFile, ArchiveRole
from .correction import Correction
from .lease import PipelineLease
from .problem import Problem
from .raw import RawDataFile, RawDataVersion, ReleaseCheck, Stage, StageRun, StageStatus

__all__ = ["ArchiveRole", "ArchivedFile", "Correction", "PipelineLease", "Problem", "RawDataFile", "RawDataVersion",
           "ReleaseCheck", "Stage", "StageRun", "StageStatus"]
