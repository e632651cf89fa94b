"""OPNFV Doctor: an inspector pushes host-failure events (``PUT .../tables/events/rows``).

Each event ``{time, type, details: {hostname, status, monitor, monitor_event_id}}``
becomes one row; a push replaces the whole table. With ``persist_data=true`` (off by default)
the table is kept in the database and restored at start.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from congress.datasources import translator as tr
from congress.datasources.base import OPTIONAL, PushDriverBase


def flatten_events(events: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each event with its ``details`` merged into the top level."""
    return [{**{k: v for k, v in e.items() if k != "details"}, **(e.get("details") or {})} for e in events]


EVENTS = tr.HDict(
    table="events",
    extract=flatten_events,
    fields=tr.fields("time", "type", "hostname", "status", "monitor", "monitor_event_id"),
)


class DoctorDriver(PushDriverBase):
    driver_id = "doctor"
    description = (
        "Datasource driver that allows external systems to push data in accordance with OPNFV Doctor "
        "Inspector southbound interface specification."
    )
    config_options = {"persist_data": OPTIONAL}
    translators = (EVENTS,)
