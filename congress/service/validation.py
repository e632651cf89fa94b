"""Validation of policy documents (plain create, create-with-rules, library policies).

Mirrors the JSON schema the original applied to policies with rules: ``name``
1-255 characters, ``description`` a string, ``kind`` a known kind,
``abbreviation`` 1-5 characters, each rule an object with a string ``rule`` and
optional string ``name``/``comment`` of at most 255 characters.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from congress.exceptions import PolicyNameInvalid
from congress.service.errors import BadRequest, NamedError

USER_KINDS = ("nonrecursive", "action", "database", "materialized", "z3")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
# ``depends-on`` (the library file format: the policies whose tables the rules use) is informational.
_POLICY_KEYS = {"name", "description", "abbreviation", "kind", "rules", "depends-on"}
_RULE_KEYS = {"rule", "name", "comment"}


@dataclass(frozen=True)
class RuleSpec:
    rule: str
    name: str | None = None
    comment: str = ""

    def as_dict(self) -> dict[str, str]:
        """The rule as submitted (library policies store exactly this)."""
        out = {"rule": self.rule}
        if self.name is not None:
            out["name"] = self.name
        if self.comment:
            out["comment"] = self.comment
        return out


@dataclass(frozen=True)
class PolicySpec:
    name: str
    abbreviation: str
    description: str
    kind: str
    rules: tuple[RuleSpec, ...] | None


def check_fields(body: Mapping[str, Any], accepted: Collection[str], what: str) -> None:
    """Refuse a body with a field the operation does not know (a typo must not be silently ignored)."""
    unknown = sorted(set(body) - set(accepted))
    if unknown:
        raise BadRequest(
            f"Unknown field(s) in the {what}: {', '.join(unknown)}. "
            f"Accepted: {', '.join(sorted(accepted)) or 'none'}"
        )


def check_name(name: str, what: str = "Policy") -> None:
    if not _NAME.match(name) or name == "builtin":
        raise PolicyNameInvalid(f"{what} name {name} is not a valid tablename")


def _violation(detail: str) -> BadRequest:
    return BadRequest("Input policy item violates schema.", data=detail)


def _rule(item: object) -> RuleSpec:
    if not isinstance(item, Mapping) or not isinstance(item.get("rule"), str):
        raise _violation(f"{item!r} is not a rule object with a string 'rule'")
    if set(item) - _RULE_KEYS:
        raise _violation(f"unexpected keys {sorted(set(item) - _RULE_KEYS)} in rule {item!r}")
    for key in ("name", "comment"):
        value = item.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > 255):
            raise _violation(f"rule {key} {value!r} is not a string of at most 255 characters")
    return RuleSpec(item["rule"], item.get("name"), item.get("comment") or "")


def policy_spec(body: Mapping[str, Any], *, rules_required: bool = False) -> PolicySpec:
    """Check a policy document; ``rules`` switches to the strict schema of the create-with-rules form."""
    if "id" in body:
        raise NamedError("policy_id_must_not_be_provided")
    strict = rules_required or "rules" in body
    name = body.get("name")
    if name is None:
        if strict:
            raise _violation("'name' is a required property")
        raise NamedError("policy_name_must_be_provided")
    if not isinstance(name, str) or not 1 <= len(name) <= 255:
        raise _violation(f"name {name!r} is not a string of 1 to 255 characters")
    check_name(name)
    if strict and set(body) - _POLICY_KEYS:
        raise _violation(f"unexpected keys {sorted(set(body) - _POLICY_KEYS)}")
    check_fields(body, _POLICY_KEYS, "policy")
    depends_on = body.get("depends-on")
    if depends_on is not None and (
        not isinstance(depends_on, list) or not all(isinstance(d, str) for d in depends_on)
    ):
        raise _violation(f"depends-on {depends_on!r} is not a list of policy names")
    description = body.get("description", "" if strict else None)
    if description is None and not strict:
        description = ""
    if not isinstance(description, str):
        raise _violation(f"description {description!r} is not a string")
    abbreviation = body.get("abbreviation")
    if abbreviation is None:
        abbreviation = name[:5]
    elif not isinstance(abbreviation, str) or not 1 <= len(abbreviation) <= 5:
        raise NamedError("policy_abbreviation_error")
    kind = body.get("kind")
    if kind in (None, ""):  # absent; other falsy values (0, false, []) are wrong types, refused below
        kind = "nonrecursive"
    if not isinstance(kind, str) or kind.lower() not in USER_KINDS:
        raise BadRequest(f"Unknown kind of policy: {kind}")
    rules = None
    if strict:
        raw = body.get("rules")
        if not isinstance(raw, list):
            raise _violation("'rules' is a required property and must be a list")
        rules = tuple(_rule(item) for item in raw)
    return PolicySpec(name, abbreviation, description, kind.lower(), rules)
