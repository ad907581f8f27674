"""Production settings pass `manage.py check --deploy`; bin/serve serves the site through gunicorn and WhiteNoise.

Each test runs its own process (manage.py, bin/serve), since the settings are read from the
environment once, when a process starts.
"""

import contextlib
import gzip
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import django
import psutil
import pytest

from tests.ingest_helpers import ROOT, subprocess_env
from tests.test_embedded_db import postgres_processes_for

# 64 random characters: what `check --deploy` accepts as a secret key (security.W009).
STRONG_KEY = "q8Vn2rX7c1LmZ4tB9wKdE6hJ0sYfA3uGp5oNiR8vT2xC7eM1bQ4zW9kH6jD0lS3y"
PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_HTTPS": "true",
    "DJANGO_SECRET_KEY": STRONG_KEY,
    "DJANGO_ALLOWED_HOSTS": "archive.example.org",
}
ADMIN_CSS = Path(django.__file__).parent / "contrib" / "admin" / "static" / "admin" / "css" / "base.css"


def process_env(data_dir: Path, *, database: bool = True, **variables: str) -> dict:
    """The environment of a process on the test database (or none), without the caller's DJANGO_ settings."""
    env = {name: value for name, value in subprocess_env(data_dir).items()
           if not name.startswith("DJANGO_") and name != "CALACCESS_READ_DOT_ENV"}
    if not database:
        del env["DATABASE_URL"]
    return {**env, "DJANGO_SETTINGS_MODULE": "calaccess_archive.settings", **variables}


def check_deploy(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"],
                          env=env, capture_output=True, text=True, timeout=120)


def warnings_of(run: subprocess.CompletedProcess) -> set[str]:
    return set(re.findall(r"\(security\.(W\d+)\)", run.stdout + run.stderr))


@pytest.mark.django_db  # for the test database's URL
def test_production_settings_pass_check_deploy(_data_dir):
    run = check_deploy(process_env(_data_dir, **PRODUCTION))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "System check identified no issues" in run.stdout


@pytest.mark.django_db  # for the test database's URL
def test_check_deploy_warns_without_the_https_settings_and_the_secret_key(_data_dir):
    plain = {name: value for name, value in PRODUCTION.items() if name != "DJANGO_HTTPS"}
    run = check_deploy(process_env(_data_dir, **plain))
    assert run.returncode == 1
    assert warnings_of(run) == {"W004", "W008", "W012", "W016"}  # HSTS, SSL redirect, both cookies
    del plain["DJANGO_SECRET_KEY"]  # the development key: refused too
    assert warnings_of(check_deploy(process_env(_data_dir, **plain))) == {"W004", "W008", "W009", "W012", "W016"}


@pytest.mark.django_db  # for the test database's URL
def test_each_https_setting_can_be_turned_off_on_its_own(_data_dir):
    off = {name: "false" for name in ("DJANGO_SECURE_SSL_REDIRECT", "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS",
                                      "DJANGO_SECURE_HSTS_PRELOAD", "DJANGO_SESSION_COOKIE_SECURE",
                                      "DJANGO_CSRF_COOKIE_SECURE")}
    run = check_deploy(process_env(_data_dir, **PRODUCTION, **off))
    assert warnings_of(run) == {"W005", "W008", "W012", "W016", "W021"}
    run = check_deploy(process_env(_data_dir, **PRODUCTION, DJANGO_SECURE_HSTS_SECONDS="0"))
    assert warnings_of(run) == {"W004"}


def test_https_without_a_secret_key_does_not_start(_data_dir):
    settings_without_key = {name: value for name, value in PRODUCTION.items() if name != "DJANGO_SECRET_KEY"}
    run = check_deploy(process_env(_data_dir, **settings_without_key))
    assert run.returncode != 0
    assert "Set the DJANGO_SECRET_KEY environment variable" in run.stderr


