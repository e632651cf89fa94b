"""Aodh (alarming v2): the alarms visible to the configured user."""

from __future__ import annotations

from congress.datasources import translator as tr
from congress.datasources.openstack import Listing, OpenStackDriver, RestAction, Service

ALARMS = tr.HDict(
    table="alarms",
    fields=tr.fields(
        "alarm_id",
        "name",
        "state",
        "enabled",
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
)


class AodhDriver(OpenStackDriver):
    driver_id = "aodh"
    description = "Datasource driver that interfaces with aodh."
    translators = (ALARMS,)
    service = Service(("alarming",))
    listings = {"alarms": Listing("/v2/alarms", None)}
    rest_actions = {
        "alarm.delete": RestAction("DELETE", "/v2/alarms/{alarm_id}", ("alarm_id",), description="Delete"),
        "alarm.set_state": RestAction(
            "PUT",
            "/v2/alarms/{alarm_id}/state",
            ("alarm_id", "state"),
            lambda a: a["state"],
            "Set an alarm's state (ok, alarm, insufficient data)",
        ),
    }
