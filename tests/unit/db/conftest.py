"""Fixtures: every DB test runs on SQLite, MariaDB and PostgreSQL (the last two skip when absent)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlalchemy import URL, Engine, MetaData

from congress.db import schema
from congress.db.api import Database
from congress.db.engine import create_engine
from congress.db.secrets import SecretBox
from tests.unit.db.backends import BACKENDS, Unavailable, scratch_database


@pytest.fixture(scope="session")
def server_database() -> Iterator[Callable[[str], URL]]:
    """Gives the session's scratch database URL on a server backend, or skips the test."""
    with ExitStack() as stack:
        made: dict[str, URL | Unavailable] = {}

        def get(backend: str) -> URL:
            if backend not in made:
                try:
                    made[backend] = stack.enter_context(scratch_database(backend))
                except Unavailable as exc:
                    made[backend] = exc
            found = made[backend]
            if isinstance(found, Unavailable):
                pytest.skip(str(found))
            return found

        yield get


@pytest.fixture(params=BACKENDS)
def db_url(
    request: pytest.FixtureRequest, tmp_path: Path, server_database: Callable[[str], URL]
) -> Iterator[URL]:
    """An empty database on each backend; whatever a test created is dropped afterwards."""
    if request.param == "sqlite":
        yield URL.create("sqlite", database=str(tmp_path / "congress.sqlite"))
        return
    url = server_database(request.param)
    yield url
    cleaner = create_engine(url)
    leftovers = MetaData()
    leftovers.reflect(cleaner)
    leftovers.drop_all(cleaner)
    cleaner.dispose()


@pytest.fixture
def engine(db_url: URL) -> Iterator[Engine]:
    engine = create_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    return tmp_path / "keys" / "aes_key"


@pytest.fixture
def db(engine: Engine, key_file: Path) -> Database:
    """A Database at the newest schema revision."""
    schema.upgrade(engine)
    return Database(engine, SecretBox(key_file))


@pytest.fixture
def reopen(db_url: URL, key_file: Path) -> Iterator[Callable[[], Database]]:
    """Opens the same database through a brand-new engine (what a restarted server sees)."""
    opened: list[Database] = []

    def open_again() -> Database:
        opened.append(Database.connect(db_url, key_file=key_file))
        return opened[-1]

    yield open_again
    for database in opened:
        database.close()
