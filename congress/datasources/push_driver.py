"""The generic ``push`` driver: external systems replace or edit its tables over the API.

A datasource may declare its tables in config, ``{"schema": {"servers": ["id", "name", "owner"]}}``
(a dict or the same as JSON text, as the CLI sends strings). Rows of the wrong width, or for
an undeclared table, are refused with ``UpdateNotPermitted`` before anything changes.

Without a schema the datasource starts with the original's ``data`` table (no columns yet).
Any table name the policy language can write (letters, digits, ``_``, dots) is accepted, and a
table's width is fixed by the first push that brings it rows: its columns are then ``col0``,
``col1`` ..., shown by the schema API, and the table joins the datasource's policy, so rules
can use it. A later row of another width is refused. A push without rows to a table never
pushed holds nothing and fixes nothing. The widths come back after a restart with the rows.

The rows are kept in the database and restored at start unless ``persist_data`` is false.

A PUT is stored as a snapshot, a PATCH as the rows it really adds and removes; either is
refused whole (nothing changes) when a row is bad, including NaN or infinity in a cell.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from congress.datalog.ast import Value
from congress.datasources.base import OPTIONAL, REQUIRED, DataSourceDriver, DriverConfigError
from congress.datasources.interface import ColumnSpec, TableSpec
from congress.datasources.values import to_congress
from congress.dse.bus import Bus
from congress.exceptions import UpdateNotPermitted

_SCALARS = (str, int, float, bool, type(None))
_TABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*\Z")


def parse_schema(value: Any) -> dict[str, tuple[str, ...]]:
    """``{"table": ["col", ...]}`` (dict or JSON text) -> table -> column names."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise DriverConfigError(f"schema is not valid JSON: {exc}") from exc
    if not isinstance(value, Mapping):
        raise DriverConfigError('schema must map table names to column lists, e.g. {"t": ["a", "b"]}')
    schema = {}
    for table, columns in value.items():
        if not isinstance(table, str) or not table:
            raise DriverConfigError(f"schema: invalid table name {table!r}")
        if (
            not isinstance(columns, list)
            or not columns
            or not all(isinstance(c, str) and c for c in columns)
            or len(set(columns)) != len(columns)
        ):
            raise DriverConfigError(f"schema: table {table!r} needs a list of distinct column names")
        schema[table] = tuple(columns)
    return schema


class PushDriver(DataSourceDriver):
    """Datasource driver that allows external systems to push data."""

    driver_id = "push"
    description = "Datasource driver that allows external systems to push data."
    config_options = {"description": REQUIRED, "persist_data": OPTIONAL, "schema": OPTIONAL}
    secret = None
    persist_by_default = True  # pushed data survives a restart unless persist_data=false

    def __init__(self, name: str, config: Mapping[str, Any] | None, bus: Bus) -> None:
        super().__init__(name, config, bus)
        declared = self.config.get("schema")
        self._schema = parse_schema(declared) if declared is not None else None
        self._widths: dict[str, int] = {t: len(c) for t, c in (self._schema or {}).items()}

    @classmethod
    def table_specs(cls) -> tuple[TableSpec, ...]:
        return (TableSpec("data", ()),)

    def schema(self) -> tuple[TableSpec, ...]:
        """The declared tables; without a schema, ``data`` and each table pushed (columns ``col0``, ...)."""
        if self._schema is None:
            widths = {"data": 0, **self._widths}
            return tuple(
                TableSpec(t, tuple(ColumnSpec(f"col{i}") for i in range(widths[t]))) for t in sorted(widths)
            )
        return tuple(TableSpec(t, tuple(ColumnSpec(c) for c in cols)) for t, cols in self._schema.items())

    def start(self) -> None:
        super().start()
        if self._schema is not None:
            with self._state_lock:
                initial = {t: set() for t in self._schema if t not in self._raw}
                self._replace_tables(initial, store=False)

    def restore_tables(self, tables: Mapping[str, Iterable[Sequence[Any]]]) -> None:
        super().restore_tables(tables)
        with self._state_lock:
            for table, rows in self._raw.items():
                if rows and table not in self._widths:
                    self._widths[table] = len(next(iter(rows.values())))

    def _checked(self, table: str, rows: Sequence[Sequence[Value]]) -> list[tuple[Value, ...]]:
        if self._schema is not None and table not in self._schema:
            raise UpdateNotPermitted(f"datasource {self.name!r} declares no table {table!r}")
        if self._schema is None and not _TABLE_NAME.match(table):
            raise UpdateNotPermitted(f"{table!r} is not a table name (letters, digits, _ and dots)")
        if isinstance(rows, str | bytes | Mapping) or not isinstance(rows, Sequence):
            raise UpdateNotPermitted(f"rows for {table!r} must be a list of lists")
        checked = []
        width = self._widths.get(table)
        for row in rows:
            if isinstance(row, str | bytes | Mapping) or not isinstance(row, Sequence):
                raise UpdateNotPermitted(f"row {row!r} for {table!r} is not a list")
            if width is None:
                width = len(row)
            if len(row) != width or not row:
                raise UpdateNotPermitted(
                    f"row {list(row)!r} has {len(row)} values; table {table!r} has {width or 'at least 1'}"
                )
            # A JSON object or array in a cell becomes its text, as the original's value_to_congress did.
            checked.append(tuple(v if isinstance(v, _SCALARS) else to_congress(v) for v in row))
        return checked

    @contextmanager
    def _width_fixed_by(self, table: str, rows: Sequence[tuple[Value, ...]]) -> Iterator[None]:
        """A schema-less table's first rows fix its width, unless the change is refused."""
        new = bool(rows) and table not in self._widths
        if new:
            self._widths[table] = len(rows[0])
        try:
            yield
        except BaseException:
            if new:
                del self._widths[table]
            raise

    def push_rows(self, table: str, rows: Sequence[Sequence[Value]]) -> None:
        """Replace the table (stored as a snapshot); subscribers get the delta."""
        with self._state_lock:
            checked = self._checked(table, rows)
            if table not in self._widths and not checked:
                return  # an empty push to a schema-less table never seen: no width, nothing to hold
            with self._width_fixed_by(table, checked):
                self._apply([self._snapshot(table, checked)])

    def push_delta(
        self, table: str, insert: Sequence[Sequence[Value]], delete: Sequence[Sequence[Value]]
    ) -> None:
        """Delete, then insert; only the rows that really change are stored and published."""
        with self._state_lock:
            rows = self._checked(table, [*insert, *delete])
            added, removed = rows[: len(insert)], rows[len(insert) :]
            change = self._delta(table, added, removed) if table in self._widths or added else None
            with self._width_fixed_by(table, added):
                self._apply([change] if change is not None else [])
