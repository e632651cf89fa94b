from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from congress.db.api import Database
from congress.db.engine import create_engine, normalize_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("mysql://root@127.0.0.1/congress", "mysql+pymysql://root@127.0.0.1/congress?charset=utf8mb4"),
        ("mysql+pymysql://u@h/c?charset=utf8", "mysql+pymysql://u@h/c?charset=utf8"),
        ("postgresql://postgres@127.0.0.1/congress", "postgresql+psycopg://postgres@127.0.0.1/congress"),
        ("sqlite:////var/lib/congress/congress.sqlite", "sqlite:////var/lib/congress/congress.sqlite"),
    ],
)
def test_default_drivers(given: str, expected: str) -> None:
    assert normalize_url(given).render_as_string() == expected


def test_sqlite_file_settings_and_parent_directory(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/new/dir/congress.sqlite")
    with engine.connect() as conn:
        settings = [
            conn.exec_driver_sql(f"PRAGMA {name}").scalar() for name in ("journal_mode", "foreign_keys")
        ]
        assert settings == ["wal", 1]
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    assert (tmp_path / "new" / "dir" / "congress.sqlite").exists()
    engine.dispose()


def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO policy_rules (id, policy_id, rule, comment, created_at)"
                " VALUES ('r', 'no-such-policy', 'p(1)', '', CURRENT_TIMESTAMP)"
            )
        )


def _append_from_threads(database: Database, threads_count: int, per_thread: int) -> list[BaseException]:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(per_thread):
                database.executions.append("p", "s", "a", [], status="ok")
        except BaseException as exc:  # collected: a thread's exception would otherwise vanish
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_in_memory_database_is_shared_and_safe_across_threads(tmp_path: Path) -> None:
    database = Database.connect("sqlite://", key_file=tmp_path / "key")
    database.ensure_schema()
    assert _append_from_threads(database, 4, 10) == []
    assert [e.seq for e in database.executions.since()] == list(range(1, 41))
    database.close()


def test_sequence_numbers_continue_after_a_restart(db: Database, reopen: Callable[[], Database]) -> None:
    db.executions.append("p", "s", "a", [], status="ok")
    db.executions.append("p", "s", "a", [], status="ok")
    restarted = reopen()
    assert restarted.executions.append("p", "s", "a", [], status="ok").seq == 3


def test_mysql_sessions_are_strict(db: Database) -> None:
    if db.engine.dialect.name != "mysql":
        pytest.skip("MySQL only")
    with db.engine.connect() as conn:
        assert "STRICT_ALL_TABLES" in conn.exec_driver_sql("SELECT @@SESSION.sql_mode").scalar()


def test_sqlite_readers_are_not_blocked_by_an_open_write(tmp_path: Path) -> None:
    database = Database.connect(f"sqlite:///{tmp_path}/congress.sqlite", key_file=tmp_path / "key")
    database.ensure_schema()
    database.policies.create("committed")
    seen: list[list[str]] = []
    with database.engine.begin() as writer:  # holds SQLite's write lock until the block ends
        writer.execute(
            text(
                "INSERT INTO policies (id, name, abbreviation, description, kind, owner_id, created_at)"
                " VALUES ('x', 'uncommitted', 'u', '', 'nonrecursive', 'user', CURRENT_TIMESTAMP)"
            )
        )
        reader = threading.Thread(target=lambda: seen.append([p.name for p in database.policies.list()]))
        reader.start()
        reader.join(timeout=5)
        assert not reader.is_alive(), "a read waited for the writer's lock"
    assert seen == [["committed"]]
    database.close()
