"""The bus services talk through: ``make_bus`` picks the in-process or the multi-process one."""

from __future__ import annotations

from typing import Any

from congress.dse.bus import Bus, LocalBus


def make_bus(transport_url: str | None, **options: Any) -> Bus:
    """``LocalBus`` when ``transport_url`` is unset, else a ``MessagingBus`` on it (``rabbit://``, ``fake://``).

    ``options`` go to ``MessagingBus`` (``node_id``, ``namespace``, ``conf``, timeouts).
    oslo.messaging is imported only when a transport is configured.
    """
    if not transport_url:
        return LocalBus()
    from congress.dse.messaging import MessagingBus

    return MessagingBus(transport_url, **options)
