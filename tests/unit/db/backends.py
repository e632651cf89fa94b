"""The database servers the DB tests run against, each in a throw-away database.

SQLite always; MariaDB/MySQL and PostgreSQL when their server answers (URLs
overridable with CONGRESS_TEST_MYSQL_URL / CONGRESS_TEST_POSTGRESQL_URL, which
name the server and, for PostgreSQL, an existing database to connect to for admin work).
A session creates ``congress_test_<random>`` on each server and drops it at the end.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy
from sqlalchemy import URL, make_url

BACKENDS = ("sqlite", "mysql", "postgresql")

ADMIN_URLS = {
    "mysql": os.environ.get("CONGRESS_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/"),
    "postgresql": os.environ.get(
        "CONGRESS_TEST_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    ),
}
_CONNECT_TIMEOUT = {"mysql": {"connect_timeout": 3}, "postgresql": {"connect_timeout": 3}}


class Unavailable(Exception):
    """The backend's server does not answer; tests on it skip."""


@contextmanager
def scratch_database(backend: str) -> Iterator[URL]:
    """A fresh empty database on ``backend``'s server (mysql or postgresql), dropped afterwards."""
    admin_url = make_url(ADMIN_URLS[backend])
    admin = sqlalchemy.create_engine(
        admin_url, isolation_level="AUTOCOMMIT", connect_args=_CONNECT_TIMEOUT[backend]
    )
    name = f"congress_test_{secrets.token_hex(4)}"
    try:
        with admin.connect() as conn:
            if backend == "mysql":
                conn.exec_driver_sql(
                    f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"
                )
            else:
                conn.exec_driver_sql(f"CREATE DATABASE {name}")
    except sqlalchemy.exc.OperationalError as exc:
        admin.dispose()
        raise Unavailable(
            f"{backend} server at {admin_url.render_as_string()} not reachable: {exc.orig}"
        ) from exc
    try:
        yield admin_url.set(database=name)
    finally:
        with admin.connect() as conn:
            force = " WITH (FORCE)" if backend == "postgresql" else ""
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}{force}")
        admin.dispose()


@contextmanager
def any_database(backend: str, directory: Path) -> Iterator[URL]:
    """An empty database on ``backend``: a new SQLite file under ``directory``, else a scratch database."""
    if backend == "sqlite":
        yield URL.create("sqlite", database=str(directory / "state" / "congress.sqlite"))
    else:
        with scratch_database(backend) as url:
            yield url
