"""Errors raised by the service layer (and the API) that are not engine errors.

Their ``code`` is one of the generic HTTP-like names (``not_found``,
``bad_request``, ``conflict``) or a named API error from the original error
table; congress.api.errors maps every code to its HTTP status and error_code.
"""

from __future__ import annotations

from congress.exceptions import CongressError


class NotFound(CongressError):
    code = "not_found"


class BadRequest(CongressError):
    code = "bad_request"


class MalformedRequest(CongressError):
    """A request the API cannot read (body, Content-Type): reported with its message alone."""

    code = "malformed_request"


class Conflict(CongressError):
    code = "conflict"


class DanglingReference(CongressError):
    """A deletion refused because rules still reference what would be deleted (HTTP 400, error_code 409)."""

    code = "dangling_reference"


class NamedError(CongressError):
    """An error of the API's named table (``policy_name_must_be_provided``...), by name."""

    def __init__(self, code: str, message: str = "", *, data: object = None) -> None:
        super().__init__(message, data=data)
        self.code = code
