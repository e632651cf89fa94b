"""A data source that rules still read cannot be deleted (the original's DanglingReference, finding F3)."""

from __future__ import annotations


def test_delete_is_refused_while_rules_reference_it(api):
    api(
        "POST", "/v1/data-sources", {"name": "sch", "driver": "push", "config": {"schema": {"t": ["a", "b"]}}}
    )
    api("PUT", "/v1/data-sources/sch/tables/t/rows", [[1, 2]])
    _, rule, _ = api("POST", "/v1/policies/classification/rules", {"rule": "q(x) :- sch:t(x, y)"})
    api("POST", "/v1/policies", {"name": "other"})
    _, negated, _ = api("POST", "/v1/policies/other/rules", {"rule": "r(x) :- s(x), not sch:t(x, 2)"})

    status, body, _ = api("DELETE", "/v1/data-sources/sch")
    assert (status, body["error"]["error_code"]) == (400, 409)
    text = body["error"]["message"]
    assert "sch" in text and "classification" in text and rule["id"] in text
    assert "other" in text and negated["id"] in text
    # nothing changed: the data source, its rows and what the rule derives from them
    assert api("GET", "/v1/data-sources/sch")[0] == 200
    assert api("GET", "/v1/data-sources/sch/tables/t/rows")[1] == {"results": [{"data": [1, 2]}]}
    assert api("GET", "/v1/policies/classification/tables/q/rows")[1] == {"results": [{"data": [1]}]}
    assert api("PUT", "/v1/data-sources/sch/tables/t/rows", [[3, 4]])[0] == 200
    assert api("GET", "/v1/policies/classification/tables/q/rows")[1] == {"results": [{"data": [3]}]}

    api("DELETE", f"/v1/policies/classification/rules/{rule['id']}")
    status, body, _ = api("DELETE", "/v1/data-sources/sch")
    assert (
        status == 400
        and rule["id"] not in body["error"]["message"]
        and negated["id"] in body["error"]["message"]
    )
    api("DELETE", "/v1/policies/other")
    assert api("DELETE", "/v1/data-sources/sch")[:2] == (200, None)
    assert api("GET", "/v1/data-sources/sch")[0] == 404


def test_unreferenced_datasource_is_deleted(api):
    api("POST", "/v1/data-sources", {"name": "free", "driver": "push", "config": {"schema": {"t": ["a"]}}})
    api("POST", "/v1/policies/classification/rules", {"rule": "q(x) :- t(x)"})  # same table name, no prefix
    assert api("DELETE", "/v1/data-sources/free")[:2] == (200, None)
