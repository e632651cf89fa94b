from __future__ import annotations

import pytest

from congress.db.api import Database, NewLibraryPolicy
from congress.exceptions import LibraryPolicyNotFound, PolicyAlreadyExists, PolicySyntaxError

RULES = [{"rule": "p(x) :- q(x)\n", "name": "r1", "comment": "c"}, {"rule": "q(1)"}]


def test_round_trip_keeps_rules_exactly(db: Database) -> None:
    created = db.library.create("lib1", RULES, description="d", kind="action", abbreviation="l")
    assert db.library.get(created.id) == created
    assert list(created.rules) == RULES
    assert (created.name, created.description, created.kind, created.abbreviation) == (
        "lib1",
        "d",
        "action",
        "l",
    )


def test_defaults(db: Database) -> None:
    created = db.library.create("library_one", [{"rule": "p(1)"}])
    assert (created.abbreviation, created.kind, created.description) == ("libra", "nonrecursive", "")


def test_list_all_or_by_name(db: Database) -> None:
    b = db.library.create("b", RULES)
    a = db.library.create("a", RULES)
    assert db.library.list() == [a, b]
    assert db.library.list(name="b") == [b]
    assert db.library.list(name="c") == []


def test_duplicate_name_and_bad_rules_are_refused(db: Database) -> None:
    db.library.create("lib1", RULES)
    with pytest.raises(PolicyAlreadyExists, match="Policy with name lib1 already exists"):
        db.library.create("lib1", [{"rule": "x(1)"}])
    with pytest.raises(PolicySyntaxError):
        db.library.create("lib2", [{"rule": "x(1)"}, {"comment": "no rule"}])
    assert [p.name for p in db.library.list()] == ["lib1"]


def test_replace_keeps_the_id(db: Database) -> None:
    created = db.library.create("lib1", RULES)
    replaced = db.library.replace(created.id, "lib2", [{"rule": "z(1)"}], description="new")
    assert (replaced.id, replaced.created_at) == (created.id, created.created_at)
    assert db.library.get(created.id) == replaced
    assert (replaced.name, list(replaced.rules), replaced.description) == ("lib2", [{"rule": "z(1)"}], "new")


def test_replace_onto_a_taken_name_changes_nothing(db: Database) -> None:
    first = db.library.create("lib1", RULES)
    second = db.library.create("lib2", RULES)
    with pytest.raises(PolicyAlreadyExists):
        db.library.replace(second.id, "lib1", [{"rule": "z(1)"}])
    assert db.library.list() == [first, second]


def test_unknown_id(db: Database) -> None:
    for call in (db.library.get, db.library.delete):
        with pytest.raises(LibraryPolicyNotFound, match="No policy found with policy id nope"):
            call("nope")
    with pytest.raises(LibraryPolicyNotFound):
        db.library.replace("nope", "x", RULES)


def test_delete_returns_the_policy_with_rules(db: Database) -> None:
    created = db.library.create("lib1", RULES)
    assert db.library.delete(created.id) == created
    assert db.library.list() == []


def test_seed_is_idempotent_and_respects_operator_changes(db: Database) -> None:
    bundled = [NewLibraryPolicy("A", ({"rule": "a(1)"},)), NewLibraryPolicy("B", ({"rule": "b(1)"},))]
    assert db.library.seed(bundled) == ["A", "B"]
    assert db.library.seed(bundled) == []
    a, b = db.library.list()
    db.library.delete(a.id)
    db.library.replace(b.id, "B", [{"rule": "b(2)"}], description="edited")
    # a restart with a newer bundle: the new policy arrives, the deleted one stays deleted, the edit stays
    assert db.library.seed([*bundled, NewLibraryPolicy("C", ({"rule": "c(1)"},))]) == ["C"]
    assert [(p.name, p.rules[0]["rule"]) for p in db.library.list()] == [("B", "b(2)"), ("C", "c(1)")]


def test_seed_does_not_overwrite_an_operator_policy_of_the_same_name(db: Database) -> None:
    mine = db.library.create("A", [{"rule": "mine(1)"}])
    assert db.library.seed([NewLibraryPolicy("A", ({"rule": "a(1)"},))]) == []
    assert db.library.list() == [mine]
