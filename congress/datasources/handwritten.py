"""Drivers whose tables are built by hand (murano, plexxi, config) declare a literal schema here.

``LiteralSchema`` gives such a driver its ``columns()`` (so ``info()`` and ``table_specs()``
work as for translated drivers) from ``table_columns``: table name -> column names, or
``(name, description)`` pairs. Every table is a root: ``lazy_tables`` may name any, and the
driver leaves ``lazy_tables()`` out of what it publishes (``without_lazy``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from congress.datasources import translator as tr

ColumnDecl = str | tuple[str, str]


class LiteralSchema:
    """Mixin for a ``DataSourceDriver`` subclass with ``translators = ()``."""

    table_columns: ClassVar[Mapping[str, Sequence[ColumnDecl]]] = {}
    default_column_desc: ClassVar[str | None] = None  # the config driver's bare columns describe as ""

    @classmethod
    def columns(cls) -> dict[str, list[tr.Column]]:
        bare = cls.default_column_desc
        return {
            table: [tr.Column(c, bare) if isinstance(c, str) else tr.Column(*c) for c in cols]
            for table, cols in cls.table_columns.items()
        }

    @classmethod
    def root_tables(cls) -> list[str]:
        return list(cls.table_columns)

    def lazy_tables(self) -> set[str]:
        return set(self._lazy)  # type: ignore[attr-defined]

    def subscribe_table(self, table: str) -> None:
        self._lazy.discard(table)  # type: ignore[attr-defined]
        super().subscribe_table(table)  # type: ignore[misc]

    def without_lazy(self, tables: dict[str, Any]) -> dict[str, Any]:
        lazy = self.lazy_tables()
        return {t: rows for t, rows in tables.items() if t not in lazy}
