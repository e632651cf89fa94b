"""Revision 0002 moves pushed data from a JSON blob per table to a database row per table row, and back."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, text

from congress.db import schema
from congress.db.api import Database
from congress.db.secrets import SecretBox

BLOBS = {
    "servers": [["s1", 1, 2.0], ["s2", 3.0, "caf\u00e9"], ["s1", 1, 2.0]],  # a duplicate row, once migrated
    "empty": [],
    "other": [[1], [1.0]],
}


def _at_0001_with_blobs(engine: Engine) -> None:
    schema.upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO datasources"
                " (id, name, driver, description, enabled, config, secret_keys, created_at)"
                " VALUES ('ds-1', 'push1', 'push', '', true, '{}', '[]', CURRENT_TIMESTAMP)"
            )
        )
        for table, rows in BLOBS.items():
            conn.execute(
                text(
                    "INSERT INTO datasource_tables (datasource_id, table_name, rows_json, updated_at)"
                    " VALUES ('ds-1', :t, :rows, CURRENT_TIMESTAMP)"
                ),
                {"t": table, "rows": json.dumps(rows, ensure_ascii=False, separators=(",", ":"))},
            )


def _blobs(engine: Engine) -> dict[str, list]:
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT table_name, rows_json FROM datasource_tables"))
        return {table: json.loads(blob) for table, blob in stored}


def test_upgrade_moves_rows_and_downgrade_moves_them_back(engine: Engine, key_file: Path) -> None:
    _at_0001_with_blobs(engine)
    schema.upgrade(engine)
    db = Database(engine, SecretBox(key_file))
    tables = db.table_data.tables("push1")
    assert set(tables) == {"servers", "other"}
    assert sorted(tables["servers"]) == [("s1", 1, 2.0), ("s2", 3.0, "caf\u00e9")]
    assert [type(v) for v in sorted(tables["servers"])[1]] == [str, float, str]
    assert sorted(map(repr, tables["other"])) == ["(1,)", "(1.0,)"]

    # Migrated rows carry the keys the repository computes: a delta finds them.
    db.table_data.update_table("push1", "servers", insert=[("s3", 4, 5)], delete=[("s1", 1, 2.0)])
    db.table_data.update_table("push1", "other", insert=[(1,)], delete=[(1.0,)])
    assert sorted(db.table_data.rows("push1", "servers")) == [("s2", 3.0, "caf\u00e9"), ("s3", 4, 5)]
    assert db.table_data.rows("push1", "other") == [(1,)]

    schema.downgrade(engine, "0001")
    blobs = _blobs(engine)
    assert sorted(blobs["servers"]) == [["s2", 3.0, "caf\u00e9"], ["s3", 4, 5]]
    assert [type(v) for v in blobs["other"][0]] == [int] and set(blobs) == {"servers", "other"}

    schema.upgrade(engine)  # and up again: the same rows
    assert sorted(db.table_data.rows("push1", "servers")) == [("s2", 3.0, "caf\u00e9"), ("s3", 4, 5)]


def test_deleting_a_datasource_deletes_its_rows_after_the_upgrade(engine: Engine, key_file: Path) -> None:
    _at_0001_with_blobs(engine)
    schema.upgrade(engine)
    db = Database(engine, SecretBox(key_file))
    db.datasources.delete("push1")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM datasource_rows")).scalar_one() == 0
