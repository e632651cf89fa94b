"""The generic ``push`` driver: external systems replace or edit its tables over the API.

A datasource may declare its tables in config, ``{"schema": {"servers": ["id", "name", "owner"]}}``
(a dict or the same as JSON text, as the CLI sends strings). Rows of the wrong width, or for
an undeclared table, are refused with ``UpdateNotPermitted`` before anything changes.
Without a schema any table name is accepted and its width is fixed by its first push.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from congress.datalog.ast import Value
from congress.datasources.base import OPTIONAL, REQUIRED, DataSourceDriver, DriverConfigError
from congress.datasources.interface import ColumnSpec, TableSpec
from congress.datasources.values import to_congress
from congress.dse.bus import Bus
from congress.exceptions import UpdateNotPermitted

_SCALARS = (str, int, float, bool, type(None))


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

    def __init__(self, name: str, config: Mapping[str, Any] | None, bus: Bus) -> None:
        super().__init__(name, config, bus)
        declared = self.config.get("schema")
        self._schema = parse_schema(declared) if declared is not None else None
        self._widths: dict[str, int] = {t: len(c) for t, c in (self._schema or {}).items()}

    @classmethod
    def table_specs(cls) -> tuple[TableSpec, ...]:
        return (TableSpec("data", ()),)

    def schema(self) -> tuple[TableSpec, ...]:
        if self._schema is None:
            return tuple(TableSpec(t, ()) for t in sorted(self._widths)) or self.table_specs()
        return tuple(TableSpec(t, tuple(ColumnSpec(c) for c in cols)) for t, cols in self._schema.items())

    def start(self) -> None:
        super().start()
        if self._schema is not None:
            with self._state_lock:
                initial = {t: set() for t in self._schema if t not in self._raw}
            self._replace_tables(initial)

    def _checked(self, table: str, rows: Sequence[Sequence[Value]]) -> list[tuple[Value, ...]]:
        if self._schema is not None and table not in self._schema:
            raise UpdateNotPermitted(f"datasource {self.name!r} declares no table {table!r}")
        if isinstance(rows, str | bytes | Mapping) or not isinstance(rows, Sequence):
            raise UpdateNotPermitted(f"rows for {table!r} must be a list of lists")
        checked = []
        width = self._widths.get(table)
        for row in rows:
            if isinstance(row, str | bytes | Mapping) or not isinstance(row, Sequence):
                raise UpdateNotPermitted(f"row {row!r} for {table!r} is not a list")
            if width is None:
                width = len(row)
            if len(row) != width:
                raise UpdateNotPermitted(
                    f"row {list(row)!r} has {len(row)} values; table {table!r} has {width}"
                )
            # A JSON object or array in a cell becomes its text, as the original's value_to_congress did.
            checked.append(tuple(v if isinstance(v, _SCALARS) else to_congress(v) for v in row))
        return checked

    def _commit(self, table: str, rows: set[tuple[Value, ...]]) -> None:
        if rows and table not in self._widths:
            self._widths[table] = len(next(iter(rows)))
        self._replace_tables({table: rows})

    def push_rows(self, table: str, rows: Sequence[Sequence[Value]]) -> None:
        with self._state_lock:
            self._commit(table, set(self._checked(table, rows)))

    def push_delta(
        self, table: str, insert: Sequence[Sequence[Value]], delete: Sequence[Sequence[Value]]
    ) -> None:
        with self._state_lock:
            rows = self._checked(table, [*insert, *delete])
            added, removed = set(rows[: len(insert)]), set(rows[len(insert) :])
            current = set(self._raw.get(table, ()))
            self._commit(table, (current - removed) | added)
