"""Every registered driver describes itself exactly as the original did (tests/data/drivers/drivers.json).

It iterates over whatever the registry loads, so drivers added later are checked too.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from congress.datasources import registry
from congress.datasources.base import DataSourceDriver, PollingDriver

REFERENCE = json.loads((Path(__file__).parents[2] / "data" / "drivers" / "drivers.json").read_text())[
    "drivers"
]
LOADED = registry.available()

# Deliberate, documented differences from the original.
EXTRA_CONFIG = {"push": {"schema": "(optional)"}}  # push declares its tables in config


def test_the_seven_openstack_drivers_and_push_are_registered():
    assert {"nova", "neutronv2", "glancev2", "keystonev3", "cinder", "swift", "heat", "push"} <= set(LOADED)
    assert set(LOADED) <= set(REFERENCE) | {"ceilometer"}


@pytest.mark.parametrize("driver_id", sorted(set(LOADED) & set(REFERENCE)))
def test_info_matches_the_reference(driver_id):
    ref = REFERENCE[driver_id]
    factory = LOADED[driver_id]
    info = factory.info()
    assert info.id == ref["driver_id"]
    assert registry.class_path(factory) == ref["class_path"]
    assert info.description == ref["description"]
    expected_config = {o["name"]: o["api_value"] for o in ref["config_options"]} | EXTRA_CONFIG.get(
        driver_id, {}
    )
    assert dict(info.config) == expected_config
    assert list(info.config) == list(expected_config)  # the order the API lists them in
    assert list(info.secret or ()) == ref["secret"]
    assert {t.table_id: [(c.name, c.description) for c in t.columns] for t in info.tables} == {
        t["name"]: [(c["name"], c.get("desc")) for c in t["columns"]] for t in ref["tables"]
    }


@pytest.mark.parametrize(
    "driver_id",
    sorted(
        d
        for d in set(LOADED) & set(REFERENCE)
        if issubclass(LOADED[d], DataSourceDriver) and LOADED[d].translators
    ),
)
def test_translated_drivers_have_the_reference_column_types_roots_and_poll_time(driver_id):
    ref = REFERENCE[driver_id]
    factory = LOADED[driver_id]
    assert {t: [(c.name, c.type) for c in cols] for t, cols in factory.columns().items()} == {
        t["name"]: [(c["name"], c.get("type")) for c in t["columns"]] for t in ref["tables"]
    }
    assert [t.table for t in factory.translators] == ref["root_tables"]
    if issubclass(factory, PollingDriver):
        assert factory.default_poll_time == ref["default_poll_time_s"]
