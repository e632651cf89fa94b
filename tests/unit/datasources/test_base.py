"""The driver bases with small in-memory drivers (real subclasses, no patching)."""

from __future__ import annotations

import textwrap

import pytest

import congress.datasources
from congress.datasources import translator as tr
from congress.datasources.base import (
    DriverConfigError,
    PollError,
    PollingDriver,
    PushDriverBase,
)
from congress.datasources.interface import TableChange
from congress.datasources.values import Int, IPAddress, marshal, row_key, to_congress
from congress.dse.bus import LocalBus
from congress.dse.messages import TableUpdate, datasource_topic
from congress.exceptions import RuleNotPermitted, UpdateNotPermitted

THINGS = tr.HDict(
    table="things",
    fields=(
        tr.Field("id"),
        tr.Field("tags", tr.ListOf(table="thing_tags", parent_key="id", val_col="tag")),
    ),
)
OTHERS = tr.HDict(table="others", fields=(tr.Field("name"),))


class MemoryPoller(PollingDriver):
    driver_id = "memory"
    translators = (THINGS, OTHERS)

    def __init__(self, name, config, bus):
        super().__init__(name, config, bus)
        self.data = {"things": [], "others": []}

    def fetch(self, root_table):
        data = self.data[root_table]
        if isinstance(data, Exception):
            raise data
        return data


class MemoryPush(PushDriverBase):
    driver_id = "memorypush"
    translators = (THINGS,)


def poller(**config):
    bus = LocalBus()
    got: list[TableUpdate] = []
    bus.subscribe(datasource_topic("m"), got.append)
    return MemoryPoller("m", config, bus), got


def test_children_are_replaced_with_their_root_and_rendered_for_policies():
    driver, got = poller()
    driver.data["things"] = [{"id": "a", "tags": ["x", "y"]}, {"id": None, "tags": None}]
    driver.request_refresh()
    assert sorted(driver.tables()["thing_tags"]) == [("a", "x"), ("a", "y")]
    assert sorted(driver.tables()["things"]) == [("None",), ("a",)]
    assert driver.raw_tables()["things"] == {("a",), (None,)}
    driver.data["things"] = [{"id": "a", "tags": ["y"]}]
    driver.request_refresh()
    deltas = {u.table: u for u in got[-2:]}
    assert deltas["thing_tags"].delete == (("a", "x"),) and deltas["thing_tags"].insert == ()
    assert deltas["things"].delete == (("None",),)


def test_a_failure_in_any_root_keeps_every_table():
    driver, got = poller()
    driver.data["others"] = [{"name": "n"}]
    driver.request_refresh()
    driver.data["others"] = []
    driver.data["things"] = RuntimeError("service down")
    with pytest.raises(PollError, match="service down"):
        driver.request_refresh()
    assert driver.tables()["others"] == [("n",)]
    assert driver.status().last_error == "things: RuntimeError: service down"
    assert driver.consecutive_failures == 1


@pytest.mark.parametrize("poll_time", ["abc", -1, [1]])
def test_poll_time_must_be_a_non_negative_number(poll_time):
    with pytest.raises(DriverConfigError):
        poller(poll_time=poll_time)


def test_back_off_doubles_and_is_capped():
    driver, _ = poller(poll_time="5")
    assert driver.next_delay() == 5
    driver.consecutive_failures = 3
    assert driver.next_delay() == 40
    driver.consecutive_failures = 20
    assert driver.next_delay() == 300
    slow, _ = poller(poll_time=1000)
    slow.consecutive_failures = 4
    assert slow.next_delay() == 1000


def test_poll_time_zero_means_no_thread_and_no_poll_until_refresh():
    driver, got = poller(poll_time=0)
    driver.start()
    try:
        assert driver._thread is None and got == []
        assert not driver.status().initialized
        driver.request_refresh()
        assert driver.status().initialized and driver.status().last_updated
    finally:
        driver.stop()


def test_lazy_tables_config_forms_and_validation():
    assert poller(lazy_tables='["things"]')[0].lazy_tables() == {"things", "thing_tags"}
    assert poller(lazy_tables=["others"])[0].lazy_tables() == {"others"}
    with pytest.raises(DriverConfigError, match="unknown root"):
        poller(lazy_tables="thing_tags")
    with pytest.raises(DriverConfigError):
        poller(lazy_tables="[not json")


def test_poll_drivers_refuse_pushes_and_webhooks():
    driver, _ = poller()
    with pytest.raises(RuleNotPermitted):
        driver.push_rows("things", [["a"]])
    with pytest.raises(UpdateNotPermitted):
        driver.webhook({"x": 1})


