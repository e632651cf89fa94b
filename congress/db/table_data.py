"""Rows of datasource tables fed by pushes and webhooks, kept so they survive a restart.

One database row per table row (``datasource_rows``), keyed by the SHA-256 of its JSON
text, so a delta costs a few INSERTs and DELETEs whatever the table's size. A snapshot
deletes the table's rows and inserts the new ones. Each call is one transaction,
committed before it returns: once the API has answered, the data is on disk.

Cells keep their JSON types: ``3`` and ``3.0`` are different rows, as are ``true`` and
``1``; ``null`` and booleans are kept (drivers render them for policies). NaN and
infinity are refused: no JSON, database or policy can hold them.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from congress.datasources.interface import TableChange
from congress.db.datasources import find_datasource
from congress.db.models import DatasourceRow
from congress.db.repository import Repository, ValueRejected
from congress.exceptions import UpdateNotPermitted

_TABLE = DatasourceRow.__table__
_CHUNK = 500  # keys per IN (...) list, well under every backend's parameter limit
_TABLE_NAME_LENGTH = 255

Row = tuple[Any, ...]


_ENCODER = json.JSONEncoder(allow_nan=False, separators=(",", ":"))  # json.dumps would build one per call


def row_json(row: Sequence[Any]) -> str:
    """The stored text of a row (ASCII, compact; 3.0 stays a float)."""
    return _ENCODER.encode(list(row))


def row_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


_CELL_TYPES = (str, int, float, bool, type(None))


class DatasourceDataRepository(Repository):
    def apply(self, datasource: str, changes: Iterable[TableChange]) -> None:
        """Apply a driver's changes (any number of tables) in one transaction (datasource by name or id).

        A snapshot (``replace``) makes ``insert`` the whole table. Otherwise ``delete`` rows go,
        then ``insert`` rows not already there are added; rows absent or present are no error.
        """
        prepared = [(c, _encoded(c.table, c.insert), _encoded(c.table, c.delete)) for c in changes]
        with self._transaction() as session:
            # The datasource's row is locked first, so writers to one datasource take turns.
            ds_id = find_datasource(session, datasource, for_update=True).id
            for change, added, removed in prepared:
                where = (_TABLE.c.datasource_id == ds_id, _TABLE.c.table_name == change.table)
                if change.replace:
                    session.execute(delete(_TABLE).where(*where))
                else:
                    for keys in _chunks(removed):
                        session.execute(delete(_TABLE).where(*where, _TABLE.c.row_hash.in_(keys)))
                    for keys in _chunks(added):
                        present = select(_TABLE.c.row_hash).where(*where, _TABLE.c.row_hash.in_(keys))
                        for key in session.scalars(present):
                            del added[key]
                if added:
                    session.execute(
                        insert(_TABLE),
                        [
                            {"datasource_id": ds_id, "table_name": change.table, "row_hash": k, "row_json": v}
                            for k, v in added.items()
                        ],
                    )

    def replace_table(self, datasource: str, table: str, rows: Iterable[Sequence[Any]]) -> None:
        """Make ``rows`` the whole content of the table."""
        self.apply(datasource, [TableChange(table, tuple(map(tuple, rows)), replace=True)])

    def update_table(
        self,
        datasource: str,
        table: str,
        insert: Iterable[Sequence[Any]] = (),
        delete: Iterable[Sequence[Any]] = (),
    ) -> None:
        """Apply one delta: remove the ``delete`` rows, then add the ``insert`` rows not already there."""
        self.apply(datasource, [TableChange(table, tuple(map(tuple, insert)), tuple(map(tuple, delete)))])

    def rows(self, datasource: str, table: str) -> list[Row]:
        """The stored rows of one table, ordered by their JSON text; [] for a table never pushed."""
        with self._transaction(read_only=True) as session:
            ds_id = find_datasource(session, datasource).id
            texts = session.scalars(
                select(_TABLE.c.row_json)
                .where(_TABLE.c.datasource_id == ds_id, _TABLE.c.table_name == table)
                .order_by(_TABLE.c.row_json)
            )
            return [tuple(json.loads(text)) for text in texts]

    def tables(self, datasource: str) -> dict[str, list[Row]]:
        """Every stored non-empty table of a datasource with its rows (to restore a driver at start)."""
        with self._transaction(read_only=True) as session:
            return _tables(session, find_datasource(session, datasource).id)


def _tables(session: Session, ds_id: str) -> dict[str, list[Row]]:
    found: dict[str, list[Row]] = {}
    stored = session.execute(
        select(_TABLE.c.table_name, _TABLE.c.row_json)
        .where(_TABLE.c.datasource_id == ds_id)
        .order_by(_TABLE.c.table_name)
    )
    for table, text in stored:
        found.setdefault(table, []).append(tuple(json.loads(text)))
    return found


def _encoded(table: str, rows: Iterable[Sequence[Any]]) -> dict[str, str]:
    """hash -> JSON text of each distinct row; values no JSON array can hold are refused."""
    if len(table) > _TABLE_NAME_LENGTH:
        raise ValueRejected(f"table name must be at most {_TABLE_NAME_LENGTH} characters, got {len(table)}")
    encoded = {}
    for row in rows:
        for value in row:
            kind = type(value)
            if kind not in _CELL_TYPES or (kind is float and not math.isfinite(value)):
                raise UpdateNotPermitted(
                    f"table {table}: value {value!r} in row {list(row)!r} is not a string, number, "
                    "boolean or null"
                )
        text = row_json(row)
        encoded[row_hash(text)] = text
    return encoded


def _chunks(rows: dict[str, str]) -> Iterator[list[str]]:
    keys = list(rows)
    for start in range(0, len(keys), _CHUNK):
        yield keys[start : start + _CHUNK]
