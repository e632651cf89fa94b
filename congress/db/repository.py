"""What every repository shares: one transaction per call, and name-or-id lookups."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Engine, String, event, inspect, or_, select
from sqlalchemy.orm import Session, sessionmaker

from congress.db.engine import READ_ONLY
from congress.exceptions import CongressError

Model = TypeVar("Model")


class ValueRejected(CongressError):
    """A value the database cannot hold as given (too long for its column)."""

    code = "bad_request"


def new_id() -> str:
    return str(uuid.uuid4())


class Repository:
    """Base of the repositories: each public method runs in its own transaction.

    A method either commits everything it wrote or, on any error, rolls back
    and leaves the database as it was.
    """

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        bind = sessions.kw["bind"]
        # Bound to a connection (a shared transaction, see congress.db.commits), reads go in it as well.
        self._read_bind = bind.execution_options(**{READ_ONLY: True}) if isinstance(bind, Engine) else bind
        if not event.contains(sessions, "before_flush", _check_lengths):
            event.listen(sessions, "before_flush", _check_lengths)

    @contextmanager
    def _transaction(self, *, read_only: bool = False) -> Iterator[Session]:
        """A transaction committed on success, rolled back on error; ``read_only`` ones write nothing."""
        if read_only:
            with self._sessions(bind=self._read_bind) as session, session.begin():
                yield session
        else:
            with self._sessions.begin() as session:
                yield session


def find_by_name_or_id(
    session: Session, model: type[Model], key: str, *, for_update: bool = False
) -> Model | None:
    """The row whose id is ``key``, else the one named ``key`` (ids first: a name may look like an id).

    One query for both: it is on the path of every policy and rule change.
    """
    query: Any = select(model).where(or_(model.id == key, model.name == key))  # type: ignore[attr-defined]
    if for_update:
        query = query.with_for_update()
    found = session.scalars(query).all()
    return next((row for row in found if row.id == key), found[0] if found else None)  # type: ignore[attr-defined]


def _check_lengths(session: Session, _context: object, _instances: object) -> None:
    """Refuse over-long strings before they reach the database.

    Backends differ here (SQLite stores them, PostgreSQL raises a DataError,
    a non-strict MySQL truncates); this makes every one refuse them the same way.
    """
    for obj in (*session.new, *session.dirty):
        for column in inspect(obj).mapper.columns:
            value = getattr(obj, column.key)
            length = getattr(column.type, "length", None) if isinstance(column.type, String) else None
            if isinstance(value, str) and length is not None and len(value) > length:
                raise ValueRejected(f"{column.key} must be at most {length} characters, got {len(value)}")
