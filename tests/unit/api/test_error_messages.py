"""Error messages say their reason once (findings F4, F6)."""

from __future__ import annotations


def message(answer: tuple) -> tuple[int, int, str]:
    status, body, _ = answer
    return status, body["error"]["error_code"], body["error"]["message"]


def test_simulate_errors_do_not_repeat_their_prefix(api):
    api("POST", "/v1/policies", {"name": "sim"})
    body = {"query": "q(x)", "sequence": "nosuch:t+(1, 2)", "action_policy": "action"}
    assert message(api("POST", "/v1/policies/sim?action=simulate", body)) == (
        500,
        1007,
        "Error in simulate procedure::unknown policy nosuch",
    )


def test_not_found_is_said_once(api):
    api("POST", "/v1/policies", {"name": "nf"})
    api("POST", "/v1/policies/nf/rules", {"rule": "p(1)"})
    assert message(api("GET", "/v1/policies/nf/tables/nosuch")) == (404, 404, "Not found")
    assert message(api("GET", "/v1/policies/nf/rules/00000000-0000-0000-0000-000000000000")) == (
        404,
        404,
        "Not found",
    )
    api("POST", "/v1/data-sources", {"name": "ds", "driver": "push", "config": {"schema": {"t": ["a"]}}})
    assert message(api("GET", "/v1/data-sources/ds/tables/nosuch")) == (404, 404, "Not found")
