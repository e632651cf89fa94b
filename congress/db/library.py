"""Library policies: named policy templates whose rules are kept exactly as submitted."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from congress.db.models import BundledLibrarySeed, LibraryPolicy
from congress.db.records import LibraryPolicyRecord, NewLibraryPolicy
from congress.db.repository import Repository, new_id
from congress.db.types import dump_json, load_json
from congress.exceptions import LibraryPolicyNotFound, PolicyAlreadyExists, PolicySyntaxError

RULE_KEYS = ("rule", "name", "comment")


class LibraryPolicyRepository(Repository):
    def create(
        self,
        name: str,
        rules: Sequence[Mapping[str, str]],
        *,
        kind: str = "nonrecursive",
        abbreviation: str | None = None,
        description: str = "",
        id: str | None = None,
    ) -> LibraryPolicyRecord:
        """Store a library policy. Each rule is a mapping with ``rule`` and optional ``name``/``comment``.

        Raises PolicyAlreadyExists for a taken name, PolicySyntaxError for a rule without text.
        """
        spec = NewLibraryPolicy(name, tuple(rules), description, kind, abbreviation)
        with self._transaction() as session:
            return _record(_write(session, LibraryPolicy(id=id or new_id()), spec))

    def get(self, id: str) -> LibraryPolicyRecord:
        with self._transaction(read_only=True) as session:
            return _record(_library_policy(session, id))

    def list(self, name: str | None = None) -> list[LibraryPolicyRecord]:
        """All library policies by name, or just the one called ``name`` (0 or 1 entries)."""
        query = select(LibraryPolicy).order_by(LibraryPolicy.name)
        if name is not None:
            query = query.where(LibraryPolicy.name == name)
        with self._transaction(read_only=True) as session:
            return [_record(p) for p in session.scalars(query)]

    def replace(
        self,
        id: str,
        name: str,
        rules: Sequence[Mapping[str, str]],
        *,
        kind: str = "nonrecursive",
        abbreviation: str | None = None,
        description: str = "",
    ) -> LibraryPolicyRecord:
        """Replace everything but the id (PUT). Raises LibraryPolicyNotFound, PolicyAlreadyExists."""
        spec = NewLibraryPolicy(name, tuple(rules), description, kind, abbreviation)
        with self._transaction() as session:
            return _record(_write(session, _library_policy(session, id, for_update=True), spec))

    def delete(self, id: str) -> LibraryPolicyRecord:
        with self._transaction() as session:
            policy = _library_policy(session, id, for_update=True)
            session.delete(policy)
            return _record(policy)

    def seed(self, policies: Iterable[NewLibraryPolicy]) -> list[str]:
        """Add the bundled policies never added before; returns the names added.

        Idempotent across restarts: a name seeded once is remembered, so a policy
        the operator edited or deleted is left alone. A bundled policy whose name
        an operator's own library policy already uses is skipped (and remembered).
        """
        added = []
        with self._transaction() as session:
            seeded = set(session.scalars(select(BundledLibrarySeed.name)))
            for spec in policies:
                if spec.name in seeded:
                    continue
                if not _name_taken(session, spec.name):
                    _write(session, LibraryPolicy(id=new_id()), spec)
                    added.append(spec.name)
                session.add(BundledLibrarySeed(name=spec.name))
                seeded.add(spec.name)
        return added


def _name_taken(session: Session, name: str, *, except_id: str | None = None) -> bool:
    query = select(LibraryPolicy.id).where(LibraryPolicy.name == name, LibraryPolicy.id != except_id)
    return session.scalars(query).first() is not None


def _write(session: Session, policy: LibraryPolicy, spec: NewLibraryPolicy) -> LibraryPolicy:
    """Fill ``policy`` (new or stored) from ``spec`` and flush; PolicyAlreadyExists if the name is taken."""
    if _name_taken(session, spec.name, except_id=policy.id):
        raise PolicyAlreadyExists(f"Policy with name {spec.name} already exists")
    policy.name = spec.name
    policy.abbreviation = spec.name[:5] if spec.abbreviation is None else spec.abbreviation
    policy.description = spec.description
    policy.kind = spec.kind
    policy.rules = dump_json(_clean_rules(spec.rules))
    session.add(policy)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent writer took the name (or the id) first
        raise PolicyAlreadyExists(f"Policy with name {spec.name} already exists") from exc
    return policy


def _clean_rules(rules: Sequence[Mapping[str, str]]) -> list[dict[str, str]]:
    """The rules with only the keys a library rule has; a rule without text is refused."""
    cleaned = []
    for index, rule in enumerate(rules):
        if not isinstance(rule.get("rule"), str):
            raise PolicySyntaxError(f"library rule {index} has no 'rule' text")
        cleaned.append({key: rule[key] for key in RULE_KEYS if key in rule})
    return cleaned


def _library_policy(session: Session, id: str, *, for_update: bool = False) -> LibraryPolicy:
    query = select(LibraryPolicy).where(LibraryPolicy.id == id)
    if for_update:
        query = query.with_for_update()
    found = session.scalars(query).one_or_none()
    if found is None:
        raise LibraryPolicyNotFound(f"No policy found with policy id {id}")
    return found


def _record(p: LibraryPolicy) -> LibraryPolicyRecord:
    rules = tuple(load_json(p.rules))
    return LibraryPolicyRecord(p.id, p.name, p.abbreviation, p.description, p.kind, rules, p.created_at)
