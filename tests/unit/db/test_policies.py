from __future__ import annotations

from collections.abc import Callable

import pytest

from congress.db.api import Database, NewRule
from congress.db.repository import ValueRejected
from congress.exceptions import PolicyAlreadyExists, PolicyNotExists, RuleAlreadyExists, RuleNotExists


def test_create_then_get_by_name_and_by_id(db: Database) -> None:
    created = db.policies.create("test_policy", description="d", kind="action", abbreviation="tp")
    assert db.policies.get("test_policy") == created
    assert db.policies.get(created.id) == created
    assert (created.name, created.description, created.kind, created.abbreviation, created.owner_id) == (
        "test_policy",
        "d",
        "action",
        "tp",
        "user",
    )


def test_defaults_abbreviation_is_first_five_characters(db: Database) -> None:
    created = db.policies.create("classification")
    assert (created.abbreviation, created.description, created.kind) == ("class", "", "nonrecursive")


def test_duplicate_name_is_refused_and_first_policy_kept(db: Database) -> None:
    first = db.policies.create("p1", description="first")
    with pytest.raises(PolicyAlreadyExists, match="Policy with name p1 already exists"):
        db.policies.create("p1", description="second")
    assert db.policies.list() == [first]


def test_duplicate_explicit_id_is_refused(db: Database) -> None:
    first = db.policies.create("p1")
    with pytest.raises(PolicyAlreadyExists):
        db.policies.create("p2", id=first.id)
    assert [p.name for p in db.policies.list()] == ["p1"]


def test_names_are_case_sensitive_on_every_backend(db: Database) -> None:
    db.policies.create("Alpha")
    db.policies.create("alpha")
    assert db.policies.get("alpha").name == "alpha"
    assert db.policies.get("Alpha").name == "Alpha"


def test_unknown_policy_raises_policy_not_exists(db: Database) -> None:
    with pytest.raises(PolicyNotExists):
        db.policies.get("nope")
    with pytest.raises(PolicyNotExists):
        db.policies.delete("nope")
    with pytest.raises(PolicyNotExists):
        db.policies.add_rule("nope", "p(1)")


def test_rules_keep_insertion_order_and_ids_across_a_restart(
    db: Database, reopen: Callable[[], Database]
) -> None:
    db.policies.create("p")
    texts = [f"r{i}(x) :- q(x)" for i in (5, 1, 9, 3, 7, 2, 8)]
    added = [db.policies.add_rule("p", text, name=f"n{i}", comment="c") for i, text in enumerate(texts)]
    restarted = reopen()
    stored = restarted.policies.rules("p")
    assert [(r.id, r.rule, r.name, r.comment) for r in stored] == [
        (r.id, r.rule, r.name, r.comment) for r in added
    ]
    assert [r.rule for r in restarted.policies.rules_by_policy()["p"]] == texts


def test_rule_without_name_has_none_and_empty_comment(db: Database) -> None:
    db.policies.create("p")
    rule = db.policies.add_rule("p", "p(1)")
    assert (rule.name, rule.comment, rule.policy_name) == (None, "", "p")
    assert db.policies.get_rule("p", rule.id) == rule


def test_rule_id_can_be_chosen_but_not_reused(db: Database) -> None:
    db.policies.create("p")
    db.policies.create("q")
    db.policies.add_rule("p", "p(1)", id="7c9e6679-7425-40de-944b-e07fc1f90ae7")
    with pytest.raises(RuleAlreadyExists):
        db.policies.add_rule("q", "q(1)", id="7c9e6679-7425-40de-944b-e07fc1f90ae7")
    assert db.policies.rules("q") == []


def test_create_with_rules_is_all_or_nothing(db: Database) -> None:
    rules = [
        NewRule("p(1)", id="11111111-1111-1111-1111-111111111111"),
        NewRule("p(2)", id="11111111-1111-1111-1111-111111111111"),
    ]
    with pytest.raises(RuleAlreadyExists):
        db.policies.create("p", rules=rules)
    with pytest.raises(PolicyNotExists):
        db.policies.get("p")
    created = db.policies.create("p", rules=[NewRule("p(1)", "one"), NewRule("p(2)", comment="two")])
    assert [(r.rule, r.name, r.comment, r.policy_id) for r in db.policies.rules("p")] == [
        ("p(1)", "one", "", created.id),
        ("p(2)", None, "two", created.id),
    ]


def test_rule_lookups_are_scoped_to_their_policy(db: Database) -> None:
    db.policies.create("p")
    db.policies.create("q")
    rule = db.policies.add_rule("p", "p(1)")
    with pytest.raises(RuleNotExists):
        db.policies.get_rule("q", rule.id)
    with pytest.raises(RuleNotExists):
        db.policies.delete_rule("q", rule.id)
    assert db.policies.delete_rule("p", rule.id) == rule
    assert db.policies.rules("p") == []


def test_delete_policy_removes_its_rules_and_only_its_rules(db: Database) -> None:
    p = db.policies.create("p")
    db.policies.create("q")
    db.policies.add_rule("p", "p(1)")
    kept = db.policies.add_rule("q", "q(1)")
    assert db.policies.delete(p.id) == p
    assert db.policies.rules_by_policy() == {"q": [kept]}
    # the name is free again
    assert db.policies.create("p").name == "p"


def test_values_too_long_for_their_column_are_refused_alike_on_every_backend(db: Database) -> None:
    with pytest.raises(ValueRejected, match="name must be at most 255 characters"):
        db.policies.create("p" * 256)
    with pytest.raises(ValueRejected, match="abbreviation must be at most 5 characters"):
        db.policies.create("p", abbreviation="toolong")
    with pytest.raises(ValueRejected):
        db.policies.create("p", rules=[NewRule("p(1)", name="n" * 256)])
    assert db.policies.list() == []
