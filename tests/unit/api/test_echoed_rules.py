"""The rule text a create echoes parses back to the same rule, quotes in strings included (F9)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "text",
    [
        """p(y) :- q(x), builtin:concat('{"a": "', x, y)""",
        """p(y) :- q(x), builtin:concat(x, 'say "hi"', y), not r('"')""",
        'p(y) :- q(x), builtin:concat(x, "plain", y)',
    ],
)
def test_echoed_rule_text_parses_back(api, text):
    for name in ("orig", "copy"):
        api("POST", "/v1/policies", {"name": name})
        api("POST", f"/v1/policies/{name}/rules", {"rule": 'q("x")'})
    status, echoed, _ = api("POST", "/v1/policies/orig/rules", {"rule": text})
    assert status == 201, echoed
    status, again, _ = api("POST", "/v1/policies/copy/rules", {"rule": echoed["rule"]})
    assert status == 201, again
    assert again["rule"] == echoed["rule"]
    rows = api("GET", "/v1/policies/orig/tables/p/rows")[1]
    assert rows["results"] and api("GET", "/v1/policies/copy/tables/p/rows")[1] == rows
