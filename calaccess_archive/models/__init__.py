from .archive import ArchivedFile
from .correction import Correction
from .lease import PipelineLease
from .problem import Problem
from .raw import RawDataFile, RawDataVersion, ReleaseCheck, Stage, StageRun, StageStatus

__all__ = ["ArchivedFile", "Correction", "PipelineLease", "Problem", "RawDataFile", "RawDataVersion", "ReleaseCheck", "Stage", "StageRun", "StageStatus"]
