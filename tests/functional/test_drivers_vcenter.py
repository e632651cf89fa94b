"""vCenter over real HTTP (vSphere Web Services JSON protocol): login, property retrieval, tables."""

from __future__ import annotations

import pytest

from congress.datasources.base import DriverConfigError, PollError
from congress.datasources.vCenter_driver import HOST_PATHS, VM_PATHS, VCenterDriver
from congress.dse.bus import LocalBus
from tests.fakes.openstack import recorded_case
from tests.fakes.vsphere import SDK, FakeVCenter
from tests.functional.test_drivers_recorded import assert_case_tables, poll_once

RETRIEVE = SDK + "/PropertyCollector/propertyCollector/RetrievePropertiesEx"


@pytest.fixture
def vc():
    with FakeVCenter.for_driver("vcenter") as fake:
        yield fake


def test_tables_as_recorded(vc):
    case = recorded_case("vcenter")
    driver, updates = poll_once(vc, "vcenter")
    assert_case_tables(driver, updates, case)


def test_requests_ask_for_the_original_property_paths_with_the_limits(vc):
    poll_once(vc, "vcenter", max_hosts="5", max_vms=7)
    assert vc.requests[0].path == SDK + "/SessionManager/SessionManager/Login"
    asked = {
        r.body["specSet"][0]["propSet"][0]["type"]: (
            r.body["specSet"][0]["propSet"][0]["pathSet"],
            r.body["options"]["maxObjects"],
            r.body["specSet"][0]["objectSet"][0]["obj"]["value"],
        )
        for r in vc.requests_to(RETRIEVE)
    }
    assert asked == {
        "HostSystem": (list(HOST_PATHS), 5, "session-52f0-view-1"),
        "VirtualMachine": (list(VM_PATHS), 7, "session-52f0-view-1"),
    }
    views = vc.requests_to(SDK + "/ViewManager/ViewManager/CreateContainerView")
    assert [r.body["type"] for r in views] == [["HostSystem"], ["VirtualMachine"]]
    assert views[0].body["container"]["value"] == "group-d1"


def test_expired_session_fails_one_poll_then_logs_in_again(vc):
    driver = VCenterDriver("vc", vc.config(), LocalBus())
    driver.request_refresh()
    before = driver.tables()
    vc.expire()
    with pytest.raises(PollError, match="401"):
        driver.request_refresh()
    assert driver.tables() == before
    driver.request_refresh()
    assert driver.status().last_error is None
    assert len(vc.requests_to(SDK + "/SessionManager/SessionManager/Login")) == 2


def test_wrong_password_is_a_poll_error(vc):
    driver = VCenterDriver("vc", vc.config(password="nope"), LocalBus())
    with pytest.raises(PollError, match="login failed"):
        driver.request_refresh()


@pytest.mark.parametrize("option, value", [("max_vms", "many"), ("max_hosts", 0)])
def test_bad_limits_are_config_errors(vc, option, value):
    with pytest.raises(DriverConfigError, match=option):
        VCenterDriver("vc", vc.config(**{option: value}), LocalBus())
