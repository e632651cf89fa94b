"""Drivers whose tables are built by hand (murano, plexxi, config) declare a literal schema here.

``LiteralSchema`` gives such a driver its ``columns()`` (so ``info()``, ``table_specs()`` and
lazy-table handling work as for translated drivers) from ``table_columns``: table name ->
column names, or ``(name, description)`` pairs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

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
