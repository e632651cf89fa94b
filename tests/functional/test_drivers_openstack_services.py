"""The remaining OpenStack pollers over real HTTP (real keystoneauth session) against recorded responses.

tests/data/drivers/<id>.json holds API responses written from each service's documented
API shapes and the tables they must give, derived by hand from the translator semantics.
"""

from __future__ import annotations

import datetime

import pytest

from congress.datasources import registry
from congress.datasources.base import ActionError, PollError
from congress.dse.bus import LocalBus
from tests.fakes.openstack import FakeOpenStack, SeenRequest, recorded_case
from tests.functional.test_drivers_recorded import assert_case_tables, poll_once, typed

DRIVERS = ["aodh", "ceilometer", "ironic", "keystone", "mistral", "monasca", "neutronv2_qos", "tacker"]


class StartTimeCloud(FakeOpenStack):
    """Monasca statistics ask for "the last 24 hours": check ``start_time`` is that, then match without it."""

    def answer(self, seen: SeenRequest):
        start = seen.query.pop("start_time", None)
        if start is not None:
            asked = datetime.datetime.strptime(start, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.UTC)
            age = datetime.datetime.now(datetime.UTC) - asked
            assert datetime.timedelta(hours=24) <= age < datetime.timedelta(hours=24, minutes=1), start
        return super().answer(seen)


def run_case(driver_id: str):
    case = recorded_case(driver_id)
    with StartTimeCloud.for_driver(driver_id) as cloud:
        driver, updates = poll_once(cloud, driver_id, **case["config"])
    return case, cloud, driver, updates


@pytest.mark.parametrize("driver_id", DRIVERS)
def test_driver_produces_the_expected_tables_over_http(driver_id):
    case, cloud, driver, updates = run_case(driver_id)
    recorded = {
        (r["method"], r["path"], tuple(sorted((r.get("query") or {}).items()))) for r in case["responses"]
    }
    asked = {
        (r.method, r.path, tuple(sorted(r.query.items()))) for r in cloud.requests if r.path.startswith("/")
    }
    assert recorded <= asked, "every recorded response is used"
    assert_case_tables(driver, updates, case)
    assert driver.status().last_error is None


def test_ironic_sends_its_microversion_and_follows_next_links():
    _, cloud, _, _ = run_case("ironic")
    nodes = cloud.requests_to("/baremetal/v1/nodes/detail")
    assert [r.query for r in nodes] == [{}, {"limit": "1", "marker": "6d85703a-565d-469a-96ce-30b6de53079d"}]
    assert {r.headers["x-openstack-ironic-api-version"] for r in nodes} == {"1.9"}


def test_monasca_asks_statistics_per_metric_name_with_the_default_period():
    _, cloud, driver, _ = run_case("monasca")
    stats = cloud.requests_to("/monasca/v2.0/metrics/statistics")
    assert sorted(r.query["name"] for r in stats) == ["cpu.idle_perc", "http_status"]
    assert {r.query["period"] for r in stats} == {"3600"}
    assert driver.default_poll_time == 3600


@pytest.mark.parametrize("status", [404, 410])
def test_ceilometer_without_an_event_service_has_empty_event_tables(status):
    case = recorded_case("ceilometer")
    with StartTimeCloud.for_driver("ceilometer") as cloud:
        cloud.respond("GET", "/panko/v2/events", {"error_message": "gone"}, status=status)
        driver, _ = poll_once(cloud, "ceilometer")
    raw = driver.raw_tables()
    assert raw["events"] == set() and raw["events.traits"] == set()
    assert typed(raw["meters"]) == typed(case["expected_tables"]["meters"])


def test_ceilometer_failing_meters_fail_the_poll():
    with StartTimeCloud.for_driver("ceilometer") as cloud:
        cloud.respond("GET", "/ceilometer/v2/meters", {"error": "boom"}, status=500)
        with pytest.raises(PollError, match="meters"):
            poll_once(cloud, "ceilometer")


@pytest.mark.parametrize(
    "driver_id, action, args, method, path, body",
    [
        ("aodh", "alarm.set_state", ["a1", "alarm"], "PUT", "/aodh/v2/alarms/a1/state", "alarm"),
        (
            "ironic",
            "node.set_power_state",
            ["n1", "power off"],
            "PUT",
            "/baremetal/v1/nodes/n1/states/power",
            {"target": "power off"},
        ),
        ("keystone", "tenants.delete", ["p1"], "DELETE", "/v3/projects/p1", None),
        (
            "mistral",
            "executions.create",
            ["cleanup"],
            "POST",
            "/mistral/v2/executions",
            {"workflow_name": "cleanup"},
        ),
        ("tacker", "delete_vnf", ["v1"], "DELETE", "/tacker/v1.0/vnfs/v1", None),
        ("monasca", "alarms.delete", ["a1"], "DELETE", "/monasca/v2.0/alarms/a1", None),
    ],
)
def test_actions_are_rest_calls(driver_id, action, args, method, path, body):
    with FakeOpenStack() as cloud:
        cloud.respond(method, path, None, status=204)
        driver = registry.resolve(driver_id)("ds", cloud.config(), LocalBus())
        assert action in {a.name for a in driver.actions()}
        driver.execute_action(action, args)
        assert [(r.method, r.body) for r in cloud.requests_to(path)] == [(method, body)]


def test_neutronv2_qos_has_no_actions():
    with FakeOpenStack() as cloud:
        driver = registry.resolve("neutronv2_qos")("ds", cloud.config(), LocalBus())
        assert driver.actions() == []
        with pytest.raises(ActionError):
            driver.execute_action("ports.delete", ["p1"])
