"""Plain, immutable records the repositories return (never ORM objects)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class PolicyRecord:
    id: str
    name: str
    abbreviation: str
    description: str
    kind: str
    owner_id: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NewRule:
    """A rule to store. ``id`` None: the repository assigns a fresh UUID."""

    rule: str
    name: str | None = None
    comment: str = ""
    id: str | None = None


@dataclass(frozen=True, slots=True)
class RuleRecord:
    id: str
    policy_id: str
    policy_name: str
    rule: str
    name: str | None
    comment: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DatasourceRecord:
    """A data source with its config decrypted; ``repr`` leaves the config out so secrets never reach logs."""

    id: str
    name: str
    driver: str
    description: str
    enabled: bool
    config: Mapping[str, Any] | None = field(repr=False)
    secret_keys: tuple[str, ...]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class LibraryPolicyRecord:
    """``rules`` are dicts with ``rule`` and, when given, ``name`` and ``comment``, exactly as submitted."""

    id: str
    name: str
    abbreviation: str
    description: str
    kind: str
    rules: tuple[Mapping[str, str], ...]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NewLibraryPolicy:
    """A library policy to store (what the bundled-library loader produces)."""

    name: str
    rules: tuple[Mapping[str, str], ...]
    description: str = ""
    kind: str = "nonrecursive"
    abbreviation: str | None = None


@dataclass(frozen=True, slots=True)
class ExecutionRecord:
    seq: int
    time: datetime
    policy: str
    service: str
    action: str
    args: Any
    status: str
    error: str | None
