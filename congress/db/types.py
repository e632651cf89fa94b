"""Column types shared by the models: case-sensitive names, JSON stored as text, UTC timestamps.

JSON is kept as text we encode ourselves (not the dialects' JSON types) so a
value comes back exactly as written on every backend: ``3.0`` stays a float,
``3`` an int, key order is kept.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, String, Text
from sqlalchemy.dialects import mysql
from sqlalchemy.types import TypeDecorator


def exact_string(length: int = 255) -> String:
    """An id or name compared byte for byte (MySQL's default collation would make 'Foo' equal 'foo')."""
    return String(length).with_variant(
        mysql.VARCHAR(length, charset="utf8mb4", collation="utf8mb4_bin"), "mysql"
    )


def long_text() -> Text:
    """Text without MySQL's 64 KiB TEXT limit (table snapshots can be large)."""
    return Text().with_variant(mysql.LONGTEXT(), "mysql")


def dump_json(value: Any) -> str:
    """Encode for storage; NaN and infinity are refused (ValueError), since they are not JSON."""
    return json.dumps(value, allow_nan=False, ensure_ascii=False, separators=(",", ":"))


def load_json(text: str) -> Any:
    return json.loads(text)


class UTCDateTime(TypeDecorator[datetime]):
    """Stored as naive UTC (every backend has that), returned timezone-aware."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        # MySQL's plain DATETIME drops the microseconds.
        if dialect.name == "mysql":
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)
