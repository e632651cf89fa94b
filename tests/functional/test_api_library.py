"""Library policies over HTTP, and creating a live policy from one."""

from __future__ import annotations

import uuid

import pytest
import requests


@pytest.fixture(scope="module")
def url(congress_server) -> str:
    return congress_server.url + "/v1"


def test_library_crud_and_activation(url):
    name = f"lib_{uuid.uuid4().hex[:8]}"
    rules = [{"rule": 'warn(x) :- nova:servers(id=x, status="ERROR")', "name": "w", "comment": "errors"}]
    resp = requests.post(f"{url}/librarypolicies", json={"name": name, "description": "d", "rules": rules})
    assert resp.status_code == 201
    lib = resp.json()
    assert lib["rules"] == rules and lib["abbreviation"] == name[:5]
    assert requests.get(f"{url}/librarypolicies/{lib['id']}").json() == lib
    assert "rules" not in requests.get(f"{url}/librarypolicies/{lib['id']}?include_rules=False").json()
    found = requests.get(f"{url}/librarypolicies", params={"name": name, "include_rules": "False"}).json()
    assert found == {"results": [{k: v for k, v in lib.items() if k != "rules"}]}
    assert requests.post(f"{url}/librarypolicies", json={"name": name, "rules": []}).status_code == 409
    violation = requests.post(f"{url}/librarypolicies", json={"name": "x", "rules": "nope"})
    assert violation.status_code == 400 and violation.json()["error"]["error_data"]
    assert requests.get(f"{url}/librarypolicies/{uuid.uuid4()}").status_code == 404

    replaced = requests.put(
        f"{url}/librarypolicies/{lib['id']}",
        json={"name": name, "rules": [{"rule": "p(1)"}], "kind": "Action"},
    )
    assert replaced.status_code == 200 and replaced.json()["kind"] == "action"
    activated = requests.post(f"{url}/policies", params={"library_policy": lib["id"]})
    assert activated.status_code == 201
    assert activated.json()["name"] == name and activated.json()["rules"] == [
        {"rule": "p(1)", "name": None, "comment": ""}
    ]
    assert (
        requests.post(f"{url}/policies", params={"library_policy": str(uuid.uuid4())}, json={}).status_code
        == 404
    )
    assert requests.delete(f"{url}/librarypolicies/{lib['id']}").json()["rules"] == [{"rule": "p(1)"}]
    assert requests.delete(f"{url}/librarypolicies/{lib['id']}").status_code == 404
