"""Vitrage: alarm notifications posted to ``/v1/data-sources/<ds>/webhook``.

A notification ``{"notification": "vitrage.alarm.activate", "payload": {...}}`` carries
the alarm in ``payload`` with its ``resource`` sub-object; the resource fields become
``resource_*`` columns and ``receive_timestamp`` records when Congress got it (UTC).
A notification replaces the alarm with the same ``vitrage_id``; a push
(``PUT .../tables/alarms/rows``) of alarm objects replaces the whole table. Alarms whose
``update_timestamp`` is older than ``hours_to_keep_alarm`` (default 240) are dropped
whenever a notification arrives.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from congress.datasources import translator as tr
from congress.datasources.alarm_webhooks import WEBHOOK_OPTIONS, hours_to_keep
from congress.datasources.base import PushDriverBase
from congress.dse.bus import Bus
from congress.exceptions import UpdateNotPermitted

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
RESOURCE_FIELDS = ("name", "id", "vitrage_id", "project_id", "vitrage_operational_state", "vitrage_type")


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def flatten_alarms(alarms: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each alarm with its ``resource`` fields as ``resource_*`` and the time it was received."""
    received = utcnow().strftime(TIME_FORMAT)
    return [
        {
            **alarm,
            **{f"resource_{k}": (alarm.get("resource") or {}).get(k) for k in RESOURCE_FIELDS},
            "receive_timestamp": received,
        }
        for alarm in alarms
    ]


ALARMS = tr.HDict(
    table="alarms",
    extract=flatten_alarms,
    fields=(
        *tr.fields("name", "state"),
        tr.Field("vitrage_type", col="type"),
        tr.Field("vitrage_operational_severity", col="operational_severity"),
        *tr.fields(
            "vitrage_id",
            "update_timestamp",
            "receive_timestamp",
            "resource_name",
            "resource_id",
            "resource_vitrage_id",
            "resource_project_id",
        ),
        tr.Field("resource_vitrage_operational_state", col="resource_operational_state"),
        tr.Field("resource_vitrage_type", col="resource_type"),
    ),
)
VITRAGE_ID = 4  # column of vitrage_id
UPDATE_TIMESTAMP = 5


class VitrageDriver(PushDriverBase):
    driver_id = "vitrage"
    description = "Datasource driver that accepts Vitrage webhook alarm notifications."
    config_options = WEBHOOK_OPTIONS
    translators = (ALARMS,)

    def __init__(self, name: str, config: Mapping[str, Any] | None, bus: Bus) -> None:
        super().__init__(name, config, bus)
        self.hours_to_keep = hours_to_keep(self.config)

    def webhook(self, payload: Any, table: str | None = None) -> None:
        alarm = payload.get("payload") if isinstance(payload, Mapping) else None
        if not isinstance(alarm, Mapping) or not alarm.get("vitrage_id"):
            raise UpdateNotPermitted('a Vitrage notification has a "payload" object with a vitrage_id')
        try:
            (row,) = tr.translate(ALARMS, [alarm])["alarms"]
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise UpdateNotPermitted(f"bad Vitrage notification: {exc}") from exc
        oldest = utcnow() - datetime.timedelta(hours=self.hours_to_keep)
        with self._state_lock:
            kept = {
                r
                for r in self.raw_tables().get("alarms", ())
                if r[VITRAGE_ID] != row[VITRAGE_ID] and not _older(r[UPDATE_TIMESTAMP], oldest)
            }
            self._replace_tables({"alarms": kept | {row}})


def _older(timestamp: Any, oldest: datetime.datetime) -> bool:
    try:
        return datetime.datetime.strptime(str(timestamp), TIME_FORMAT) < oldest
    except ValueError:
        return False  # kept until replaced
