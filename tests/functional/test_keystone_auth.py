"""congress-server with auth_strategy=keystone against a real Keystone (openstack-lite on 127.0.0.1:5000).

The server validates tokens with keystonemiddleware (service user: the openstack-lite admin). A member
user in a fresh project is created per run and removed afterwards. Checked: admins write, members read but
get a 403 JSON error on writes, missing/bogus/revoked/expired tokens and tokens of deleted users get 401,
a deployer's policy file overrides the defaults, the version document needs no token,
and the real CLI finds the server through the Keystone catalog with password auth (service type
``policy``, registered in a region unique to the run, removed afterwards).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import openstack
import pytest
import requests
from keystoneauth1 import session
from keystoneauth1.identity import v3

from tests.functional.clientenv import ClientEnv, client_or_skip
from tests.functional.openstacklite import openstack_env, password_session

TIMEOUT_S = 30
TRUST_LIFETIME_S = 8  # long enough to use the token once on a loaded machine, short enough to wait out


@dataclass(frozen=True)
class Account:
    username: str
    password: str
    project_name: str


@dataclass(frozen=True)
class Keystone:
    env: dict[str, str]
    conn: Any  # openstack.connection.Connection, authenticated as the admin

    @property
    def auth_url(self) -> str:
        return self.env["OS_AUTH_URL"]

    @property
    def root_url(self) -> str:
        """The identity root (no /v3), as keystonemiddleware and WWW-Authenticate use it."""
        return self.auth_url.rstrip("/").removesuffix("/v3")

    @property
    def admin(self) -> Account:
        return Account(self.env["OS_USERNAME"], self.env["OS_PASSWORD"], self.env["OS_PROJECT_NAME"])

    def token(self, account: Account) -> str:
        sess = password_session(self.env, account.username, account.password, account.project_name)
        return sess.get_token()

    def revoke(self, token: str) -> None:
        self.conn.identity.delete(
            "/auth/tokens", headers={"X-Subject-Token": token}, raise_exc=True
        )


@pytest.fixture(scope="module")
def keystone() -> Keystone:
    env = openstack_env(["keystone"])
    conn = openstack.connect(
        auth_url=env["OS_AUTH_URL"],
        username=env["OS_USERNAME"],
        password=env["OS_PASSWORD"],
        project_name=env["OS_PROJECT_NAME"],
        user_domain_name=env.get("OS_USER_DOMAIN_NAME", "Default"),
        project_domain_name=env.get("OS_PROJECT_DOMAIN_NAME", "Default"),
        region_name=env.get("OS_REGION_NAME", "RegionOne"),
    )
    return Keystone(env, conn)


@pytest.fixture(scope="module")
def make_member(keystone: Keystone) -> Iterator:
    """Creates users with the ``member`` role on a fresh project; deletes them all at the end."""
    conn = keystone.conn
    tag = uuid.uuid4().hex[:8]
    project = conn.identity.create_project(name=f"congress-test-{tag}", domain_id="default")
    role = conn.identity.find_role("member", ignore_missing=False)
    users = []

    def make(suffix: str = "member") -> tuple[Account, object]:
        password = uuid.uuid4().hex
        user = conn.identity.create_user(
            name=f"congress-{suffix}-{tag}", password=password, domain_id="default",
            default_project_id=project.id,
        )
        users.append(user)
        conn.identity.assign_project_role_to_user(project, user, role)
        return Account(user.name, password, project.name), user

    yield make
    for user in users:
        conn.identity.delete_user(user, ignore_missing=True)
    conn.identity.delete_project(project, ignore_missing=True)


@pytest.fixture(scope="module")
def member(make_member) -> Account:
    return make_member()[0]


def keystone_conf(keystone: Keystone, extra: str = "") -> str:
    """congress.conf lines (after [DEFAULT]) for auth_strategy=keystone with the admin as service user."""
    admin = keystone.admin
    return (
        "auth_strategy = keystone\n"
        "[keystone_authtoken]\n"
        f"www_authenticate_uri = {keystone.root_url}\n"
        f"auth_url = {keystone.root_url}\n"
        "auth_type = password\n"
        f"username = {admin.username}\n"
        f"password = {admin.password}\n"
        f"project_name = {admin.project_name}\n"
        "user_domain_name = Default\n"
        "project_domain_name = Default\n"
        f"region_name = {keystone.env.get('OS_REGION_NAME', 'RegionOne')}\n"
        f"{extra}"
    )


@pytest.fixture(scope="module")
def server(server_factory, keystone: Keystone):
    return server_factory(keystone_conf(keystone))


def call(server, method: str, path: str, token: str | None = None, body: object = None) -> requests.Response:
    headers = {"X-Auth-Token": token} if token is not None else {}
    return requests.request(method, server.url + path, headers=headers, json=body, timeout=TIMEOUT_S)


def assert_json_error(resp: requests.Response, status: int) -> dict:
    assert resp.status_code == status, (resp.status_code, resp.text)
    assert resp.headers["Content-Type"].startswith("application/json")
    error = resp.json()["error"]
    assert error["error_code"] == status and error["message"]
    return error


def test_version_document_needs_no_token(server):
    resp = call(server, "GET", "/")
    assert resp.status_code == 200
    assert resp.json()["versions"][0]["id"] == "v1"


def test_admin_token_can_write(server, keystone):
    token = keystone.token(keystone.admin)
    name = f"ks_{uuid.uuid4().hex[:8]}"
    created = call(server, "POST", "/v1/policies", token, {"name": name})
    assert created.status_code == 201, created.text
    listed = call(server, "GET", "/v1/policies", token)
    assert name in {p["name"] for p in listed.json()["results"]}
    assert call(server, "DELETE", f"/v1/policies/{name}", token).status_code == 200


def test_member_token_reads_but_cannot_write(server, keystone, member):
    token = keystone.token(member)
    listed = call(server, "GET", "/v1/policies", token)
    assert listed.status_code == 200, listed.text
    assert {"classification", "action"} <= {p["name"] for p in listed.json()["results"]}
    assert call(server, "GET", "/v1/system/drivers", token).status_code == 200

    name = f"denied_{uuid.uuid4().hex[:8]}"
    error = assert_json_error(call(server, "POST", "/v1/policies", token, {"name": name}), 403)
    assert "policy:create" in error["message"]
    # element routes are checked too: a member may not delete or add rules
    assert_json_error(call(server, "DELETE", "/v1/policies/classification", token), 403)
    assert_json_error(call(server, "POST", "/v1/policies/classification/rules", token, {"rule": "p(1)"}), 403)
    admin_view = call(server, "GET", "/v1/policies", keystone.token(keystone.admin)).json()["results"]
    assert name not in {p["name"] for p in admin_view}, "a denied create changes nothing"


def test_missing_or_bogus_token_is_401(server, keystone):
    for token in (None, "not-a-token", "gAAAAABmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZm"):
        resp = call(server, "GET", "/v1/policies", token)
        assert resp.status_code == 401, (token, resp.status_code, resp.text)
        assert f'Keystone uri="{keystone.root_url}"' in resp.headers.get("WWW-Authenticate", "")


def test_revoked_token_is_401(server, keystone, member):
    token = keystone.token(member)
    keystone.revoke(token)
    assert call(server, "GET", "/v1/policies", token).status_code == 401


def test_expired_token_is_401(server, keystone, member):
    """A token from a trust that expires in a few seconds: accepted while valid, 401 once expired (even
    though the server's token cache has seen it)."""
    trustee = keystone.conn.identity.find_user(member.username, ignore_missing=False)
    admin_user = keystone.conn.identity.find_user(keystone.admin.username, ignore_missing=False)
    admin_project = keystone.conn.identity.find_project(keystone.admin.project_name, ignore_missing=False)
    expires = datetime.now(UTC) + timedelta(seconds=TRUST_LIFETIME_S)
    trust = keystone.conn.identity.create_trust(
        trustor_user_id=admin_user.id, trustee_user_id=trustee.id, project_id=admin_project.id,
        roles=[{"name": "member"}], is_impersonation=False,
        expires_at=expires.strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
    )
    try:
        auth = v3.Password(auth_url=keystone.auth_url, username=member.username, password=member.password,
                           user_domain_name="Default", trust_id=trust.id)
        token = session.Session(auth=auth).get_token()
        assert call(server, "GET", "/v1/policies", token).status_code == 200
        time.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds()) + 1.5)
        assert call(server, "GET", "/v1/policies", token).status_code == 401
    finally:
        keystone.conn.identity.delete_trust(trust, ignore_missing=True)