def test_every_variable_the_settings_read_is_documented():
    """README (its settings table, or docs/archive-storage.md for archive storage) and .env.example name each."""
    names = set(re.findall(r'env\.\w+\(\s*"([A-Z][A-Z0-9_]*)"', (ROOT / "calaccess_archive" / "settings.py").read_text()))
    assert {"DJANGO_HTTPS", "DJANGO_SECURE_HSTS_SECONDS", "DJANGO_STATIC_MANIFEST"} <= names
    docs = (ROOT / "README.md").read_text() + (ROOT / "docs" / "archive-storage.md").read_text()
    assert sorted(name for name in names if f"`{name}`" not in docs) == []
    example = (ROOT / ".env.example").read_text()
    # Not for a .env: the one that says whether .env is read, and the tests' database (bin/test's).
    outside = {"CALACCESS_READ_DOT_ENV", "CALACCESS_TEST_DATABASE"}
    assert sorted(name for name in names - outside if not re.search(rf"^(# )?{name}=", example, re.MULTILINE)) == []


def test_every_static_file_a_template_names_is_one_collectstatic_collects():
    """With the manifest storage (bin/serve, the image) a page naming a static file no finder finds
    raises (a 500); the plain storage of the tests would not notice, so this looks."""
    from django.contrib.staticfiles import finders
    from django.template import engines

    named = {}
    for directory in engines["django"].template_dirs:  # the project's, and the admin's
        for template in Path(directory).rglob("*.html"):
            for name in re.findall(r"""{%\s*static\s+['"]([^'"]+)['"]\s*%}""", template.read_text()):
                named.setdefault(name, template)
    assert "admin/css/base.css" in named
    assert {name: str(template) for name, template in named.items() if finders.find(name) is None} == {}


# --- bin/serve -----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(env: dict, logs: Path, *, seconds: float = 180):
    """bin/serve running on env's PORT; stopped with SIGTERM (gunicorn's graceful stop) on the way out."""
    port = int(env["PORT"])
    with open(logs / "serve.out", "w") as out, open(logs / "serve.err", "w") as err:
        process = subprocess.Popen([str(ROOT / "bin" / "serve")], env=env, stdout=out, stderr=err,
                                   start_new_session=True)
    try:
        deadline = time.monotonic() + seconds
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            assert process.poll() is None, f"bin/serve exited ({process.returncode}): {(logs / 'serve.err').read_text()}"
            assert time.monotonic() < deadline, f"bin/serve not answering: {(logs / 'serve.err').read_text()}"
            time.sleep(0.2)
        yield process
        process.send_signal(signal.SIGTERM)  # bin/serve execs gunicorn: this is gunicorn's master
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class Response:
    def __init__(self, response: http.client.HTTPResponse):
        self.status = response.status
        self.headers = response.headers
        self.body = response.read()

    @property
    def text(self) -> str:
        return self.body.decode()


def request(port: int, path: str, *, method: str = "GET", body: str | None = None, headers: dict | None = None) -> Response:
    """One request, redirects not followed."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        return Response(connection.getresponse())
    finally:
        connection.close()


def serve_env(data_dir: Path, tmp_path: Path, **variables) -> dict:
    return {"PORT": str(free_port()), "DJANGO_STATIC_ROOT": str(tmp_path / "static"), **variables}


@pytest.mark.django_db(transaction=True)
def test_bin_serve_serves_the_admin_and_hashed_compressed_static_files(_data_dir, tmp_path):
    env = process_env(_data_dir, **serve_env(_data_dir, tmp_path))
    port = int(env["PORT"])
    with serving(env, tmp_path) as process:
        login = request(port, "/admin/login/")
        assert login.status == 200
        # The page links the manifest's hashed name (CompressedManifestStaticFilesStorage).
        stylesheet = re.search(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', login.text).group(1)
        css = request(port, stylesheet, headers={"Accept-Encoding": "gzip"})
        assert css.status == 200
        assert css.headers["Cache-Control"] == "max-age=315360000, public, immutable"  # WhiteNoise: hashed, forever
        assert css.headers["Content-Encoding"] == "gzip" and css.headers["Vary"] == "Accept-Encoding"
        # The collected copy, whose url()s name the hashed files too.
        assert gzip.decompress(css.body) == (tmp_path / "static" / stylesheet.removeprefix("/static/")).read_bytes()
        plain = request(port, "/static/admin/css/base.css")  # the unhashed name too, cached briefly
        assert plain.status == 200 and plain.headers["Cache-Control"] == "max-age=60, public"
        assert plain.body == ADMIN_CSS.read_bytes()
        assert request(port, "/static/admin/css/no-such-file.css").status == 404
    assert process.returncode == 0, (tmp_path / "serve.err").read_text()
    assert (tmp_path / "static" / "staticfiles.json").is_file()


def csrf_pair(response: Response) -> tuple[str, str]:
    """The CSRF cookie and the form's token of a page with a form."""
    cookie = next(c for c in response.headers.get_all("Set-Cookie") if c.startswith("csrftoken="))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text).group(1)
    return cookie.split(";")[0], token


