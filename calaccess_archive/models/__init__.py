from .archive import ArchivedFile
from .raw import RawDataFile, RawDataVersion, ReleaseCheck, Stage, StageRun, StageStatus

__all__ = ["ArchivedFile", "RawDataFile", "RawDataVersion", "ReleaseCheck", "Stage", "StageRun", "StageStatus"]