def test_token_of_deleted_user_is_401(server, keystone, make_member):
    account, user = make_member("deleted")
    token = keystone.token(account)
    keystone.conn.identity.delete_user(user)
    assert call(server, "GET", "/v1/policies", token).status_code == 401


def test_policy_file_overrides_the_defaults(server_factory, keystone, member, tmp_path):
    """A deployer's [oslo_policy] policy_file lets members create policies (and nothing else changes)."""
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text('"policy:create": "role:member"\n')
    custom = server_factory(keystone_conf(keystone, f"[oslo_policy]\npolicy_file = {policy_file}\n"))
    try:
        token = keystone.token(member)
        name = f"bymember_{uuid.uuid4().hex[:8]}"
        assert call(custom, "POST", "/v1/policies", token, {"name": name}).status_code == 201
        assert_json_error(call(custom, "DELETE", f"/v1/policies/{name}", token), 403)
    finally:
        custom.kill()


# --- the real CLI through the Keystone catalog --------------------------------------------------------


@pytest.fixture(scope="module")
def catalog_region(keystone: Keystone, server) -> Iterator[str]:
    """Registers service type ``policy`` with the server's endpoint in a new region; removed afterwards."""
    conn = keystone.conn
    region = conn.identity.create_region(id=f"congress-test-{uuid.uuid4().hex[:8]}")
    service = conn.identity.create_service(type="policy", name=f"congress-{region.id}", enabled=True)
    endpoint = conn.identity.create_endpoint(
        service_id=service.id, interface="public", url=server.url, region_id=region.id, enabled=True
    )
    yield region.id
    conn.identity.delete_endpoint(endpoint, ignore_missing=True)
    conn.identity.delete_service(service, ignore_missing=True)
    conn.identity.delete_region(region, ignore_missing=True)