@pytest.mark.django_db(transaction=True)
def test_bin_serve_with_production_settings_behind_a_tls_proxy(_data_dir, tmp_path):
    env = process_env(_data_dir, **serve_env(_data_dir, tmp_path), **PRODUCTION,
                      DJANGO_CSRF_TRUSTED_ORIGINS="https://www.archive.example.org")
    port = int(env["PORT"])
    host = {"Host": "archive.example.org"}
    proxied = {**host, "X-Forwarded-Proto": "https"}  # what the TLS proxy sets
    with serving(env, tmp_path) as process:
        plain = request(port, "/admin/login/", headers=host)
        assert plain.status == 301 and plain.headers["Location"] == "https://archive.example.org/admin/login/"
        assert "Strict-Transport-Security" not in plain.headers
        login = request(port, "/admin/login/", headers=proxied)
        assert login.status == 200
        assert login.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
        assert "; Secure" in next(c for c in login.headers.get_all("Set-Cookie") if c.startswith("csrftoken="))
        # A POST from the site's own https origin, or a trusted one, passes the CSRF check (a failed
        # login answers 200); from another origin it is refused.
        cookie, token = csrf_pair(login)
        form = f"csrfmiddlewaretoken={token}&username=nobody&password=wrong&next=/admin/"
        post = {**proxied, "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
        for origin, status in (("https://archive.example.org", 200), ("https://www.archive.example.org", 200),
                               ("https://elsewhere.example.org", 403), ("http://archive.example.org", 403)):
            answer = request(port, "/admin/login/", method="POST", body=form, headers={**post, "Origin": origin})
            assert answer.status == status, origin
        # The healthcheck asks over plain http from inside: answered, not redirected.
        health = request(port, "/health/", headers=host)
        assert health.status in (200, 503) and json.loads(health.body)["checks"]["database"] == {"ok": True}
    assert process.returncode == 0, (tmp_path / "serve.err").read_text()


def test_bin_serve_without_database_url_runs_on_the_embedded_server_until_gunicorn_exits(tmp_path):
    data_dir = tmp_path / "data"
    env = process_env(data_dir, database=False, **serve_env(data_dir, tmp_path))
    port = int(env["PORT"])
    pgdata = data_dir / "postgres"
    with serving(env, tmp_path) as process:
        assert json.loads(request(port, "/health/").body)["checks"]["database"] == {"ok": True}
        (postmaster,) = [p for p in postgres_processes_for(pgdata) if "-D" in p.info["cmdline"]]
        # wsgi.py started it in gunicorn's master (--preload), the one process that holds it:
        # the workers forked from it never stop it.
        assert json.loads((pgdata / ".handle_pids.json").read_text()) == [process.pid]
        workers = psutil.Process(process.pid).children()
        assert len(workers) == 2
        for worker in workers:
            worker.terminate()
        psutil.wait_procs(workers, timeout=30)
        deadline = time.monotonic() + 60
        while len([w for w in psutil.Process(process.pid).children() if w not in workers]) < 2:
            assert time.monotonic() < deadline, "gunicorn started no new workers"
            time.sleep(0.2)
        assert json.loads(request(port, "/health/").body)["checks"]["database"] == {"ok": True}
        assert postmaster.is_running()  # the same server, never stopped
    assert process.returncode == 0, (tmp_path / "serve.err").read_text()
    assert postgres_processes_for(pgdata) == []  # stopped when gunicorn exited
