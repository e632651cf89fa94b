from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import text

from congress.db.api import Database
from congress.exceptions import DatasourceNotFound, UpdateNotPermitted


@pytest.fixture
def push_db(db: Database) -> Database:
    db.datasources.create("push1", "push")
    return db


def test_snapshot_replaces_and_types_survive(push_db: Database, reopen: Callable[[], Database]) -> None:
    push_db.table_data.replace_table("push1", "data", [(1, "a"), (2, "b")])
    push_db.table_data.replace_table("push1", "data", [(3.0, "c"), (4, 5.5), (-7, "")])
    rows = reopen().table_data.rows("push1", "data")
    assert rows == [(3.0, "c"), (4, 5.5), (-7, "")]
    assert [type(v) for row in rows for v in row] == [float, str, int, float, int, str]


def test_float_is_stored_as_float_text(push_db: Database) -> None:
    push_db.table_data.replace_table("push1", "data", [(3.0, 3)])
    with push_db.engine.connect() as conn:
        raw = conn.execute(text("SELECT rows_json FROM datasource_tables")).scalar_one()
    assert raw == "[[3.0,3]]"


def test_delta_deletes_then_inserts_and_keeps_a_set(push_db: Database) -> None:
    push_db.table_data.replace_table("push1", "data", [(1, "a"), (2, "b")])
    push_db.table_data.update_table("push1", "data", insert=[(3, "c"), (1, "a"), (3, "c")], delete=[(2, "b")])
    assert push_db.table_data.rows("push1", "data") == [(1, "a"), (3, "c")]
    push_db.table_data.update_table("push1", "data", insert=[(2, "b")], delete=[(2, "b")])
    assert push_db.table_data.rows("push1", "data") == [(1, "a"), (3, "c"), (2, "b")]


def test_int_and_float_rows_are_different_rows(push_db: Database) -> None:
    push_db.table_data.update_table("push1", "data", insert=[(1,), (1.0,)])
    assert push_db.table_data.rows("push1", "data") == [(1,), (1.0,)]
    push_db.table_data.update_table("push1", "data", delete=[(1.0,)])
    rows = push_db.table_data.rows("push1", "data")
    assert rows == [(1,)] and type(rows[0][0]) is int


@pytest.mark.parametrize("bad", [True, None, float("nan"), float("inf"), [1], {"a": 1}, b"x"])
def test_values_that_are_not_datalog_values_leave_the_table_untouched(push_db: Database, bad: object) -> None:
    push_db.table_data.replace_table("push1", "data", [(1, "a")])
    with pytest.raises(UpdateNotPermitted):
        push_db.table_data.replace_table("push1", "data", [(2, "b"), (bad, "c")])
    with pytest.raises(UpdateNotPermitted):
        push_db.table_data.update_table("push1", "data", insert=[(2, "b"), (bad, "c")])
    assert push_db.table_data.rows("push1", "data") == [(1, "a")]


def test_tables_of_a_datasource(push_db: Database) -> None:
    push_db.table_data.replace_table("push1", "b", [("x",)])
    push_db.table_data.replace_table("push1", "a", [])
    assert push_db.table_data.tables("push1") == {"a": [], "b": [("x",)]}
    assert push_db.table_data.rows("push1", "never_pushed") == []


def test_unknown_datasource(push_db: Database) -> None:
    with pytest.raises(DatasourceNotFound):
        push_db.table_data.replace_table("nope", "data", [(1,)])
    with pytest.raises(DatasourceNotFound):
        push_db.table_data.update_table("nope", "data", insert=[(1,)])


def test_concurrent_deltas_are_all_kept(push_db: Database) -> None:
    """Writers on several threads: each delta reads-modifies-writes the table; none may be lost."""
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
