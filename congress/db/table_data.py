"""Rows pushed to push-driver datasources, kept so they survive a restart.

One JSON list of rows per (datasource, table). A snapshot replaces it, a delta
is applied to it (deletes first, then inserts; a table is a set of rows). Each
call commits before returning, so once the API has answered the data is on disk.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from congress.datalog.ast import Value
from congress.db.datasources import find_datasource
from congress.db.models import DatasourceTable
from congress.db.repository import Repository
from congress.db.types import dump_json, load_json, utcnow
from congress.engine.interface import Row
from congress.exceptions import UpdateNotPermitted


class DatasourceDataRepository(Repository):
    def replace_table(self, datasource: str, table: str, rows: Iterable[Sequence[Value]]) -> None:
        """Make ``rows`` the whole content of the table (datasource by name or id)."""
        new_rows = _unique(_check_rows(table, rows))
        with self._transaction() as session:
            stored = self._table(session, datasource, table)
            stored.rows_json = dump_json(new_rows)
            stored.updated_at = utcnow()

    def update_table(
        self,
        datasource: str,
        table: str,
        insert: Iterable[Sequence[Value]] = (),
        delete: Iterable[Sequence[Value]] = (),
    ) -> None:
        """Apply one delta: remove the ``delete`` rows, then add the ``insert`` rows not already there."""
        removed = {_key(row) for row in _check_rows(table, delete)}
        added = _check_rows(table, insert)
        with self._transaction() as session:
            stored = self._table(session, datasource, table)
            kept = [row for row in load_json(stored.rows_json) if _key(row) not in removed]
            stored.rows_json = dump_json(_unique(kept + added))
            stored.updated_at = utcnow()

    def rows(self, datasource: str, table: str) -> list[Row]:
        """The stored rows of one table, in the order they arrived; [] for a table never pushed."""
        with self._transaction(read_only=True) as session:
            ds = find_datasource(session, datasource)
            stored = session.get(DatasourceTable, (ds.id, table))
            return [] if stored is None else [tuple(row) for row in load_json(stored.rows_json)]

    def tables(self, datasource: str) -> dict[str, list[Row]]:
        """Every stored table of a datasource with its rows (to reload a push driver at start-up)."""
        with self._transaction(read_only=True) as session:
            ds = find_datasource(session, datasource)
            stored = session.scalars(
                select(DatasourceTable)
                .where(DatasourceTable.datasource_id == ds.id)
                .order_by(DatasourceTable.table_name)
            )
            return {t.table_name: [tuple(row) for row in load_json(t.rows_json)] for t in stored}

    @staticmethod
    def _table(session: Session, datasource: str, table: str) -> DatasourceTable:
        """The table's row, created empty if the table was never pushed.

        The datasource's row is locked first, so writers to one datasource take turns
        (no lost delta, no two transactions creating the same table row).
        """
        ds = find_datasource(session, datasource, for_update=True)
        stored = session.get(DatasourceTable, (ds.id, table))
        if stored is None:
            stored = DatasourceTable(datasource_id=ds.id, table_name=table, rows_json="[]")
            session.add(stored)
        return stored


def _check_rows(table: str, rows: Iterable[Sequence[Value]]) -> list[list[Value]]:
    """Rows as lists; values other than int, float or str are refused (bool too: not a datalog value)."""
    checked = []
    for row in rows:
        values = list(row)
        for value in values:
            if type(value) not in (int, float, str) or (type(value) is float and not math.isfinite(value)):
                raise UpdateNotPermitted(
                    f"table {table}: value {value!r} in row {values!r} is not an int, float or string"
                )
        checked.append(values)
    return checked


def _key(row: Sequence[Value]) -> str:
    """Identity of a row that tells 1 from 1.0 (equal in Python, different values in datalog)."""
    return dump_json(list(row))


def _unique(rows: list[list[Value]]) -> list[list[Value]]:
    seen: set[str] = set()
    unique = []
    for row in rows:
        key = _key(row)
        if key not in seen:
            seen.add(key)
            unique.append(row)
    return unique
