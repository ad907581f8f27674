"""The pipeline's exceptions.

Tasks retry on `TransientFetchError` only; every other `PipelineError` marks the
stage failed, because retrying it would only repeat the same answer. Messages
are one line and name what failed and why, so a failure report reads without a
traceback.
"""


from archive_storage.text import one_line  # noqa: F401  (the project's one-line messages are the archive app's)


class PipelineError(Exception):
    """Base of every error a stage expects and reports."""


def error_message(exc: BaseException) -> str:
    """What a stage records of `exc`: an expected error's own line, else its type and text."""
    return str(exc) if isinstance(exc, PipelineError) else f"{type(exc).__name__}: {exc}"


class TransientFetchError(PipelineError):
    """The state's CDN did not answer usefully this time (connection cut, timeout, 5xx); try again later."""


class ExportUnavailable(PipelineError):
    """The export cannot be fetched as asked (4xx, missing file, no Last-Modified); retrying will not help."""


class ReleaseChanged(PipelineError):
    """What the GET delivered is not the release the HEAD announced; the partial download was discarded."""


class BadExport(PipelineError):
    """The downloaded file is not a sound zip (not a zip, empty, truncated, CRC mismatch)."""


class LoadMismatch(PipelineError):
    """PostgreSQL loaded a different number of rows than the clean stage wrote; the table was left as it was."""
