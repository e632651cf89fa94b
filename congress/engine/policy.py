"""A policy's own bookkeeping: its kind, its rules in order, their duplicate keys."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from congress.engine.compiled import CompiledRule
from congress.engine.interface import POLICY_KINDS, StoredRule
from congress.exceptions import PolicyNameInvalid

SYSTEM_POLICIES = {"classification": "nonrecursive", "action": "action"}
RECURSIVE_KINDS = ("materialized", "z3")

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*\Z")


def normalize_kind(kind: str | None) -> str:
    normalized = (kind or "nonrecursive").lower()
    if normalized not in POLICY_KINDS:
        raise PolicyNameInvalid(f"Unknown policy kind {kind}; expected one of {', '.join(POLICY_KINDS)}")
    return normalized


def check_name(name: str) -> None:
    if not isinstance(name, str) or not _NAME.match(name):
        raise PolicyNameInvalid(f"Policy name {name!r} is not a valid table name prefix")


@dataclass(eq=False)
class Policy:
    name: str
    kind: str
    schema: dict[str, tuple[str, ...]] | None = None
    rules: dict[str, StoredRule] = field(default_factory=dict)
    compiled: dict[str, CompiledRule] = field(default_factory=dict)
    keys: dict[tuple, str] = field(default_factory=dict)
    table_uses: Counter[str] = field(default_factory=Counter)  # table name -> rules using it

    @classmethod
    def datasource(cls, name: str, schema: Mapping[str, Sequence[str]]) -> Policy:
        return cls(name, "datasource", {table: tuple(cols) for table, cols in schema.items()})

    @property
    def allows_recursion(self) -> bool:
        return self.kind in RECURSIVE_KINDS

    @property
    def is_datasource(self) -> bool:
        return self.kind == "datasource"
