"""The import contracts of docs/architecture.md (pyproject.toml's [tool.importlinter]) hold, and bite."""

import shutil
import subprocess
import sys
from pathlib import Path

from tests.ingest_helpers import ROOT

LINT = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"]


def lint(*, pythonpath: Path) -> subprocess.CompletedProcess:
    # cwd: `python -c` puts it first on sys.path, before PYTHONPATH.
    return subprocess.run([*LINT, str(ROOT / "pyproject.toml"), "--no-cache"], cwd=pythonpath,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{pythonpath}:{ROOT}"},
                          capture_output=True, text=True, timeout=300)


def test_the_import_contracts_hold():
    result = lint(pythonpath=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 5 kept, 0 broken." in result.stdout


def test_the_archive_storage_app_importing_the_project_breaks_a_contract(tmp_path):
    """A copy of archive_storage/ in which one module imports a model of ours: the lint fails and names it."""
    shutil.copytree(ROOT / "archive_storage", tmp_path / "archive_storage", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "archive_storage" / "sneaky.py").write_text("from calaccess_archive.models import RawDataVersion\n")
    result = lint(pythonpath=tmp_path)
    assert result.returncode != 0
    assert "archive_storage.sneaky -> calaccess_archive.models" in result.stdout


def test_an_engine_importing_django_breaks_a_contract(tmp_path):
    """A copy of processors/ in which one engine imports a model: the lint fails and names it."""
    shutil.copytree(ROOT / "processors", tmp_path / "processors", ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    (tmp_path / "processors" / "ingest" / "sneaky.py").write_text("from calaccess_archive.models import RawDataFile\n")
    result = lint(pythonpath=tmp_path)
    assert result.returncode != 0
    assert "processors.ingest.sneaky -> calaccess_archive.models" in result.stdout
