from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from congress.db.api import Database, SecretBox
from congress.exceptions import DatasourceAlreadyExists, DatasourceNotFound, SecretKeyError

NOVA_CONFIG = {
    "username": "admin",
    "password": "s3cr3t-pässword",
    "auth_url": "http://127.0.0.1/identity",
    "poll_time": 10,
    "api_version": 2.1,
}


def _raw_config(db: Database, name: str) -> str:
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT config FROM datasources WHERE name = :n"), {"n": name}).scalar_one()


def test_round_trip_keeps_values_and_types(db: Database) -> None:
    created = db.datasources.create(
        "nova", "nova", config=NOVA_CONFIG, secret_fields=["password"], description="nova ds", enabled=False
    )
    assert created.config == NOVA_CONFIG
    fetched = db.datasources.get("nova")
    assert fetched == db.datasources.get(created.id) == created
    assert isinstance(fetched.config["api_version"], float) and isinstance(fetched.config["poll_time"], int)
    assert (fetched.driver, fetched.description, fetched.enabled, fetched.secret_keys) == (
        "nova",
        "nova ds",
        False,
        ("password",),
    )


def test_secret_is_not_stored_in_clear(db: Database) -> None:
    db.datasources.create("nova", "nova", config=NOVA_CONFIG, secret_fields=["password"])
    raw = _raw_config(db, "nova")
    assert "s3cr3t" not in raw and "p\\u00e4ss" not in raw
    assert "http://127.0.0.1/identity" in raw  # non-secret values stay readable


def test_secret_keeps_its_type_and_absent_secret_fields_are_ignored(db: Database) -> None:
    created = db.datasources.create(
        "ds", "fake", config={"token": 12345}, secret_fields=["token", "password"]
    )
    assert "12345" not in _raw_config(db, "ds")
    assert created.secret_keys == ("token",)
    assert db.datasources.get("ds").config == {"token": 12345}


def test_repr_never_shows_the_config(db: Database) -> None:
    created = db.datasources.create("nova", "nova", config=NOVA_CONFIG, secret_fields=["password"])
    assert "s3cr3t" not in repr(created) and "s3cr3t" not in str(created)


def test_config_none_round_trips(db: Database) -> None:
    db.datasources.create("push1", "push")
    assert db.datasources.get("push1").config is None


def test_secrets_survive_a_restart_with_the_same_key_file(
    db: Database, reopen: Callable[[], Database]
) -> None:
    db.datasources.create("nova", "nova", config=NOVA_CONFIG, secret_fields=["password"])
    assert reopen().datasources.get("nova").config == NOVA_CONFIG


def test_another_key_cannot_read_the_secret(db: Database, tmp_path: Path) -> None:
    db.datasources.create("nova", "nova", config=NOVA_CONFIG, secret_fields=["password"])
    stranger = Database(db.engine, SecretBox(tmp_path / "other" / "aes_key"))
    with pytest.raises(SecretKeyError, match="cannot be decrypted") as caught:
        stranger.datasources.get("nova")
    assert "s3cr3t" not in str(caught.value)


def test_duplicate_name_is_refused(db: Database) -> None:
    db.datasources.create("nova", "nova", config={"a": 1})
    with pytest.raises(DatasourceAlreadyExists, match="Datasource already in use with name nova"):
        db.datasources.create("nova", "neutronv2", config={"b": 2})
    assert [(d.driver, d.config) for d in db.datasources.list()] == [("nova", {"a": 1})]


def test_unknown_datasource(db: Database) -> None:
    with pytest.raises(DatasourceNotFound, match="Datasource not found x"):
        db.datasources.get("x")
    with pytest.raises(DatasourceNotFound):
        db.datasources.delete("x")


def test_delete_returns_record_and_removes_pushed_data(db: Database) -> None:
    created = db.datasources.create("push1", "push")
    db.table_data.replace_table("push1", "data", [(1, "a")])
    assert db.datasources.delete("push1") == created
    with pytest.raises(DatasourceNotFound):
        db.table_data.rows("push1", "data")
    db.datasources.create("push1", "push")
    assert db.table_data.rows("push1", "data") == []


def test_no_key_file_is_made_until_a_secret_is_stored(db: Database, key_file: Path) -> None:
    db.datasources.create("plain", "push", config={"x": 1})
    assert not key_file.exists()
    db.datasources.create("nova", "nova", config=NOVA_CONFIG, secret_fields=["password"])
    assert key_file.exists() and (os.stat(key_file).st_mode & 0o777) == 0o600
