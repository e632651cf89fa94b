from __future__ import annotations

from datetime import UTC, datetime

from congress.db.api import Database


def _append(db: Database, n: int) -> None:
    for i in range(n):
        db.executions.append(
            "classification", "nova", "servers.pause", {"positional": [f"vm{i}"]}, status="ok"
        )


def test_sequence_starts_at_one_and_since_reads_after(db: Database) -> None:
    _append(db, 5)
    assert [e.seq for e in db.executions.since()] == [1, 2, 3, 4, 5]
    assert [e.args["positional"][0] for e in db.executions.since(3)] == ["vm3", "vm4"]
    assert db.executions.since(5) == []
    assert [e.seq for e in db.executions.since(1, limit=2)] == [2, 3]


def test_fields_round_trip(db: Database) -> None:
    when = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    args = {"positional": [1, 2.0, "x"], "named": {"force": "true"}}
    entry = db.executions.append(
        "p", "nova", "servers.delete", args, status="failed", error="boom", time=when
    )
    (stored,) = db.executions.since(0)
    assert stored == entry
    assert (stored.time, stored.policy, stored.service, stored.action) == (
        when,
        "p",
        "nova",
        "servers.delete",
    )
    assert stored.args == args and type(stored.args["positional"][1]) is float
    assert (stored.status, stored.error) == ("failed", "boom")


def test_set_status_records_the_outcome(db: Database) -> None:
    entry = db.executions.append("p", "nova", "servers.pause", {}, status="pending")
    db.executions.set_status(entry.seq, "failed", "no such server")
    (stored,) = db.executions.since(0)
    assert (stored.status, stored.error) == ("failed", "no such server")
