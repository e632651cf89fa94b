"""Policies and their rules. Rules come back in the order they were inserted, with their ids."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from congress.db.models import Policy, PolicyRule
from congress.db.records import NewRule, PolicyRecord, RuleRecord
from congress.db.repository import Repository, find_by_name_or_id, new_id
from congress.exceptions import PolicyAlreadyExists, PolicyNotExists, RuleAlreadyExists, RuleNotExists


class PolicyRepository(Repository):
    def create(
        self,
        name: str,
        *,
        kind: str = "nonrecursive",
        abbreviation: str | None = None,
        description: str = "",
        owner_id: str = "user",
        id: str | None = None,
        rules: Iterable[NewRule] = (),
    ) -> PolicyRecord:
        """Store a policy and, in the same transaction, its rules (all or nothing).

        ``abbreviation`` None means the first 5 characters of the name. Raises
        PolicyAlreadyExists for a taken name (or id), RuleAlreadyExists for a taken rule id.
        """
        with self._transaction() as session:
            if session.scalars(select(Policy.id).where(Policy.name == name)).first() is not None:
                raise PolicyAlreadyExists(f"Policy with name {name} already exists")
            if id is not None and session.get(Policy, id) is not None:
                raise PolicyAlreadyExists(f"Policy with id {id} already exists")
            policy = Policy(
                id=id or new_id(),
                name=name,
                abbreviation=name[:5] if abbreviation is None else abbreviation,
                description=description,
                kind=kind,
                owner_id=owner_id,
            )
            session.add(policy)
            try:
                session.flush()
            except IntegrityError as exc:  # a concurrent create won the race
                raise PolicyAlreadyExists(f"Policy with name {name} already exists") from exc
            for new_rule in rules:
                self._insert_rule(session, policy, new_rule)
            return _policy_record(policy)

    def get(self, name_or_id: str) -> PolicyRecord:
        with self._transaction(read_only=True) as session:
            return _policy_record(_policy(session, name_or_id))

    def list(self) -> list[PolicyRecord]:
        with self._transaction(read_only=True) as session:
            policies = session.scalars(select(Policy).order_by(Policy.created_at, Policy.name))
            return [_policy_record(p) for p in policies]

    def delete(self, name_or_id: str) -> PolicyRecord:
        """Delete a policy and all its rules; returns what was deleted."""
        with self._transaction() as session:
            policy = _policy(session, name_or_id, for_update=True)
            session.delete(policy)  # its rules go by ON DELETE CASCADE
            return _policy_record(policy)

    def add_rule(
        self,
        policy: str | PolicyRecord,
        rule: str,
        *,
        name: str | None = None,
        comment: str = "",
        id: str | None = None,
    ) -> RuleRecord:
        """Append a rule to a policy: by name or id, or by its record, not looked up again (the caller has
        just read it, e.g. in the same turn of ``congress.db.commits``). ``id`` None: a fresh UUID."""
        with self._transaction() as session:
            return self._insert_rule(session, _owner(session, policy), NewRule(rule, name, comment, id))

    def get_rule(self, policy: str, rule_id: str) -> RuleRecord:
        with self._transaction(read_only=True) as session:
            owner = _policy(session, policy)
            return _rule_record(_rule(session, owner, rule_id), owner)

    def delete_rule(self, policy: str | PolicyRecord, rule_id: str) -> RuleRecord:
        """Delete a rule of a policy (given as for ``add_rule``); returns what was deleted."""
        with self._transaction() as session:
            owner = _owner(session, policy)
            stored = _rule(session, owner, rule_id)
            session.delete(stored)
            return _rule_record(stored, owner)

    def rules(self, policy: str) -> list[RuleRecord]:
        """The rules of one policy, oldest first."""
        with self._transaction(read_only=True) as session:
            owner = _policy(session, policy)
            stored = session.scalars(
                select(PolicyRule).where(PolicyRule.policy_id == owner.id).order_by(PolicyRule.seq)
            )
            return [_rule_record(r, owner) for r in stored]

    def rules_by_policy(self) -> dict[str, list[RuleRecord]]:
        """Every policy name (rule-less ones too) with its rules oldest first: what a restart restores."""
        with self._transaction(read_only=True) as session:
            policies = {p.id: p for p in session.scalars(select(Policy))}
            result: dict[str, list[RuleRecord]] = {p.name: [] for p in policies.values()}
            for stored in session.scalars(select(PolicyRule).order_by(PolicyRule.seq)):
                owner = policies[stored.policy_id]
                result[owner.name].append(_rule_record(stored, owner))
            return result

    @staticmethod
    def _insert_rule(session: Session, policy: Policy | PolicyRecord, new_rule: NewRule) -> RuleRecord:
        rule_id = new_rule.id or new_id()
        stored = PolicyRule(
            id=rule_id, policy_id=policy.id, rule=new_rule.rule, name=new_rule.name, comment=new_rule.comment
        )
        session.add(stored)
        try:
            session.flush()
        except IntegrityError as exc:  # the policy is known to exist: the id is taken
            raise RuleAlreadyExists(f"a rule with id {rule_id} already exists") from exc
        return _rule_record(stored, policy)


def _policy(session: Session, name_or_id: str, *, for_update: bool = False) -> Policy:
    found = find_by_name_or_id(session, Policy, name_or_id, for_update=for_update)
    if found is None:
        raise PolicyNotExists(f"Policy ID {name_or_id} does not exist")
    return found


def _owner(session: Session, policy: str | PolicyRecord) -> Policy | PolicyRecord:
    return policy if isinstance(policy, PolicyRecord) else _policy(session, policy)


def _rule(session: Session, policy: Policy | PolicyRecord, rule_id: str) -> PolicyRule:
    found = session.scalars(
        select(PolicyRule).where(PolicyRule.id == rule_id, PolicyRule.policy_id == policy.id)
    ).one_or_none()
    if found is None:
        raise unknown_rule(rule_id, policy.name)
    return found


def unknown_rule(rule_id: str, policy: str) -> RuleNotExists:
    return RuleNotExists(f"ID: {rule_id}, policy_name: {policy}")


def _policy_record(p: Policy) -> PolicyRecord:
    return PolicyRecord(p.id, p.name, p.abbreviation, p.description, p.kind, p.owner_id, p.created_at)


def _rule_record(r: PolicyRule, policy: Policy | PolicyRecord) -> RuleRecord:
    return RuleRecord(r.id, policy.id, policy.name, r.rule, r.name, r.comment, r.created_at)
