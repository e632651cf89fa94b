"""Reading library policy YAML files (the ``policy create-from-file`` format) into records.

A file holds one mapping: ``name`` (required), ``description``, ``kind``,
``abbreviation``, ``depends-on`` (informational, not stored) and ``rules``
(required, a non-empty list of ``{rule, name?, comment?}``). Rule text is kept
exactly as written. A broken file is reported by name and the others still load.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from congress.db.library import LibraryPolicyRepository
from congress.db.records import NewLibraryPolicy
from congress.exceptions import CongressError

LOG = logging.getLogger(__name__)

_TEXT_FIELDS = ("description", "kind", "abbreviation")
_KNOWN_FIELDS = {"name", "rules", "depends-on", *_TEXT_FIELDS}
_RULE_FIELDS = {"rule", "name", "comment"}


class LibraryFileError(CongressError):
    """A library policy file that cannot be used; the message starts with the file's path."""

    code = "library_file_error"


@dataclass(slots=True)
class LibraryLoad:
    policies: list[NewLibraryPolicy] = field(default_factory=list)
    errors: list[LibraryFileError] = field(default_factory=list)


def parse_policy(text: str, source: str) -> NewLibraryPolicy:
    """One policy from a file's text; ``source`` names the file in errors."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise LibraryFileError(f"{source}: not valid YAML: {exc}") from exc
    if not isinstance(data, Mapping):
        raise LibraryFileError(f"{source}: expected a mapping with 'name' and 'rules'")
    unknown = sorted(set(data) - _KNOWN_FIELDS)
    if unknown:
        raise LibraryFileError(f"{source}: unknown fields {', '.join(map(str, unknown))}")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise LibraryFileError(f"{source}: 'name' must be a non-empty string")
    texts = {key: data[key] for key in _TEXT_FIELDS if data.get(key) is not None}
    for key, value in texts.items():
        if not isinstance(value, str):
            raise LibraryFileError(f"{source}: '{key}' must be a string")
    return NewLibraryPolicy(name=name, rules=_parse_rules(data.get("rules"), source), **texts)


def _parse_rules(rules: Any, source: str) -> tuple[dict[str, str], ...]:
    if not isinstance(rules, list) or not rules:
        raise LibraryFileError(f"{source}: 'rules' must be a non-empty list")
    parsed = []
    for index, rule in enumerate(rules, 1):
        where = f"{source}: rule {index}"
        if not isinstance(rule, Mapping):
            raise LibraryFileError(f"{where}: expected a mapping with 'rule'")
        if not isinstance(rule.get("rule"), str) or not rule["rule"].strip():
            raise LibraryFileError(f"{where}: 'rule' must be non-empty text")
        unknown = sorted(set(rule) - _RULE_FIELDS)
        if unknown:
            raise LibraryFileError(f"{where}: unknown fields {', '.join(map(str, unknown))}")
        if any(not isinstance(rule[key], str) for key in rule):
            raise LibraryFileError(f"{where}: 'name' and 'comment' must be strings")
        parsed.append(dict(rule))
    return tuple(parsed)


def load_files(paths: Iterable[Path]) -> LibraryLoad:
    """Parse each file; failures are collected in ``errors``, never raised."""
    result = LibraryLoad()
    for path in paths:
        try:
            result.policies.append(parse_policy(path.read_text(encoding="utf-8"), str(path)))
        except OSError as exc:
            result.errors.append(LibraryFileError(f"{path}: cannot read: {exc.strerror}"))
        except LibraryFileError as exc:
            result.errors.append(exc)
    return result


def load_directory(directory: str | Path) -> LibraryLoad:
    """Every ``*.yaml`` / ``*.yml`` file under ``directory`` (recursively), in path order."""
    root = Path(directory)
    return load_files(sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()))


def load_bundled() -> LibraryLoad:
    """The policy library shipped inside the ``congress.library`` package."""
    with resources.as_file(resources.files("congress.library")) as directory:
        return load_directory(directory)


def install_library(repo: LibraryPolicyRepository, load: LibraryLoad) -> list[str]:
    """Seed the library table at start-up (idempotent); logs each broken file. Returns the names added."""
    for error in load.errors:
        LOG.error("library policy skipped: %s", error.message)
    added = repo.seed(load.policies)
    if added:
        LOG.info("added %d library policies: %s", len(added), ", ".join(added))
    return added
