"""archive_storage installs on its own (issue 13): its wheel, built offline, goes into a fresh virtual
environment with a minimal Django project (SQLite), where no module of calaccess-archive is importable;
a file is saved through ArchiveFileField to the archive.org stand-in, and `iaupload --spreadsheet` and
`python -m archive_storage upload --spreadsheet` run there, dry and for real, and resume."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from importlib import metadata
from pathlib import Path

import pytest

from tests.ingest_helpers import ROOT

OURS = ("calaccess_archive", "processors", "ocd", "tasks", "tests")

SETTINGS = """
import os
from pathlib import Path

SECRET_KEY = "wheel-test"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
INSTALLED_APPS = ["django.contrib.contenttypes", "archive_storage", "shelf"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": Path(__file__).parent / "db.sqlite3"}}
STORAGES = {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "archive": {"BACKEND": "archive_storage.archive_org.ArchiveOrgStorage"}}
IA_ACCESS_KEY, IA_SECRET_KEY = os.environ["IA_ACCESS_KEY"], os.environ["IA_SECRET_KEY"]
IA_SECURE, IA_PROXY = False, os.environ["IA_PROXY"]
IA_RETRIES, IA_RETRY_BACKOFF, IA_RETRY_BACKOFF_MAX, IA_VERIFY_WAIT = 3, 0.01, 0.05, 5.0
ARCHIVE_STORAGE_COLLECTION = "shelf-collection"
"""

MODELS = """
from django.db import models

from archive_storage.fields import ArchiveFileField


def dataset_name(dataset, filename):
    return f"shelf-dataset-{dataset.slug}/{filename}"


class Dataset(models.Model):
    slug = models.SlugField()
    data = ArchiveFileField(upload_to=dataset_name, item_metadata=lambda d: {"title": f"Dataset {d.slug}"})
"""

SAVE = """
import django

django.setup()
from django.core.files.base import ContentFile

from shelf.models import Dataset

dataset = Dataset.objects.create(slug="one")
dataset.data.save("table.csv", ContentFile(b"a,b\\n1,2\\n"))
print(Dataset.objects.get().data.name)
"""

ISOLATED = f"""
import importlib.util, json, archive_storage
print(json.dumps({{"found": [m for m in {OURS!r} if importlib.util.find_spec(m)], "app": archive_storage.__file__}}))
"""


def uv() -> str:
    found = shutil.which("uv") or ROOT / ".tools" / "bin" / "uv"
    assert Path(found).exists(), "bin/_bootstrap installs uv; it is not there"
    return str(found)


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel and what it depends on, installed offline."""
    tmp = tmp_path_factory.mktemp("wheel")
    shutil.copytree(ROOT / "archive_storage", tmp / "src" / "archive_storage",
                    ignore=shutil.ignore_patterns("__pycache__"))
    build = subprocess.run([sys.executable, "-c", "import sys; from setuptools import build_meta; "
                            "print(build_meta.build_wheel(sys.argv[1]))", str(tmp / "dist")],
                           cwd=tmp / "src" / "archive_storage", capture_output=True, text=True, timeout=120)
    assert build.returncode == 0, build.stderr
    wheel = tmp / "dist" / build.stdout.strip().splitlines()[-1]
    assert wheel.name.startswith("django_archive_storage-") and wheel.suffix == ".whl"
    # The project's own versions (already in uv's cache), so the offline install resolves to them.
    pins = tmp / "pins.txt"
    pins.write_text("".join(f"{d.metadata['Name']}=={d.version}\n" for d in metadata.distributions()))
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", "UV_OFFLINE": "1"}
    for command in ([uv(), "venv", "--quiet", "--python", sys.executable, str(tmp / "venv")],
                    [uv(), "pip", "install", "--quiet", "--offline", "--python", str(tmp / "venv" / "bin" / "python"),
                     "--constraint", str(pins), str(wheel)]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    return tmp / "venv"


def project_make(root: Path) -> Path:
    (root / "shelfsite").mkdir(parents=True)
    (root / "shelfsite" / "__init__.py").write_text("")
    (root / "shelfsite" / "settings.py").write_text(SETTINGS)
    (root / "shelf" / "migrations").mkdir(parents=True)
    for name in ("shelf/__init__.py", "shelf/migrations/__init__.py"):
        (root / name).write_text("")
    (root / "shelf" / "models.py").write_text(MODELS)
    (root / "manage.py").write_text("import sys\nfrom django.core.management import execute_from_command_line\n"
                                    "execute_from_command_line(sys.argv)\n")
    (root / "save.py").write_text(SAVE)
    (root / "isolated.py").write_text(ISOLATED)
    for name, body in (("a.csv", "1\n"), ("b.csv", "2\n")):
        (root / name).write_text(body)
    (root / "sheet.csv").write_text("identifier,file,REMOTE_NAME,title,subject[0],subject[1]\n"
                                    "shelf-backfill-1,a.csv,,Backfill,x,y\n,b.csv,tables/b.csv,,,\n")
    return root


def runner(venv: Path, cwd: Path, standin, **extra):
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(cwd), "LANG": "C.UTF-8",
           "IA_ACCESS_KEY": standin.access, "IA_SECRET_KEY": standin.secret, "IA_SECURE": "false",
           "IA_PROXY": standin.url, "HTTP_PROXY": standin.url, "http_proxy": standin.url, **extra}

    def run(*args: str, code: int = 0) -> str:
        done = subprocess.run([str(venv / "bin" / "python"), *args], cwd=cwd, env=env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == code, done.stdout + done.stderr
        return done.stdout

    return run


def test_the_wheel_in_a_fresh_django_project_saves_uploads_and_resumes(venv, tmp_path, archive_org):
    root = project_make(tmp_path / "project")
    run = runner(venv, root, archive_org, DJANGO_SETTINGS_MODULE="shelfsite.settings")
    isolated = json.loads(run("isolated.py"))
    assert isolated["found"] == [] and isolated["app"].startswith(str(venv))
    run("manage.py", "makemigrations", "shelf")
    run("manage.py", "migrate")

    assert run("save.py").strip() == "shelf-dataset-one/table.csv"
    item = archive_org.items["shelf-dataset-one"]
    assert item.metadata["title"] == "Dataset one" and item.metadata["collection"] == "shelf-collection"
    assert archive_org.stored == {"shelf-dataset-one/table.csv": 1}

    dry = json.loads(run("manage.py", "iaupload", "--spreadsheet", "sheet.csv", "--dry-run", "--json"))
    assert dry["valid"] and [f["name"] for f in dry["files"]] == ["shelf-backfill-1/a.csv", "shelf-backfill-1/tables/b.csv"]
    assert "shelf-backfill-1" not in archive_org.items
    archive_org.faults.corrupt_body = 1  # the first PUT arrives damaged: 400 BadDigest
    run("manage.py", "iaupload", "--spreadsheet", "sheet.csv", code=3)
    document = json.loads(run("manage.py", "iaupload", "--spreadsheet", "sheet.csv", "--json"))
    assert document["complete"] and document["counts"]["verified"] == 2
    assert archive_org.put_count("shelf-backfill-1/a.csv") + archive_org.put_count("shelf-backfill-1/tables/b.csv") == 3
    assert archive_org.items["shelf-backfill-1"].metadata["subject"] == ["x", "y"]
    puts = len(archive_org.put_headers)
    assert json.loads(run("manage.py", "iaupload", "--spreadsheet", "sheet.csv", "--json"))["complete"]
    assert len(archive_org.put_headers) == puts  # a re-run sends nothing


def test_python_m_archive_storage_uploads_a_spreadsheet_with_a_sqlite_state_and_resumes(venv, tmp_path, archive_org):
    root = project_make(tmp_path / "volunteer")  # only the sheet and its files are used: no Django project
    run = runner(venv, root, archive_org)
    out = run("-m", "archive_storage", "upload", "--spreadsheet", "sheet.csv", "--dry-run")
    assert "valid: 2 file(s) in 1 item(s); nothing uploaded" in out and archive_org.put_headers == []
    assert "shelf-backfill-1" not in archive_org.items
    archive_org.faults.corrupt_body = 1
    run("-m", "archive_storage", "upload", "--spreadsheet", "sheet.csv", "--retries", "2", "--wait", "5", code=3)
    assert (root / "archive-storage.sqlite3").exists()
    document = json.loads(run("-m", "archive_storage", "upload", "--spreadsheet", "sheet.csv", "--json"))
    assert document["complete"] and len(archive_org.put_headers) == 3  # two, then only the failed one
    assert json.loads(run("-m", "archive_storage", "upload", "--spreadsheet", "sheet.csv", "--json"))["complete"]
    assert len(archive_org.put_headers) == 3
    assert set(archive_org.stored.values()) == {1}
