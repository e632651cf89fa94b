"""Concurrent rule changes through PolicyService on SQLite, where their turns share commits."""

from __future__ import annotations

import threading
from pathlib import Path

from congress.db.api import Database
from congress.db.repository import ValueRejected
from congress.engine import PolicyEngine
from congress.service.container import Services, build
from congress.service.drivers import DriverCatalog

WRITERS = 8
ROUNDS = 10


def open_services(tmp_path: Path) -> tuple[Services, PolicyEngine]:
    db = Database.connect(f"sqlite:///{tmp_path}/congress.sqlite", key_file=tmp_path / "key")
    db.ensure_schema()
    engine = PolicyEngine()
    services = build(db, engine, DriverCatalog({}))
    services.start()
    return services, engine


def test_refused_and_accepted_rule_changes_at_once_leave_engine_and_database_alike(tmp_path: Path) -> None:
    services, engine = open_services(tmp_path)
    policies = services.policies
    policies.create_policy({"name": "p"})
    refused: list[int] = []
    failures: list[BaseException] = []

    def writer(w: int) -> None:
        try:
            for i in range(ROUNDS):
                kept = policies.create_rule("p", f"keep{w}_{i}(1)")
                gone = policies.create_rule("p", f"gone{w}_{i}(1)")
                policies.delete_rule("p", gone["id"])
                try:  # a name the database refuses: the engine must not keep the rule either
                    policies.create_rule("p", f"long{w}_{i}(1)", name="n" * 300)
                except ValueRejected:
                    refused.append(w)
                assert kept["rule"] == f"keep{w}_{i}(1)"
        except BaseException as exc:  # noqa: BLE001 -- reported below
            failures.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not failures and not any(t.is_alive() for t in threads)
    assert len(refused) == WRITERS * ROUNDS
    expected = {f"keep{w}_{i}" for w in range(WRITERS) for i in range(ROUNDS)}
    in_engine = [(r.id, r.text) for r in engine.rules("p")]
    stored = [(r["id"], r["rule"]) for r in policies.list_rules("p")]
    assert {text.split("(")[0] for _, text in in_engine} == expected
    assert sorted(in_engine) == sorted(stored)
    services.stop()

    restarted, _ = open_services(tmp_path)  # what survives: the same rules, in the order they were stored
    assert [(r["id"], r["rule"]) for r in restarted.policies.list_rules("p")] == stored
    assert sorted(restarted.policies.tables("p")) == sorted(expected)
    restarted.stop()
