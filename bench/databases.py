"""What every benchmark needs of its database: an empty one of its own, and the error that stops a run."""
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


class BenchError(RuntimeError):
    """Something is broken (an HTTP error, a lost push, a wrong count): the run stops and exits 1."""


def fresh_database(kind: str, pg_url: str, workdir: Path, serial: int) -> str:
    """The URL of an empty database: a new SQLite file, or the bench database with a new schema
    (never `test` or `postgres`, which others use)."""
    if kind == "sqlite":
        return f"sqlite:///{workdir}/rounds-{serial}.db"
    url = make_url(pg_url)
    if url.database in (None, "test", "postgres"):
        raise BenchError(f"refusing to empty database {url.database!r}")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}):
            connection.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return pg_url