def test_translated_push_replaces_a_root_and_its_children():
    bus = LocalBus()
    got: list[TableUpdate] = []
    bus.subscribe(datasource_topic("p"), got.append)
    driver = MemoryPush("p", {}, bus)
    driver.start()
    assert {u.table for u in got} == {"things", "thing_tags"} and all(u.replace for u in got)
    driver.push_rows("things", [{"id": "a", "tags": ["t"]}])
    assert driver.tables() == {"things": [("a",)], "thing_tags": [("a", "t")]}
    with pytest.raises(UpdateNotPermitted):
        driver.push_rows("thing_tags", [{"id": "a"}])
    with pytest.raises(UpdateNotPermitted):
        driver.push_rows("things", [{"id": "b", "tags": "not-a-list"}])
    assert driver.tables() == {"things": [("a",)], "thing_tags": [("a", "t")]}
    driver.stop()


def test_values_render_and_types():
    assert [to_congress(v) for v in (None, True, False, 3, 2.5, "caf\u00e9", ("a",))] == [
        "None",
        "True",
        "False",
        3,
        2.5,
        "caf",
        "('a',)",
    ]
    assert marshal(2.0, Int) == 2 and isinstance(marshal(2.0, Int), int)
    assert marshal("::ffff:10.0.0.1", IPAddress) == "10.0.0.1"
    assert marshal("2001:DB8::0:1", IPAddress) == "2001:db8::1"
    assert marshal("bogus", IPAddress) == "bogus"


def test_the_package_docstring_example_declares_a_working_driver():
    doc = congress.datasources.__doc__
    code = textwrap.dedent(doc.split("For an OpenStack service::")[1].split("Then:")[0])
    namespace: dict = {}
    exec(code, namespace)
    driver = namespace["AodhDriver"]
    assert [t.table_id for t in driver.info().tables] == ["alarms", "alarms.rule"]
    rows = tr.translate(driver.translators[0], [{"alarm_id": "a1", "state": "ok", "rule": {"op": "gt"}}])
    assert rows == {"alarms": {("a1", "ok")}, "alarms.rule": {("a1", "op", "gt")}}


def test_pushes_are_stored_as_changes_and_polls_are_not():
    stored = []
    driver, got = poller()
    driver.set_change_store(stored.append)
    driver.data["things"] = [{"id": "a", "tags": ["x"]}]
    driver.request_refresh()
    assert stored == [] and driver.tables()["things"] == [("a",)]

    bus = LocalBus()
    push = MemoryPush("p", {}, bus)
    push.set_change_store(stored.append)
    push.start()
    assert stored == []  # the empty tables a driver starts with are not stored
    push.push_rows("things", [{"id": "a", "tags": ["t", "u"]}])
    push.push_rows("things", [{"id": "a", "tags": ["u", "v"]}])
    last = {c.table: c for c in stored[-1]}
    assert last["thing_tags"] == TableChange("thing_tags", (("a", "v"),), (("a", "t"),))
    assert "things" not in last  # unchanged tables are not written


def test_a_refused_store_leaves_a_translated_push_unapplied():
    def refuse(changes):
        raise UpdateNotPermitted("disk full")

    bus = LocalBus()
    got: list[TableUpdate] = []
    bus.subscribe(datasource_topic("p"), got.append)
    push = MemoryPush("p", {}, bus)
    push.start()
    push.set_change_store(refuse)
    published = len(got)
    with pytest.raises(UpdateNotPermitted, match="disk full"):
        push.push_rows("things", [{"id": "a", "tags": ["t"]}])
    assert push.tables() == {"things": [], "thing_tags": []} and len(got) == published


def test_restored_tables_come_back_with_their_types_and_start_publishes_them():
    bus = LocalBus()
    got: list[TableUpdate] = []
    bus.subscribe(datasource_topic("p"), got.append)
    push = MemoryPush("p", {}, bus)
    push.restore_tables({"things": [("a",), (None,)]})
    push.start()
    assert push.raw_tables()["things"] == {("a",), (None,)}
    snapshots = {u.table: u for u in got}
    assert set(snapshots["things"].insert) == {("a",), ("None",)} and snapshots["thing_tags"].insert == ()
    assert all(u.replace for u in got)


def test_row_keys_keep_int_float_and_bool_apart():
    assert len({row_key((1,)), row_key((1.0,)), row_key((True,)), row_key(("1",))}) == 4
    assert row_key((1, "a", 2.5, None)) == (1, "a", 2.5, None)
    assert row_key((1.0, 2)) == row_key((1.0, 2)) and row_key((-0.0,)) == row_key((0.0,))
