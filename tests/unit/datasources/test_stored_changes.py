"""The changes a driver hands to its store, replayed into a fresh driver, rebuild exactly its tables.

What the server's database does with them (one row per table row) is played here by a dict,
so every webhook driver's changes are checked: a missing or extra delete would show up as a
table that differs after the restore.
"""

from __future__ import annotations

import time

from congress.datasources.interface import TableChange
from congress.datasources.monasca_driver import MonascaWebhookDriver
from congress.datasources.plexxi_driver import PlexxiDriver
from congress.datasources.push_driver import PushDriver
from congress.datasources.values import row_key
from congress.datasources.vitrage_driver import VitrageDriver
from congress.dse.bus import LocalBus
from tests.unit.datasources.test_driver_monasca_webhook import notification
from tests.unit.datasources.test_driver_plexxi import CONFIG as PLEXXI_CONFIG
from tests.unit.datasources.test_driver_plexxi import INVENTORY


class DictStore:
    """table -> row_key -> row, changed as the database would be."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[tuple, tuple]] = {}

    def __call__(self, changes: list[TableChange]) -> None:
        for change in changes:
            rows = self.tables.setdefault(change.table, {})
            if change.replace:
                rows.clear()
            for row in change.delete:
                assert row_key(row) in rows, f"{change.table}: deleting {row} that was never stored"
                del rows[row_key(row)]
            for row in change.insert:
                assert row_key(row) not in rows, f"{change.table}: inserting {row} twice"
                rows[row_key(row)] = row

    def restore(self) -> dict[str, list[tuple]]:
        return {t: list(rows.values()) for t, rows in self.tables.items() if rows}


def _replayed(make, feed) -> None:
    store = DictStore()
    original = make()
    original.set_change_store(store)
    original.start()
    feed(original)
    restored = make()
    restored.restore_tables(store.restore())
    restored.start()
    # Tables left empty are not stored; a table a driver does not hold reads as empty.
    assert _non_empty(restored.raw_tables()) == _non_empty(original.raw_tables())
    assert _non_empty(restored.tables()) == _non_empty(original.tables())


def _non_empty(tables):
    return {t: sorted(map(repr, rows)) for t, rows in tables.items() if rows}


def test_monasca_notifications():
    def feed(driver):
        driver.webhook(notification("a1"))
        driver.webhook(notification("a2", metrics=[{"id": "m", "name": "cpu", "dimensions": {"h": "x"}}]))
        driver.webhook(notification("a1", state="OK", metrics=[]))
        driver.webhook(notification("a3", timestamp=time.time() - 10 * 3600))  # too old: dropped at once

    _replayed(lambda: MonascaWebhookDriver("mw", {"hours_to_keep_alarm": "1"}, LocalBus()), feed)


def test_vitrage_notifications():
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    alarm = {"vitrage_id": "a-1", "name": "down", "state": "Active", "update_timestamp": stamp,
             "resource": {"name": "c1", "id": "c1", "vitrage_id": "r1", "project_id": None}}  # fmt: skip

    def feed(driver):
        driver.webhook({"payload": alarm})
        driver.webhook({"payload": {**alarm, "vitrage_id": "a-2"}})
        driver.webhook({"payload": {**alarm, "state": "Inactive"}})

    _replayed(lambda: VitrageDriver("v", {}, LocalBus()), feed)


def test_plexxi_inventories():
    def feed(driver):
        driver.webhook(INVENTORY)
        driver.webhook({**INVENTORY, "vms": INVENTORY["vms"][:1], "ports": []})

    _replayed(lambda: PlexxiDriver("px", {**PLEXXI_CONFIG, "poll_time": "0"}, LocalBus()), feed)


def test_push_puts_and_patches():
    def feed(driver):
        driver.push_rows("t", [[1, None], [1.0, True], [2, "x"]])
        driver.push_delta("t", insert=[[3, "y"], [1, None]], delete=[[2, "x"], [1.0, True]])
        driver.push_rows("u", [["only"]])
        driver.push_rows("t", [[3, "y"], [4, "z"]])

    _replayed(lambda: PushDriver("p", {"description": "d"}, LocalBus()), feed)
