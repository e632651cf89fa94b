"""Rule changes against a real SQLite database that another connection holds or refuses.

A rule change is answered only once it is committed, readers are not kept waiting while it is
(the commit's fsync happens outside the engine lock), and a commit the database refuses leaves the
engine as it was.
"""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest


@pytest.fixture
def db_file(tmp_path):
    return tmp_path / "congress.sqlite"


def test_readers_do_not_wait_for_a_rule_commit(api, db_file):
    api("POST", "/v1/policies", {"name": "w"})
    api("POST", "/v1/policies/w/rules", {"rule": "p(1)"})
    blocker = sqlite3.connect(db_file, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # holds the database's write lock: the rule's commit must wait
    answers: dict[str, tuple] = {}
    writer = threading.Thread(
        target=lambda: answers.setdefault("write", api("POST", "/v1/policies/w/rules", {"rule": "p(2)"}))
    )
    try:
        writer.start()
        time.sleep(0.5)  # the writer has changed the engine and waits on the database
        start = time.monotonic()
        status, rows, _ = api("GET", "/v1/policies/w/tables/p/rows")
        waited = time.monotonic() - start
        assert status == 200 and waited < 2, waited
        assert writer.is_alive() and "write" not in answers  # not answered before it is durable
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    writer.join(30)
    assert answers["write"][0] == 201
    assert sorted(r["data"] for r in api("GET", "/v1/policies/w/tables/p/rows")[1]["results"]) == [[1], [2]]


def test_a_refused_commit_leaves_the_engine_unchanged(api, db_file):
    api("POST", "/v1/policies", {"name": "u"})
    api("POST", "/v1/policies/u/rules", {"rule": "p(1)"})
    _, kept, _ = api("POST", "/v1/policies/u/rules", {"rule": "p(3)"})
    refuse = sqlite3.connect(db_file, isolation_level=None)
    refuse.execute(
        "CREATE TRIGGER no_rules BEFORE INSERT ON policy_rules BEGIN SELECT RAISE(ABORT, 'no'); END"
    )
    refuse.execute(
        "CREATE TRIGGER keep_rules BEFORE DELETE ON policy_rules BEGIN SELECT RAISE(ABORT, 'no'); END"
    )
    try:
        refused = api("POST", "/v1/policies/u/rules", {"rule": "p(2)"})
        assert refused[0] >= 400, refused[1]
        assert api("DELETE", f"/v1/policies/u/rules/{kept['id']}")[0] >= 400
        rows = api("GET", "/v1/policies/u/tables/p/rows")[1]["results"]
        assert sorted(r["data"] for r in rows) == [[1], [3]]
    finally:
        refuse.execute("DROP TRIGGER no_rules")
        refuse.execute("DROP TRIGGER keep_rules")
        refuse.close()
    assert api("POST", "/v1/policies/u/rules", {"rule": "p(2)"})[0] == 201  # the engine had not kept it
    assert api("DELETE", f"/v1/policies/u/rules/{kept['id']}")[0] == 200
