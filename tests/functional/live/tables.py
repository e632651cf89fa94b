"""Reading datasource rows by the reference column names (tests/data/drivers/drivers.json).

The names come from the reference schema, not from the driver under test, so a driver that put a value in
the wrong column fails the comparison.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

DRIVERS_JSON = Path(__file__).resolve().parents[2] / "data" / "drivers" / "drivers.json"


@cache
def reference_columns(driver: str, table: str) -> tuple[str, ...]:
    drivers = json.loads(DRIVERS_JSON.read_text())["drivers"]
    for spec in drivers[driver]["tables"]:
        if spec["name"] == table:
            return tuple(c["name"] for c in spec["columns"])
    raise KeyError(f"{driver} has no table {table} in drivers.json")


def records(driver: str, table: str, rows: list[Any]) -> list[dict[str, Any]]:
    """Rows as dicts keyed by the reference column names (each row must have exactly that many values)."""
    columns = reference_columns(driver, table)
    out = []
    for row in rows:
        assert len(row) == len(columns), f"{driver}:{table} row {row!r} does not match columns {columns}"
        out.append(dict(zip(columns, row, strict=True)))
    return out


def matching(driver: str, table: str, rows: list[Any], **where: Any) -> list[dict[str, Any]]:
    """The records whose columns equal ``where``."""
    return [r for r in records(driver, table, rows) if all(r[k] == v for k, v in where.items())]


def only(driver: str, table: str, rows: list[Any], **where: Any) -> dict[str, Any]:
    """The single record matching ``where`` (AssertionError when there are none or several)."""
    found = matching(driver, table, rows, **where)
    assert len(found) == 1, f"expected one {driver}:{table} row with {where}, got {found}"
    return found[0]
