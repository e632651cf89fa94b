"""Driver actions become REST calls on the HTTP fake; failures are CongressErrors."""

from __future__ import annotations

import pytest

from congress.datasources.base import ActionError
from congress.datasources.neutronv2_driver import NeutronV2Driver
from congress.datasources.nova_driver import NovaDriver
from congress.dse.bus import LocalBus
from tests.fakes.openstack import FakeOpenStack

SERVER = "/compute/v2.1/servers/1234"
PORT = "/network/v2.0/ports/p1"


@pytest.fixture
def cloud():
    with FakeOpenStack() as fake:
        yield fake


def test_generic_dotted_action_is_a_rest_call_and_reachable_over_the_bus(cloud):
    cloud.respond("POST", SERVER + "/action", None, status=202)
    bus = LocalBus()
    driver = NovaDriver("nova", cloud.config(), bus)
    driver.start()
    try:
        bus.call("nova", "execute_action", action="servers.pause", positional_args=["1234"], named_args={})
    finally:
        driver.stop()
    sent = cloud.requests_to(SERVER + "/action")
    assert [(r.method, r.body) for r in sent] == [("POST", {"pause": None})]
    assert sent[0].headers["x-openstack-nova-api-version"] == "2.26"


def test_servers_set_meta_sends_the_pairs(cloud):
    cloud.respond("POST", SERVER + "/metadata", {"metadata": {}})
    NovaDriver("nova", cloud.config(), LocalBus()).execute_action(
        "servers_set_meta", ["1234", "k1", "v1", "k2", 2]
    )
    assert cloud.requests_to(SERVER + "/metadata")[0].body == {"metadata": {"k1": "v1", "k2": "2"}}


def test_action_listing_has_driver_methods_and_generic_calls(cloud):
    actions = NovaDriver("nova", cloud.config(), LocalBus()).actions()
    names = [a.name for a in actions]
    assert names == sorted(names)
    assert {"servers_set_meta", "servers.pause", "servers.delete"} <= set(names)
    meta = next(a for a in actions if a.name == "servers_set_meta")
    assert meta.description == "A wrapper for servers.set_meta()"
    assert [arg.name for arg in meta.args][:3] == ["server", "meta-key1", "meta-value1"]


@pytest.mark.parametrize(
    "action, args",
    [
        ("servers.explode", ["1234"]),
        ("servers.pause", []),
        ("servers.pause", ["1", "2"]),
        ("servers_set_meta", ["1234", "k"]),
    ],
)
def test_unknown_actions_and_bad_arguments_are_action_errors(cloud, action, args):
    with pytest.raises(ActionError):
        NovaDriver("nova", cloud.config(), LocalBus()).execute_action(action, args)
    assert [r for r in cloud.requests if r.path.startswith("/compute")] == []


def test_service_refusal_is_an_action_error(cloud):
    cloud.respond("POST", SERVER + "/action", {"itemNotFound": {"code": 404}}, status=404)
    with pytest.raises(ActionError, match="404"):
        NovaDriver("nova", cloud.config(), LocalBus()).execute_action("servers.pause", ["1234"])


def test_attach_and_detach_port_security_group(cloud):
    cloud.respond("GET", PORT, {"port": {"id": "p1", "security_groups": ["sg1"]}})
    cloud.respond("PUT", PORT, {"port": {}})
    driver = NeutronV2Driver("neutron", cloud.config(), LocalBus())
    driver.execute_action("attach_port_security_group", ["p1", "sg2"])
    driver.execute_action("attach_port_security_group", ["p1", "sg1"])  # already there: no update
    driver.execute_action("detach_port_security_group", ["p1", "sg1"])
    puts = [r.body for r in cloud.requests if r.method == "PUT"]
    assert puts == [{"port": {"security_groups": ["sg1", "sg2"]}}, {"port": {"security_groups": []}}]


def test_neutron_generic_update_takes_a_json_or_yaml_body(cloud):
    cloud.respond("PUT", PORT, {"port": {}})
    driver = NeutronV2Driver("neutron", cloud.config(), LocalBus())
    driver.execute_action("update_port", ["p1", '{"port": {"admin_state_up": false}}'])
    driver.execute_action("update_port", ["p1", "port: {name: web}"])
    driver.execute_action("update_resource_attrs", ["port", "p1", "name", "db"])
    assert [r.body for r in cloud.requests if r.method == "PUT"] == [
        {"port": {"admin_state_up": False}},
        {"port": {"name": "web"}},
        {"port": {"name": "db"}},
    ]