def run_cli_password(cli: ClientEnv, keystone: Keystone, region: str, account: Account, *args: str):
    return cli.run(
        "--os-auth-url", keystone.auth_url, "--os-identity-api-version", "3",
        "--os-username", account.username, "--os-password", account.password,
        "--os-project-name", account.project_name,
        "--os-user-domain-name", "Default", "--os-project-domain-name", "Default",
        "--os-region-name", region, "--os-interface", "public",
        "congress", *args,
    )


def test_cli_with_password_auth_through_catalog(keystone, member, catalog_region):
    cli = client_or_skip()
    name = f"cli_{uuid.uuid4().hex[:8]}"

    created = run_cli_password(cli, keystone, catalog_region, keystone.admin, "policy", "create", name)
    assert created.returncode == 0, created.stderr
    assert f"| name         | {name}" in created.stdout

    listed = run_cli_password(cli, keystone, catalog_region, member, "policy", "list", "-f", "value",
                              "-c", "name")
    assert listed.returncode == 0, listed.stderr
    assert name in listed.stdout.split() and "classification" in listed.stdout.split()

    denied = run_cli_password(cli, keystone, catalog_region, member, "policy", "delete", name)
    assert denied.returncode != 0
    assert "(HTTP 403)" in denied.stderr

    deleted = run_cli_password(cli, keystone, catalog_region, keystone.admin, "policy", "delete", name)
    assert deleted.returncode == 0, deleted.stderr

    wrong_password = Account(member.username, "wrong", member.project_name)
    bad = run_cli_password(cli, keystone, catalog_region, wrong_password, "policy", "list")
    assert bad.returncode != 0 and "(HTTP 401)" in bad.stderr


def test_cli_with_a_token_and_fixed_endpoint(server, keystone, member):
    """``--os-auth-type admin_token --os-token T --os-endpoint URL``: the token reaches the server as is."""
    cli = client_or_skip()

    def run(token: str, *args: str):
        return cli.run("--os-auth-type", "admin_token", "--os-endpoint", server.url, "--os-token", token,
                       "congress", *args)

    listed = run(keystone.token(member), "policy", "list", "-f", "value", "-c", "name")
    assert listed.returncode == 0, listed.stderr
    assert "classification" in listed.stdout.split()
    denied = run(keystone.token(member), "policy", "create", f"tok_{uuid.uuid4().hex[:8]}")
    assert denied.returncode != 0 and "(HTTP 403)" in denied.stderr
    assert "policy:create" in denied.stderr, "the CLI shows the message of the JSON error body"
    bogus = run("not-a-token", "policy", "list")
    assert bogus.returncode != 0 and "(HTTP 401)" in bogus.stderr
