"""Per-driver translation details of the newer drivers, on in-memory API objects."""

import pytest

from congress.datasources import translator as tr
from congress.datasources.ceilometer_driver import ALARMS as CEILOMETER_ALARMS
from congress.datasources.ironic_driver import PORTS, port_vif
from congress.datasources.keystone_driver import USERS, v2_users
from congress.datasources.neutronv2_qos_driver import port_policies
from congress.datasources.tacker_driver import VNFS, extract_mgmt_urls
from congress.datasources.vCenter_driver import NO_DNS, dig, host_row, unbox


def test_tacker_mgmt_url_is_json_text_or_null():
    assert extract_mgmt_urls('{"VDU1": "10.0.0.1"}') == {"VDU1": "10.0.0.1"}
    rows = tr.translate(
        VNFS, [{"id": "v1", "mgmt_url": None}, {"id": "v2", "mgmt_url": '{"VDU1": "10.0.0.2"}'}]
    )
    assert rows["vnfs.instances"] == {("v2", "VDU1", "10.0.0.2")}
    with pytest.raises(ValueError):
        tr.translate(VNFS, [{"id": "v3", "mgmt_url": "not json"}])


def test_qos_ports_bind_their_policy_id_and_listed_policies():
    assert port_policies([{"id": "p", "qos_policy_id": "q1", "qos_policies": ["q0", "q1"]}])[0][
        "qos_policies"
    ] == [
        "q0",
        "q1",
    ]
    assert port_policies([{"id": "p", "qos_policy_id": None}])[0]["qos_policies"] == []


def test_keystone_v2_users_from_v3():
    (user,) = v2_users([{"id": "u", "name": "alice", "default_project_id": "p", "enabled": True}])
    assert (user["username"], user["tenantId"]) == ("alice", "p")
    assert tr.translate(USERS, [{"id": "u", "name": "bob", "enabled": False}])["users"] == {
        ("bob", "bob", False, None, "u", None)
    }


def test_ironic_port_without_extra():
    assert port_vif(None) == "" and port_vif({}) == "" and port_vif({"vif_port_id": "v"}) == "v"
    assert tr.translate(PORTS, [{"uuid": "p", "extra": None}])["ports"] == {("p", None, None, "", None, None)}


def test_ceilometer_alarm_without_threshold_rule_points_at_the_empty_hash():
    rows = tr.translate(CEILOMETER_ALARMS, [{"alarm_id": "a", "threshold_rule": None}])
    assert next(iter(rows["alarms"]))[4] == tr.EMPTY_HASH
    assert rows["alarms.threshold_rule"] == set()


def test_vsphere_values_unboxed_and_hosts_without_dns():
    assert unbox({"_typeName": "ArrayOfString", "_value": ["a"]}) == ["a"]
    assert (
        dig({"spec": {"_typeName": "X", "ip": {"ipAddress": "10.0.0.1"}}}, "spec.ip.ipAddress") == "10.0.0.1"
    )
    assert dig({"spec": None}, "spec.ip.ipAddress") is None
    assert host_row({"name": "h", "hardware.systemInfo.uuid": "u"})["host.DNS_IPs"] == [NO_DNS]
