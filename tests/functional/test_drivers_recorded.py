"""Each OpenStack driver, over real HTTP with a real keystoneauth session, reproduces the original's tables.

The fake cloud (tests/fakes/openstack.py) replays the API responses recorded in the
original driver tests; tests/data/drivers/<id>.json holds them and the tables the
original produced (internal rows, and the facts the policy engine sees).
"""

from __future__ import annotations

import pytest

from congress.datasources import registry
from congress.dse.bus import LocalBus
from congress.dse.messages import TableUpdate, datasource_topic
from tests.fakes.openstack import FakeOpenStack, recorded_case

DRIVERS = ["nova", "neutronv2", "glancev2", "keystonev3", "cinder", "swift", "heat"]


def typed(rows):
    """Rows compared with their cell types, so 1 != 1.0 != True."""
    return {tuple((type(v).__name__, v) for v in row) for row in rows}


def assert_case_tables(driver, updates: list[TableUpdate], case: dict) -> None:
    """The driver's tables, and its first published snapshot, are the recorded case's, cell types included."""
    raw = driver.raw_tables()
    assert set(raw) == set(case["expected_tables"])
    for table, rows in case["expected_tables"].items():
        assert typed(raw[table]) == typed(rows), table
    first = {u.table: u for u in updates}
    for table, rows in case["expected_facts"].items():
        assert typed(first[table].insert) == typed(rows), table


def poll_once(cloud: FakeOpenStack, driver_id: str, **config):
    bus = LocalBus()
    updates: list[TableUpdate] = []
    bus.subscribe(datasource_topic("ds"), updates.append)
    driver = registry.resolve(driver_id)("ds", cloud.config(**config), bus)
    driver.request_refresh()
    return driver, updates


@pytest.mark.parametrize("driver_id", DRIVERS)
def test_driver_reproduces_the_original_tables_over_http(driver_id):
    case = recorded_case(driver_id)
    with FakeOpenStack.for_driver(driver_id) as cloud:
        driver, updates = poll_once(cloud, driver_id, **case["config"])
        assert cloud.requests[0].path.endswith("/auth/tokens") or cloud.requests[0].path == "/v3"
        assert all(
            r.headers.get("x-auth-token")
            for r in cloud.requests
            if "/auth/" not in r.path and r.path != "/v3"
        )

    assert_case_tables(driver, updates, case)
    assert all(u.replace for u in updates) and len(updates) == len({u.table for u in updates})
    status = driver.status()
    assert status.initialized and status.last_error is None and status.number_of_updates == 1
    assert status.table_row_counts == {t: len(rows) for t, rows in case["expected_tables"].items()}
