"""Turns for policy and rule writes (congress.db.commits): order, durability, shared commits, failures."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import URL, event
from sqlalchemy.exc import IntegrityError

from congress.db.api import Database, PolicyRecord
from congress.db.commits import SerialCommits, SharedCommits
from congress.db.engine import create_engine
from congress.db.secrets import SecretBox
from congress.exceptions import PolicyNotExists

WRITERS = 8


@pytest.fixture
def sqlite_url(tmp_path: Path) -> URL:
    return URL.create("sqlite", database=str(tmp_path / "congress.sqlite"))


@pytest.fixture
def open_db(sqlite_url: URL, tmp_path: Path) -> Iterator[Callable[[], Database]]:
    """Opens the SQLite file database through a new engine (the first call creates the schema)."""
    opened: list[Database] = []

    def open_() -> Database:
        db = Database(create_engine(sqlite_url), SecretBox(tmp_path / "aes_key"))
        db.ensure_schema()
        opened.append(db)
        return db

    yield open_
    for db in opened:
        db.close()


def run_writers(count: int, write: Callable[[int], None]) -> list[BaseException | None]:
    """``write(i)`` in ``count`` threads started together; each one's exception or None."""
    outcome: list[BaseException | None] = [None] * count
    start = threading.Barrier(count)

    def writer(i: int) -> None:
        start.wait()
        try:
            write(i)
        except BaseException as exc:  # noqa: BLE001 -- reported to the test
            outcome[i] = exc

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a writer never got its turn or its commit"
    return outcome


def test_sqlite_file_shares_commits_and_others_commit_alone(
    open_db: Callable[[], Database], tmp_path: Path
) -> None:
    assert isinstance(open_db().policy_commits, SharedCommits)
    memory = Database(create_engine("sqlite://"), SecretBox(tmp_path / "aes_key"))
    assert isinstance(memory.policy_commits, SerialCommits)  # one connection: it cannot have its own
    memory.close()


def test_concurrent_turns_are_durable_in_turn_order_and_share_commits(
    open_db: Callable[[], Database],
) -> None:
    db = open_db()
    policy = db.policies.create("p")
    commits = []
    event.listen(db.engine, "commit", lambda _conn: commits.append(1))
    order: list[str] = []

    def write(i: int) -> None:
        with db.policy_commits.turn() as turn:
            order.append(turn.policies.add_rule(policy, f"r{i}(1)").rule)
            time.sleep(0.01)  # the others queue up meanwhile

    assert run_writers(WRITERS, write) == [None] * WRITERS
    assert len(commits) < WRITERS  # turns that queued up shared a commit
    stored = open_db().policies.rules("p")  # a new engine: what a restart would find
    assert [r.rule for r in stored] == order
    assert sorted(order) == sorted(f"r{i}(1)" for i in range(WRITERS))


def test_a_turn_that_raises_loses_only_its_own_writes(open_db: Callable[[], Database]) -> None:
    db = open_db()
    policy = db.policies.create("p")
    taken_back: list[int] = []

    def write(i: int) -> None:
        with db.policy_commits.turn() as turn:
            turn.on_failure(lambda: taken_back.append(i))
            turn.policies.add_rule(policy, f"r{i}(1)")
            time.sleep(0.01)
            if i % 2:
                turn.policies.add_rule("no such policy", "q(1)")

    outcome = run_writers(WRITERS, write)
    assert [type(o) for o in outcome] == [type(None), PolicyNotExists] * (WRITERS // 2)
    assert taken_back == []  # nothing that was committed is taken back
    stored = {r.rule for r in open_db().policies.rules("p")}
    assert stored == {f"r{i}(1)" for i in range(0, WRITERS, 2)}


def test_a_failed_commit_fails_every_turn_in_it_and_takes_them_back_newest_first(
    open_db: Callable[[], Database],
) -> None:
    db = open_db()
    policy = db.policies.create("p")
    # Foreign keys checked at COMMIT (SQLite resets this after each transaction): a rule of a policy that
    # does not exist is accepted by its turn and fails the commit it shares.
    event.listen(db.engine, "begin", lambda conn: conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON"))
    ghost = PolicyRecord("0" * 36, "ghost", "ghost", "", "nonrecursive", "user", datetime.now(UTC))
    taken_back: list[int] = []
    first_in = threading.Event()

    def write(i: int) -> None:
        if i:
            first_in.wait()
        with db.policy_commits.turn() as turn:
            turn.on_failure(lambda: taken_back.append(i))
            turn.policies.add_rule(ghost if i == 2 else policy, f"r{i}(1)")
            if i == 0:
                first_in.set()
                time.sleep(0.2)  # the others queue up behind this turn and share its commit

    outcome = run_writers(3, write)
    assert all(isinstance(o, IntegrityError) for o in outcome), outcome
    assert sorted(taken_back) == [0, 1, 2] and taken_back[-1] == 0  # newest first: the first turn last
    assert open_db().policies.rules("p") == []
    with db.policy_commits.turn() as turn:  # the next turn starts afresh
        turn.policies.add_rule(policy, "after(1)")
    assert [r.rule for r in open_db().policies.rules("p")] == ["after(1)"]


def test_a_turn_that_cannot_begin_hands_the_connection_on(open_db: Callable[[], Database]) -> None:
    db = open_db()
    policy = db.policies.create("p")
    refused: list[bool] = []

    def refuse_first(_conn: object) -> None:
        if not refused:
            refused.append(True)
            raise RuntimeError("no transaction today")

    event.listen(db.engine, "begin", refuse_first)
    with pytest.raises(RuntimeError, match="no transaction today"), db.policy_commits.turn():
        pass

    def write(_i: int) -> None:
        with db.policy_commits.turn() as turn:
            turn.policies.add_rule(policy, "r(1)")

    assert run_writers(1, write) == [None]
    assert [r.rule for r in open_db().policies.rules("p")] == ["r(1)"]
