from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import func, select, text

from congress.datasources.interface import TableChange
from congress.db.api import Database
from congress.db.models import DatasourceRow
from congress.db.repository import ValueRejected
from congress.db.table_data import row_hash, row_json
from congress.exceptions import DatasourceNotFound, UpdateNotPermitted


@pytest.fixture
def push_db(db: Database) -> Database:
    db.datasources.create("push1", "push")
    return db


def _stored(db: Database) -> list[tuple[str, str, str]]:
    with db.engine.connect() as conn:
        return sorted(
            tuple(r) for r in conn.execute(text("SELECT table_name, row_hash, row_json FROM datasource_rows"))
        )


def test_snapshot_replaces_and_types_survive(push_db: Database, reopen: Callable[[], Database]) -> None:
    push_db.table_data.replace_table("push1", "data", [(1, "a"), (2, "b")])
    push_db.table_data.replace_table("push1", "data", [(3.0, "c"), (4, 5.5), (-7, "")])
    rows = reopen().table_data.rows("push1", "data")
    assert rows == [(-7, ""), (3.0, "c"), (4, 5.5)]
    assert [type(v) for row in rows for v in row] == [int, str, float, str, int, float]


def test_one_database_row_per_table_row_keyed_by_the_hash_of_its_json(push_db: Database) -> None:
    push_db.table_data.replace_table("push1", "data", [(3.0, 3, "caf\u00e9", None, True)])
    ((table, key, stored),) = _stored(push_db)
    assert table == "data" and stored == '[3.0,3,"caf\\u00e9",null,true]'
    assert key == row_hash(stored) == row_hash(row_json((3.0, 3, "caf\u00e9", None, True))) and len(key) == 64


def test_delta_deletes_then_inserts_and_keeps_a_set(push_db: Database) -> None:
    push_db.table_data.replace_table("push1", "data", [(1, "a"), (2, "b")])
    push_db.table_data.update_table("push1", "data", insert=[(3, "c"), (1, "a"), (3, "c")], delete=[(2, "b")])
    assert push_db.table_data.rows("push1", "data") == [(1, "a"), (3, "c")]
    push_db.table_data.update_table("push1", "data", insert=[(2, "b")], delete=[(2, "b")])
    assert push_db.table_data.rows("push1", "data") == [(1, "a"), (2, "b"), (3, "c")]
    push_db.table_data.update_table("push1", "data", delete=[(9, "absent")])
    assert len(_stored(push_db)) == 3


def test_a_delta_writes_only_its_rows(push_db: Database) -> None:
    """A one-row delta on a big table touches one database row (the others keep their identity)."""
    push_db.table_data.replace_table("push1", "big", [(i, f"n{i}") for i in range(3000)])
    push_db.table_data.update_table("push1", "big", insert=[(3000, "new")], delete=[(0, "n0")])
    with push_db.engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(DatasourceRow)).scalar_one()
    assert count == 3000
    rows = push_db.table_data.rows("push1", "big")
    assert (3000, "new") in rows and (0, "n0") not in rows


def test_int_float_and_bool_rows_are_different_rows(push_db: Database) -> None:
    push_db.table_data.update_table("push1", "data", insert=[(1,), (1.0,), (True,)])
    assert sorted(map(repr, push_db.table_data.rows("push1", "data"))) == ["(1,)", "(1.0,)", "(True,)"]
    push_db.table_data.update_table("push1", "data", delete=[(1.0,)])
    rows = push_db.table_data.rows("push1", "data")
    assert sorted(map(repr, rows)) == ["(1,)", "(True,)"]


def test_several_tables_change_in_one_transaction(push_db: Database) -> None:
    push_db.table_data.replace_table("push1", "a", [(1,)])
    with pytest.raises(UpdateNotPermitted):
        push_db.table_data.apply(
            "push1", [TableChange("a", ((2,),), ((1,),)), TableChange("b", ((float("nan"),),))]
        )
    assert push_db.table_data.tables("push1") == {"a": [(1,)]}
    push_db.table_data.apply("push1", [TableChange("a", ((2,),), ((1,),)), TableChange("b", (("x",),))])
    assert push_db.table_data.tables("push1") == {"a": [(2,)], "b": [("x",)]}


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf"), [1], {"a": 1}, b"x", (1,)])
def test_values_a_json_row_cannot_hold_leave_the_table_untouched(push_db: Database, bad: object) -> None:
    push_db.table_data.replace_table("push1", "data", [(1, "a")])
    with pytest.raises(UpdateNotPermitted):
        push_db.table_data.replace_table("push1", "data", [(2, "b"), (bad, "c")])
    with pytest.raises(UpdateNotPermitted):
        push_db.table_data.update_table("push1", "data", insert=[(2, "b"), (bad, "c")])
    assert push_db.table_data.rows("push1", "data") == [(1, "a")]


def test_a_table_name_longer_than_the_column_is_refused(push_db: Database) -> None:
    with pytest.raises(ValueRejected):
        push_db.table_data.replace_table("push1", "t" * 256, [(1,)])
    push_db.table_data.replace_table("push1", "t" * 255, [(1,)])
    assert push_db.table_data.rows("push1", "t" * 255) == [(1,)]


def test_long_rows_are_kept_whole(push_db: Database) -> None:
    """The key is a fixed-width hash, so rows far longer than any index are fine (MySQL's 3072 bytes)."""
    long_row = ("x" * 100_000, "\u00e9" * 5000)
    push_db.table_data.update_table("push1", "data", insert=[long_row, ("x" * 100_000, "other")])
    assert sorted(push_db.table_data.rows("push1", "data")) == sorted([long_row, ("x" * 100_000, "other")])


def test_any_text_survives_every_backend(push_db: Database, reopen: Callable[[], Database]) -> None:
    """NUL (PostgreSQL text refuses it), lone surrogates and non-BMP characters are escaped in the JSON."""
    odd = ("nul\x00here", "\ud800", "\U0001f600", "caf\u00e9")
    push_db.table_data.update_table("push1", "data", insert=[odd])
    assert reopen().table_data.rows("push1", "data") == [odd]
    push_db.table_data.update_table("push1", "data", delete=[odd])
    assert push_db.table_data.rows("push1", "data") == []


def test_tables_of_a_datasource(push_db: Database) -> None:
    push_db.table_data.replace_table("push1", "b", [("x",)])
    push_db.table_data.replace_table("push1", "a", [])
    assert push_db.table_data.tables("push1") == {"b": [("x",)]}
    assert push_db.table_data.rows("push1", "never_pushed") == []


def test_unknown_datasource(push_db: Database) -> None:
    with pytest.raises(DatasourceNotFound):
        push_db.table_data.replace_table("nope", "data", [(1,)])
    with pytest.raises(DatasourceNotFound):
        push_db.table_data.update_table("nope", "data", insert=[(1,)])


def test_concurrent_deltas_are_all_kept(push_db: Database) -> None:
    threads_count, per_thread = 4, 10
    errors: list[BaseException] = []

    def writer(t: int) -> None:
        try:
            for i in range(per_thread):
                push_db.table_data.update_table("push1", "data", insert=[(t, i)])
        except BaseException as exc:  # reported below; a thread's exception would otherwise vanish
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(push_db.table_data.rows("push1", "data")) == [
        (t, i) for t in range(threads_count) for i in range(per_thread)
    ]
