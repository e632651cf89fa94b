"""Murano over real HTTP: the hand-built object model tables, and object actions."""

from __future__ import annotations

import pytest

from congress.datasources.base import ActionError
from congress.datasources.murano_driver import MuranoDriver, ancestors, closure
from congress.dse.bus import LocalBus
from tests.fakes.openstack import FakeOpenStack, recorded_case
from tests.functional.test_drivers_recorded import assert_case_tables, poll_once

ENV = "0ce373a477f211e187a55404a662f968"
APACHE = "e1a2b3c4d5e64f708192a3b4c5d6e7f8"
ACTION = APACHE + "_restartApache"


def test_murano_tables_over_http():
    case = recorded_case("murano")
    with FakeOpenStack.for_driver("murano") as cloud:
        driver, updates = poll_once(cloud, "murano")
    assert_case_tables(driver, updates, case)


def test_murano_action_calls_the_enabled_object_action():
    with FakeOpenStack() as cloud:
        services = recorded_case("murano")["responses"][3]["body"]
        cloud.respond("GET", f"/murano/v1/environments/{ENV}", {"id": ENV, "services": services})
        cloud.respond(
            "POST", f"/murano/v1/environments/{ENV}/actions/{ACTION}", {"task_id": "t1"}, status=202
        )
        driver = MuranoDriver("m", cloud.config(), LocalBus())
        assert driver.execute_action("anything", [ENV, APACHE, "restartApache"]) == {"task_id": "t1"}
        assert [r.method for r in cloud.requests_to(f"/murano/v1/environments/{ENV}/actions/{ACTION}")] == [
            "POST"
        ]
        with pytest.raises(ActionError, match="no enabled action"):
            driver.execute_action("x", [ENV, APACHE, "deleteEverything"])
        with pytest.raises(ActionError, match="no object"):
            driver.execute_action("x", [ENV, "0" * 32, "restartApache"])
        with pytest.raises(ActionError):
            driver.execute_action("x", [ENV])


def test_class_hierarchy_and_closure():
    assert ancestors("io.murano.resources.LinuxMuranoInstance") == [
        "io.murano.resources.LinuxInstance",
        "io.murano.resources.Instance",
        "io.murano.Object",
    ]
    assert ancestors("com.example.App", top_level_service=True) == [
        "io.murano.Application",
        "io.murano.Object",
    ]
    assert ancestors("com.example.Helper") == ["io.murano.Object"]
    assert closure({("a", "b"), ("b", "c"), ("c", "a")}) == {(x, y) for x in "abc" for y in "abc"}
