"""oslo.policy authorization as keystonemiddleware leaves a request: reads for all, writes for admins."""

from __future__ import annotations

import pytest
from oslo_config import cfg
from oslo_policy import opts

from congress.api.app import RootApp, build_router, route_table
from congress.api.authz import Authorizer
from congress.api.versions import VersionsApp
from tests.unit.api.conftest import Client


def _conf(policy_file=None) -> cfg.ConfigOpts:
    conf = cfg.ConfigOpts()
    conf([], project="congress-test", default_config_files=[], default_config_dirs=[])
    if policy_file is not None:
        opts.set_defaults(conf, policy_file=str(policy_file))
    return conf


def _client(services, conf) -> Client:
    return Client(RootApp(build_router(services, Authorizer(conf, route_table())), VersionsApp()))


def _headers(*roles: str) -> dict[str, str]:
    return {
        "X-Roles": ",".join(roles),
        "X-User-Id": "u1",
        "X-Project-Id": "p1",
        "X-Identity-Status": "Confirmed",
    }


def test_members_read_admins_write(services):
    api = _client(services, _conf())
    assert api("GET", "/v1/policies", headers=_headers("member"))[0] == 200
    status, body, _ = api("POST", "/v1/policies", {"name": "x"}, headers=_headers("member"))
    assert (status, body["error"]["error_code"]) == (403, 403) and "policy:create" in body["error"]["message"]
    assert (
        api(
            "POST", "/v1/policies/classification?action=query", {"query": "p(x)"}, headers=_headers("member")
        )[0]
        == 200
    )
    assert api("DELETE", "/v1/policies/classification/rules/r", headers=_headers("member"))[0] == 403
    assert api("POST", "/v1/policies", {"name": "x"}, headers=_headers("admin"))[0] == 201
    assert api("GET", "/", headers={})[0] == 200


def test_policy_file_overrides_defaults(services, tmp_path):
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text('"policy:create": "role:member"\n"policy:get": "role:admin"\n')
    api = _client(services, _conf(policy_file))
    assert api("POST", "/v1/policies", {"name": "y"}, headers=_headers("member"))[0] == 201
    assert api("GET", "/v1/policies", headers=_headers("member"))[0] == 403


@pytest.mark.parametrize(
    "rule", ["policy:get", "datasource_row:replace", "policy:simulate", "library_policy:replace"]
)
def test_every_route_rule_is_registered(rule):
    assert rule in dict(route_table())
