"""Monasca: the metrics poller (monitoring v2.0) and the alarm-notification webhook driver.

``monasca`` polls metrics with their dimensions, and once per metric name the
average statistics of the last 24 hours (``period`` = ``poll_time``, 3600 s by
default). The original replaced the statistics tables once per metric name, so
only the last name survived a poll; here every name's statistics are kept.

``monasca_webhook`` receives Monasca's webhook notifications (``POST
/v1/data-sources/<ds>/webhook``); see ``MonascaWebhookDriver``.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Mapping
from typing import Any

from congress.datasources import translator as tr
from congress.datasources.alarm_webhooks import WEBHOOK_OPTIONS, hours_to_keep
from congress.datasources.base import PushDriverBase
from congress.datasources.openstack import Listing, OpenStackDriver, RestAction, Service, fetch_listing
from congress.dse.bus import Bus
from congress.exceptions import UpdateNotPermitted

DAY = datetime.timedelta(hours=24)

METRICS = tr.HDict(
    table="metrics",
    fields=(
        *tr.fields("id", "name"),
        tr.Field("dimensions", tr.VDict(table="dimensions", id_col="id", key_col="key", val_col="value")),
    ),
)
STATISTICS = tr.HDict(
    table="statistics",
    fields=(
        tr.Field("name"),
        tr.Field("statistics", tr.ListOf(table="statistics.data", id_col="name", val_col="value_col")),
    ),
)
NAMES = Listing("/metrics/names", "elements")


class MonascaDriver(OpenStackDriver):
    driver_id = "monasca"
    description = "Datasource driver that interfaces with monasca."
    translators = (METRICS, STATISTICS)
    default_poll_time = 3600.0
    service = Service(("monitoring",), version="v2.0")
    listings = {"metrics": Listing("/metrics", "elements")}
    rest_actions = {
        "alarms.delete": RestAction("DELETE", "/alarms/{alarm_id}", ("alarm_id",), description="Delete"),
        "alarm_definitions.delete": RestAction(
            "DELETE", "/alarm-definitions/{alarm_id}", ("alarm_id",), description="Delete an alarm definition"
        ),
        "notifications.delete": RestAction(
            "DELETE", "/notification-methods/{notification_id}", ("notification_id",), description="Delete"
        ),
    }

    def fetch(self, root_table: str) -> list[Any]:
        if root_table != "statistics":
            return super().fetch(root_table)
        start = datetime.datetime.now(datetime.UTC) - DAY
        period = int(self.poll_time or self.default_poll_time)
        found = []
        for name in sorted({n["name"] for n in fetch_listing(self.client, NAMES)}):
            params = {
                "name": name,
                "statistics": "avg",
                "period": period,
                "merge_metrics": "true",
                "start_time": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
            found.extend(self.client.get("/metrics/statistics", params)["elements"])
        return found


ALARM_NOTIFICATION = tr.HDict(
    table="alarm_notification",
    fields=(
        *tr.fields(
            "alarm_id",
            "alarm_definition_id",
            "alarm_name",
            "alarm_description",
            "alarm_timestamp",
            "state",
            "old_state",
            "message",
            "tenant_id",
        ),
        tr.Field(
            "metrics",
            tr.HDict(
                table="alarms.metrics",
                parent_key="alarm_id",
                parent_col="alarm_id",
                parent_key_desc="ALARM id",
                in_list=True,
                fields=(
                    *tr.fields("id", "name"),
                    tr.Field(
                        "dimensions",
                        tr.VDict(
                            table="alarms.metrics.dimensions", id_col="id", key_col="key", val_col="value"
                        ),
                    ),
                ),
            ),
        ),
    ),
)


class MonascaWebhookDriver(PushDriverBase):
    """Keeps the latest notification of each alarm (by ``alarm_id``).

    A notification replaces the alarm's rows in ``alarm_notification`` and
    ``alarms.metrics``. Alarms whose ``alarm_timestamp`` (epoch seconds) is older
    than ``hours_to_keep_alarm`` are dropped whenever a notification arrives.
    Dimension rows no metric refers to any more are dropped too (the original kept them forever).
    """

    driver_id = "monasca_webhook"
    description = "Datasource driver that accepts Monasca webhook alarm notifications."
    config_options = WEBHOOK_OPTIONS
    translators = (ALARM_NOTIFICATION,)

    def __init__(self, name: str, config: Mapping[str, Any] | None, bus: Bus) -> None:
        super().__init__(name, config, bus)
        self.hours_to_keep = hours_to_keep(self.config)

    def webhook(self, payload: Any, table: str | None = None) -> None:
        if not isinstance(payload, Mapping) or "alarm_id" not in payload:
            raise UpdateNotPermitted("a Monasca notification is an object with an alarm_id")
        try:
            new = tr.translate(ALARM_NOTIFICATION, [payload])
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise UpdateNotPermitted(f"bad Monasca notification: {exc}") from exc
        with self._state_lock:
            current = self.raw_tables()
            self._replace_tables(
                merge_alarms(current, new, payload["alarm_id"], time.time() - self.hours_to_keep * 3600)
            )


def merge_alarms(
    current: Mapping[str, set[tuple]], new: Mapping[str, set[tuple]], alarm_id: Any, oldest: float
) -> dict[str, set[tuple]]:
    """``current`` with ``alarm_id``'s rows replaced by ``new`` and alarms older than ``oldest`` dropped."""
    alarms = {r for r in current.get("alarm_notification", ()) if r[0] != alarm_id} | new[
        "alarm_notification"
    ]
    alarms = {r for r in alarms if not _older(r[4], oldest)}
    kept = {r[0] for r in alarms}
    metrics = {r for r in current.get("alarms.metrics", ()) if r[0] != alarm_id} | new["alarms.metrics"]
    metrics = {r for r in metrics if r[0] in kept}
    dims = set(current.get("alarms.metrics.dimensions", ())) | new["alarms.metrics.dimensions"]
    used = {r[3] for r in metrics}
    return {
        "alarm_notification": alarms,
        "alarms.metrics": metrics,
        "alarms.metrics.dimensions": {r for r in dims if r[0] in used},
    }


def _older(timestamp: Any, oldest: float) -> bool:
    try:
        return float(timestamp) < oldest
    except (TypeError, ValueError):
        return False  # an alarm without a usable timestamp is kept until it is replaced
