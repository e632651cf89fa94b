"""Checking real HTTP responses against the OpenAPI document (congress.api.openapi).

``ApiDoc.check(response)`` finds the documented operation of the request, asserts
that the status is one the document lists for it and that the body validates
against the documented schema (``$ref``s resolve against the document's components).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import requests

from congress.api.openapi import document
from congress.api.router import compile_template

ERROR_REF = {"$ref": "#/components/schemas/Error"}


class ApiDoc:
    def __init__(self, doc: dict[str, Any] | None = None) -> None:
        self.doc = doc or document()
        self._paths = [(compile_template(path), path) for path in self.doc["paths"]]

    def template(self, path: str) -> str:
        """The documented path template that ``path`` instantiates."""
        found = [template for regex, template in self._paths if regex.match(path)]
        assert found, f"{path} is not in the OpenAPI document"
        return found[0]

    def operation(self, method: str, path: str) -> dict[str, Any]:
        item = self.doc["paths"][self.template(path)]
        assert method.lower() in item, f"{method} {path} is not documented"
        return item[method.lower()]

    def validate(self, instance: Any, schema: dict[str, Any]) -> None:
        """Validate against a schema of the document (its ``$ref``s point into ``components``)."""
        jsonschema.Draft202012Validator({**schema, "components": self.doc["components"]}).validate(instance)

    def check(self, resp: requests.Response) -> requests.Response:
        """Assert ``resp`` is a documented status with a body conforming to the documented schema."""
        method, path = resp.request.method or "GET", urlsplit(resp.request.url).path
        responses = self.operation(method, path)["responses"]
        documented = responses.get(str(resp.status_code))
        assert documented is not None, (
            f"{method} {path} -> {resp.status_code} not documented: {resp.text[:300]}"
        )
        if "$ref" in documented:
            documented = self.doc["components"]["responses"][documented["$ref"].rsplit("/", 1)[1]]
        content = documented.get("content")
        if content is None:
            assert resp.content == b"", f"{method} {path}: expected an empty body, got {resp.text[:200]}"
            return resp
        assert re.match(r"application/json\b", resp.headers["Content-Type"])
        self.validate(resp.json(), content["application/json"]["schema"])
        return resp


def assert_error(resp: requests.Response, status: int | tuple[int, ...]) -> dict[str, Any]:
    """``resp`` is an error of the given status(es) with the JSON error shape; returns its ``error``."""
    statuses = (status,) if isinstance(status, int) else status
    assert resp.status_code in statuses, f"{resp.status_code} not in {statuses}: {resp.text[:300]}"
    assert resp.headers["Content-Type"] == "application/json; charset=UTF-8"
    body = resp.json()
    ApiDoc().validate(body, ERROR_REF)
    return body["error"]
