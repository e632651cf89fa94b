"""LibraryService: policy templates kept in the database, copied into live policies on request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from congress.db.library import LibraryPolicyRepository
from congress.db.records import LibraryPolicyRecord
from congress.exceptions import LibraryPolicyNotFound, PolicyNameInvalid
from congress.service.errors import BadRequest
from congress.service.validation import PolicySpec, policy_spec


def library_document(record: LibraryPolicyRecord, include_rules: bool = True) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": record.id,
        "name": record.name,
        "abbreviation": record.abbreviation,
        "description": record.description,
        "kind": record.kind,
    }
    if include_rules:
        document["rules"] = [dict(rule) for rule in record.rules]
    return document


def _spec(body: Mapping[str, Any]) -> PolicySpec:
    try:
        return policy_spec(body, rules_required=True)
    except PolicyNameInvalid as exc:
        raise BadRequest(exc.message) from None


class LibraryService:
    def __init__(self, repo: LibraryPolicyRepository) -> None:
        self._repo = repo

    def list(self, *, include_rules: bool = True, name: str | None = None) -> list[dict[str, Any]]:
        return [library_document(r, include_rules) for r in self._repo.list(name=name)]

    def _find(self, ref: str) -> LibraryPolicyRecord:
        """By id, else by (unique) name."""
        try:
            return self._repo.get(ref)
        except LibraryPolicyNotFound:
            named = self._repo.list(name=ref)
            if not named:
                raise
            return named[0]

    def get(self, ref: str, *, include_rules: bool = True) -> dict[str, Any]:
        return library_document(self._find(ref), include_rules)

    def create(self, body: Mapping[str, Any]) -> dict[str, Any]:
        spec = _spec(body)
        record = self._repo.create(
            spec.name,
            [r.as_dict() for r in spec.rules or ()],
            kind=spec.kind,
            abbreviation=spec.abbreviation,
            description=spec.description,
        )
        return library_document(record)

    def replace(self, ref: str, body: Mapping[str, Any]) -> dict[str, Any]:
        spec = _spec(body)
        record = self._repo.replace(
            self._find(ref).id,
            spec.name,
            [r.as_dict() for r in spec.rules or ()],
            kind=spec.kind,
            abbreviation=spec.abbreviation,
            description=spec.description,
        )
        return library_document(record)

    def delete(self, ref: str) -> dict[str, Any]:
        return library_document(self._repo.delete(self._find(ref).id))
