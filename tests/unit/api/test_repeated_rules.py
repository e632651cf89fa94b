"""A policy created with a rule it repeats keeps the rule once (the bundled UnsafeTraffic does, F10)."""

from __future__ import annotations


def test_a_repeated_rule_is_kept_once(api):
    rules = [
        {"rule": "p(x) :- q(x), r(x)", "comment": "first"},
        {"rule": "s(1)"},
        {"rule": "p(x) :- q(x), r(x)", "comment": "again"},
        {"rule": "p(x) :- r(x), q(x)", "comment": "same rule, other order"},
    ]
    status, body, _ = api("POST", "/v1/policies", {"name": "rep", "rules": rules})
    assert status == 201, body
    assert [r["comment"] for r in body["rules"]] == ["first", "", "again", "same rule, other order"]
    assert body["rules"][2]["rule"] == body["rules"][0]["rule"] == "p(x) :-\n  q(x),\n  r(x)"
    listed = api("GET", "/v1/policies/rep/rules")[1]["results"]
    assert [(r["rule"], r["comment"]) for r in listed] == [("p(x) :- q(x), r(x)", "first"), ("s(1)", "")]
    for fact in ("q(1)", "r(1)"):
        api("POST", "/v1/policies/rep/rules", {"rule": fact})
    assert api("GET", "/v1/policies/rep/tables/p/rows")[1] == {"results": [{"data": [1]}]}


def test_library_activation_with_a_repeated_rule(api):
    lib = {"name": "replib", "rules": [{"rule": "a(1)"}, {"rule": "b(x) :- a(x)"}, {"rule": "a(1)"}]}
    lib_id = api("POST", "/v1/librarypolicies", lib)[1]["id"]
    status, body, _ = api("POST", f"/v1/policies?library_policy={lib_id}", {})
    assert status == 201 and len(body["rules"]) == 3
    assert len(api("GET", "/v1/policies/replib/rules")[1]["results"]) == 2
    assert api("GET", "/v1/policies/replib/tables/b/rows")[1] == {"results": [{"data": [1]}]}
