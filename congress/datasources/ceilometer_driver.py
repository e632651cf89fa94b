"""Ceilometer (telemetry v2): meters, alarms, events and per-resource meter statistics.

Not in the 2019 driver set (the original removed it in 2018); the schema follows
the install guide's driver as documented for compatibility. Meters and statistics
come from the ``metering`` endpoint. Alarms are read from Aodh (``alarming``) and
events from Panko (``event``), falling back to the ``metering`` endpoint that
served them before the split; a cloud without an alarm or event service gives an
empty table instead of a failed poll.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from keystoneauth1 import exceptions as ks_exceptions

from congress.datasources import translator as tr
from congress.datasources.openstack import Listing, OpenStackDriver, RestAction, Service, ServiceClient

METERS = tr.HDict(
    table="meters",
    fields=tr.fields("meter_id", "name", "type", "unit", "source", "resource_id", "user_id", "project_id"),
)
ALARMS = tr.HDict(
    table="alarms",
    fields=(
        *tr.fields("alarm_id", "name", "state", "enabled"),
        tr.Field(
            "threshold_rule",
            tr.VDict(table="alarms.threshold_rule", id_col="threshold_rule_id"),
            col="threshold_rule_id",
        ),
        *tr.fields(
            "type",
            "description",
            "time_constraints",
            "user_id",
            "project_id",
            "alarm_actions",
            "ok_actions",
            "insufficient_data_actions",
            "repeat_actions",
            "timestamp",
            "state_timestamp",
        ),
    ),
)
EVENTS = tr.HDict(
    table="events",
    fields=(
        *tr.fields("message_id", "event_type", "generated"),
        tr.Field(
            "traits",
            tr.HDict(
                table="events.traits",
                parent_key="message_id",
                parent_col="event_message_id",
                in_list=True,
                fields=tr.fields("name", "type", "value"),
            ),
        ),
    ),
)


def with_resource(statistics: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each statistic with ``resource_id`` taken from its ``groupby`` dict."""
    return [{**s, "resource_id": (s.get("groupby") or {}).get("resource_id")} for s in statistics]


STATISTICS = tr.HDict(
    table="statistics",
    extract=with_resource,
    fields=tr.fields(
        "meter_name",
        "resource_id",
        "avg",
        "count",
        "duration",
        "duration_start",
        "duration_end",
        "max",
        "min",
        "period",
        "period_end",
        "period_start",
        "sum",
        "unit",
    ),
)
OPTIONAL_SERVICES = {
    "alarms": (Service(("alarming", "metering")), "/v2/alarms"),
    "events": (Service(("event", "metering")), "/v2/events"),
}


class CeilometerDriver(OpenStackDriver):
    driver_id = "ceilometer"
    description = "Datasource driver that interfaces with ceilometer."
    translators = (METERS, ALARMS, EVENTS, STATISTICS)
    service = Service(("metering",))
    listings = {"meters": Listing("/v2/meters", None)}
    rest_actions = {
        "alarms.delete": RestAction("DELETE", "/v2/alarms/{alarm_id}", ("alarm_id",), description="Delete"),
    }

    def fetch(self, root_table: str) -> list[Any]:
        if root_table in OPTIONAL_SERVICES:
            service, path = OPTIONAL_SERVICES[root_table]
            client = ServiceClient(self.session, service, self.config.get("region"))
            try:
                return client.get(path)
            except (ks_exceptions.EndpointNotFound, ks_exceptions.NotFound, ks_exceptions.Gone):
                return []
        if root_table == "statistics":
            names = sorted({m["name"] for m in super().fetch("meters")})
            found = []
            for name in names:
                path = f"/v2/meters/{quote(name, safe='')}/statistics"
                found.extend(
                    {**s, "meter_name": name} for s in self.client.get(path, {"groupby": "resource_id"})
                )
            return found
        return super().fetch(root_table)
