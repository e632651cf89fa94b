import pytest

from congress.datasources import registry
from congress.datasources.push_driver import PushDriver


def test_lookup_by_id_class_path_and_endpoint_gives_the_same_class():
    assert registry.resolve("push") is PushDriver
    assert registry.resolve("congress.datasources.push_driver.PushDriver") is PushDriver
    assert registry.resolve("congress.datasources.push_driver:PushDriver") is PushDriver
    assert registry.resolve("mypush=congress.datasources.push_driver:PushDriver") is PushDriver


def test_unknown_names_are_a_clear_error():
    for name in ("no_such_driver", "congress.datasources.nothing.Nothing", "congress.datasources.base:Nope"):
        with pytest.raises(registry.DriverNotFound):
            registry.resolve(name)


def test_load_drivers_honours_enabled_disabled_and_custom_lists():
    everything = registry.load_drivers()
    assert everything["push"] is PushDriver
    assert "push" not in registry.load_drivers(disabled=["push"])
    assert "push" not in registry.load_drivers(disabled=["congress.datasources.push_driver.PushDriver"])
    only = registry.load_drivers(enabled=["congress.datasources.push_driver.PushDriver"])
    assert list(only) == ["push"]
    assert registry.load_drivers(enabled=[], custom=["congress.datasources.push_driver:PushDriver"]) == {
        "push": PushDriver
    }


def test_enabled_names_that_do_not_resolve_fail_unless_not_strict():
    with pytest.raises(registry.DriverNotFound):
        registry.load_drivers(enabled=["push", "congress.datasources.gone_driver.GoneDriver"])
    assert list(registry.load_drivers(enabled=["push", "gone"], strict=False)) == ["push"]


def test_every_entry_point_that_loads_is_keyed_by_its_own_driver_id():
    for driver_id, factory in registry.available().items():
        assert factory.info().id == driver_id
        assert registry.resolve(registry.class_path(factory)) is factory
