from .raw import RawDataFile, RawDataVersion, ReleaseCheck, Stage, StageRun, StageStatus

__all__ = ["RawDataFile", "RawDataVersion", "ReleaseCheck", "Stage", "StageRun", "StageStatus"]
