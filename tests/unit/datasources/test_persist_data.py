"""``persist_data``: parsed strictly from what the API and the CLI send; each driver's default."""

from __future__ import annotations

import pytest

from congress.datasources.base import DriverConfigError, parse_bool_option
from congress.datasources.cfgvalidator_driver import ValidatorDriver
from congress.datasources.doctor_driver import DoctorDriver
from congress.datasources.monasca_driver import MonascaWebhookDriver
from congress.datasources.plexxi_driver import PlexxiDriver
from congress.datasources.push_driver import PushDriver
from congress.datasources.vitrage_driver import VitrageDriver
from congress.dse.bus import LocalBus
from tests.unit.datasources.test_driver_plexxi import CONFIG as PLEXXI_CONFIG

# driver class, the config it needs, whether it persists when persist_data is not given
DRIVERS = [
    (PushDriver, {"description": "d"}, True),
    (DoctorDriver, {}, False),
    (VitrageDriver, {}, False),
    (MonascaWebhookDriver, {}, False),
]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        ("true", True),
        ("True", True),
        ("TRUE", True),
        (" yes ", True),
        ("on", True),
        ("1", True),
        ("t", True),
        ("false", False),
        ("False", False),
        ("no", False),
        ("off", False),
        ("0", False),
        ("f", False),
    ],
)
def test_booleans_as_the_api_and_the_cli_send_them(value, expected):
    assert parse_bool_option(value, "persist_data", not expected) is expected


@pytest.mark.parametrize("default", [True, False])
def test_an_absent_value_is_the_default(default):
    assert parse_bool_option(None, "persist_data", default) is default


@pytest.mark.parametrize("value", ["", "maybe", "2", "truee", "null", 1, 0, 1.0, [], {}])
def test_anything_else_is_refused_naming_the_option(value):
    with pytest.raises(DriverConfigError, match=r"option persist_data: expected true or false"):
        parse_bool_option(value, "persist_data", True)


@pytest.mark.parametrize(("driver", "config", "default"), DRIVERS, ids=lambda d: getattr(d, "driver_id", ""))
def test_each_driver_taking_the_option_has_its_default_and_obeys_the_value(driver, config, default):
    assert "persist_data" in driver.config_options
    assert driver("ds", config, LocalBus()).persists is default
    assert driver("ds", {**config, "persist_data": "True"}, LocalBus()).persists is True
    assert driver("ds", {**config, "persist_data": "false"}, LocalBus()).persists is False
    with pytest.raises(DriverConfigError, match="persist_data"):
        driver("ds", {**config, "persist_data": "sometimes"}, LocalBus())


def test_webhook_drivers_without_the_option():
    """A Plexxi inventory is the whole state and is kept; config reports are not (hosts report again)."""
    assert PlexxiDriver("ds", PLEXXI_CONFIG, LocalBus()).persists is True
    assert ValidatorDriver("ds", {}, LocalBus()).persists is False
    with pytest.raises(DriverConfigError, match="Invalid driver options"):
        ValidatorDriver("ds", {"persist_data": "true"}, LocalBus())
