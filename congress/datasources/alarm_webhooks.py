"""What the alarm-notification webhook drivers (vitrage, monasca_webhook) share: their options.

Their tables are kept in the database across restarts only with ``persist_data=true`` (off by
default, as in the original).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from congress.datasources.base import OPTIONAL, DriverConfigError

WEBHOOK_OPTIONS = {"persist_data": OPTIONAL, "hours_to_keep_alarm": OPTIONAL}
DEFAULT_HOURS_TO_KEEP = 240.0


def hours_to_keep(config: Mapping[str, Any]) -> float:
    """``hours_to_keep_alarm`` (default 240): alarms older than this are dropped."""
    raw = config.get("hours_to_keep_alarm", DEFAULT_HOURS_TO_KEEP)
    try:
        hours = float(raw)
    except (TypeError, ValueError) as exc:
        raise DriverConfigError(f"hours_to_keep_alarm must be a number, not {raw!r}") from exc
    if hours <= 0:
        raise DriverConfigError("hours_to_keep_alarm must be positive")
    return hours
