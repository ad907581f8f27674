from .archive import ArchivedFile
from .lease import PipelineLease
from .problem import Problem
from .raw import RawDataFile, RawDataVersion, ReleaseCheck, Stage, StageRun, StageStatus

__all__ = ["ArchivedFile", "PipelineLease", "Problem", "RawDataFile", "RawDataVersion", "ReleaseCheck", "Stage", "StageRun", "StageStatus"]
