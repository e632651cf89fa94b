"""The drivers this deployment offers (congress.conf ``drivers``, ``disabled_drivers``,
``custom_driver_endpoints``) and their API documents (contract §5.11)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from importlib.metadata import entry_points
from typing import Any

from congress.datasources import registry
from congress.datasources.interface import DriverFactory, DriverInfo, TableSpec
from congress.exceptions import CongressError
from congress.service.errors import NotFound

LOG = logging.getLogger(__name__)


def tables_document(tables: Iterable[TableSpec]) -> list[dict[str, Any]]:
    return [
        {
            "table_id": t.table_id,
            "columns": [{"name": c.name, "description": c.description} for c in t.columns],
        }
        for t in tables
    ]


class DriverCatalog:
    def __init__(self, drivers: Mapping[str, DriverFactory]) -> None:
        self._drivers = dict(drivers)

    def factory(self, driver_id: str) -> DriverFactory:
        try:
            return self._drivers[driver_id]
        except KeyError:
            raise NotFound(
                f"Driver not found {driver_id}. "
                "Either not supported or disabled by deployer in Congress config"
            ) from None

    def has(self, driver_id: str) -> bool:
        return driver_id in self._drivers

    def info(self, driver_id: str) -> DriverInfo:
        return self.factory(driver_id).info()

    def list_drivers(self) -> list[dict[str, str]]:
        return [{"id": i, "description": f.info().description} for i, f in sorted(self._drivers.items())]

    def show_driver(self, driver_id: str) -> dict[str, Any]:
        info = self.info(driver_id)
        document: dict[str, Any] = {
            "id": info.id,
            "description": info.description,
            "config": dict(info.config),
        }
        if info.secret is not None:
            document["secret"] = list(info.secret)
        document["tables"] = tables_document(info.tables)
        return document


def load_catalog(enabled: Sequence[str], disabled: Sequence[str], custom: Sequence[str]) -> DriverCatalog:
    """The drivers congress.conf asks for.

    Drivers named in ``drivers`` or ``custom_driver_endpoints`` must load (a typo
    stops the server); with ``drivers`` empty every installed driver is offered,
    and one that cannot be imported (a missing client library) is logged and skipped.
    """
    if enabled:
        chosen = registry.load_drivers(enabled=enabled, custom=custom)
    else:
        chosen = {}
        for ep in entry_points(group=registry.ENTRY_POINT_GROUP):
            try:
                factory = registry.resolve(ep.name)
            except CongressError as exc:
                LOG.warning("Driver %s is not available: %s", ep.name, exc.message)
                continue
            chosen[factory.info().id] = factory
        chosen.update(registry.load_drivers(enabled=(), custom=custom))
    for name in disabled:
        chosen.pop(registry.resolve(name).info().id if "." in name or ":" in name else name, None)
    return DriverCatalog(chosen)
