"""iaupload shows the bytes it sends as a progress bar on a terminal, and nothing elsewhere."""

import io
from types import SimpleNamespace

from archive_storage.management.commands.iaupload import upload_progress


def test_the_bar_counts_the_bytes_sent_and_names_the_file():
    stream = io.StringIO()
    with upload_progress(enabled=True, stream=stream) as callbacks:
        callbacks["on_file"](SimpleNamespace(file_name="clean/RCPT_CD.csv"))
        callbacks["on_read"](2048)
        callbacks["on_read"](2048)
    shown = stream.getvalue()
    assert "clean/RCPT_CD.csv" in shown and "4.10kB" in shown


def test_no_bar_when_not_on_a_terminal():
    with upload_progress(enabled=False) as callbacks:
        assert callbacks == {}
