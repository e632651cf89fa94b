"""The server's real services run unchanged on a MessagingBus (``fake://``) instead of the LocalBus.

Everything they publish must be able to travel (it is encoded even when every
subscriber is local), and local subscribers still see updates synchronously.
"""

from __future__ import annotations

import uuid

import pytest

from congress.datasources.push_driver import PushDriver
from congress.db.api import Database
from congress.dse import make_bus
from congress.dse.bus import ServiceUnavailable
from congress.engine import PolicyEngine
from congress.service.container import build
from congress.service.drivers import DriverCatalog
from congress.service.errors import NamedError


@pytest.fixture
def services(tmp_path):
    bus = make_bus("fake://", namespace=f"unit-{uuid.uuid4().hex[:8]}", answer_timeout=2, call_timeout=2)
    db = Database.connect(f"sqlite:///{tmp_path}/congress.sqlite", key_file=tmp_path / "key")
    db.ensure_schema()
    services = build(db, PolicyEngine(), DriverCatalog({"push": PushDriver}), bus=bus)
    services.start()
    yield services, bus
    services.stop()
    bus.close()


def test_datasource_rows_reach_policies_and_actions_reach_the_driver(services):
    services, bus = services
    config = {"description": "pushed", "schema": {"servers": ["id", "owner"]}}
    services.datasources.create({"name": "pushds", "driver": "push", "config": config})
    services.policies.create_policy({"name": "alpha"})
    services.policies.create_rule("alpha", 'mine(x) :- pushds:servers(x, "alice")')

    services.datasources.replace_rows("pushds", "servers", [["vm1", "alice"], ["vm2", "bob"], ["vm3", 3]])
    assert services.policies.rows("alpha", "mine") == ([("vm1",)], None)  # no wait: delivered synchronously
    services.datasources.update_rows(
        "pushds", "servers", insert=[["vm4", "alice"]], delete=[["vm1", "alice"]]
    )
    assert services.policies.rows("alpha", "mine") == ([("vm4",)], None)

    with pytest.raises(NamedError, match="no action"):
        services.datasources.execute("pushds", "servers.explode", ["vm4"], {})

    services.policies.delete_policy("alpha")  # rules reading a datasource keep it from being deleted
    services.datasources.delete("pushds")
    with pytest.raises(ServiceUnavailable):
        bus.call("pushds", "tables")
