"""Errors shared by every layer; each carries the REST error name the API reports.

``code`` is the name of the original Congress API error (``rule_syntax``,
``policy_not_exist``, ...); the API layer maps it to the numeric error code and
HTTP status. Layers raise these and never HTTP errors.
"""

from __future__ import annotations

from typing import Any


class CongressError(Exception):
    """Base of every expected error. ``data`` is extra detail for ``error_data``."""

    code = "internal_error"

    def __init__(self, message: str, *, data: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.data = data


class PolicySyntaxError(CongressError):
    """Text that does not parse, or a rule the static checks reject."""

    code = "rule_syntax"

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None) -> None:
        where = f"line {line}, column {column}: " if line is not None else ""
        super().__init__(where + message)
        self.line = line
        self.column = column


class MultipleRules(CongressError):
    code = "multiple_rules"


class RuleAlreadyExists(CongressError):
    code = "rule_already_exists"


class RuleNotExists(CongressError):
    code = "rule_not_exists"


class RuleNotPermitted(CongressError):
    code = "rule_not_permitted"


class PolicyNotExists(CongressError):
    code = "policy_not_exist"


class PolicyAlreadyExists(CongressError):
    code = "policy_already_exists"


class PolicyNameInvalid(CongressError):
    code = "policy_name_invalid"


class TableNotFound(CongressError):
    code = "not_found"


class UpdateNotPermitted(CongressError):
    """A datasource delta or snapshot the table's schema rejects (wrong width, unknown table)."""

    code = "update_not_permitted"


class SimulateError(CongressError):
    code = "simulate_error"


class QuerySyntaxError(CongressError):
    code = "query_syntax"


class DatasourceNotFound(CongressError):
    code = "datasource_not_found"


class DatasourceAlreadyExists(CongressError):
    code = "datasource_already_exists"


class LibraryPolicyNotFound(CongressError):
    code = "library_policy_not_found"


class SecretKeyError(CongressError):
    """The key file for secrets at rest is unusable, or a stored secret cannot be decrypted with it."""

    code = "secret_key_error"
