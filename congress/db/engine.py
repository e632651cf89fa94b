"""Engines for the three supported backends, set up for a multithreaded server.

* SQLite (the default): WAL journal, foreign keys on, a busy timeout, and every
  writing transaction opened with ``BEGIN IMMEDIATE`` so two writers queue up
  instead of failing when a read lock would have to be upgraded (connections
  with the ``READ_ONLY`` execution option just ``BEGIN``). Parent directories of
  the database file are created.
* MySQL/MariaDB through PyMySQL (``mysql://`` means ``mysql+pymysql://``), utf8mb4, strict sql_mode.
* PostgreSQL through psycopg 3 (``postgresql://`` means ``postgresql+psycopg://``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import URL, Connection, Engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

SQLITE_BUSY_TIMEOUT_MS = 30_000

# Execution option of connections that only read (on SQLite they open a plain deferred BEGIN).
READ_ONLY = "congress_read_only"

_DEFAULT_DRIVERS = {"mysql": "mysql+pymysql", "postgresql": "postgresql+psycopg"}


def normalize_url(url: str | URL) -> URL:
    """The URL with our default DBAPI driver filled in (and utf8mb4 for MySQL)."""
    parsed = make_url(url)
    if parsed.drivername in _DEFAULT_DRIVERS:
        parsed = parsed.set(drivername=_DEFAULT_DRIVERS[parsed.drivername])
    if parsed.get_backend_name() == "mysql" and "charset" not in parsed.query:
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    return parsed


def create_engine(url: str | URL, *, echo: bool = False) -> Engine:
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _create_sqlite_engine(parsed, echo)
    engine = sqlalchemy.create_engine(parsed, echo=echo, pool_pre_ping=True)
    if parsed.get_backend_name() == "mysql":
        event.listen(engine, "connect", _strict_mysql_session)
    return engine


def _strict_mysql_session(dbapi_connection: Any, _record: Any) -> None:
    """Errors instead of silently truncated or coerced values, whatever the server's default sql_mode."""
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET SESSION sql_mode = 'TRADITIONAL'")


def make_sessionmaker(bind: Engine | Connection, **options: Any) -> sessionmaker[Session]:
    # Records are built inside the transaction; nothing is read from ORM objects after commit.
    return sessionmaker(bind, expire_on_commit=False, **options)


def is_sqlite_file(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")


def _create_sqlite_engine(url: URL, echo: bool) -> Engine:
    in_memory = not is_sqlite_file(url)
    kwargs: dict[str, Any] = {
        "connect_args": {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    }
    if in_memory:
        # Exactly one connection (another would open its own empty database), lent to one thread at a time.
        kwargs.update(
            poolclass=QueuePool, pool_size=1, max_overflow=0, pool_timeout=SQLITE_BUSY_TIMEOUT_MS / 1000
        )
    else:
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sqlalchemy.create_engine(url, echo=echo, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below open transactions instead of the sqlite3 module.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA synchronous=FULL")  # committed means on disk, power loss included
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Readers take no lock up front: in WAL mode they read a snapshot while a writer works.
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine
