"""The original install guide's bare-bones congress.conf starts the server as written.

Its options in their old places: ``drivers`` as class paths, ``policy_file`` in [DEFAULT] (oslo.policy's
deprecated location), a [keystone_authtoken] section (unused with noauth) and a MySQL database prepared with
``congress-db-manage upgrade head``. The MySQL variant needs MariaDB on 127.0.0.1:3306 (root, no password)
and is skipped without it; the SQLite variant always runs.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.functional.conftest import REPO_ROOT, CongressServer

DRIVER_CLASSES = (
    "congress.datasources.neutronv2_driver.NeutronV2Driver",
    "congress.datasources.glancev2_driver.GlanceV2Driver",
    "congress.datasources.nova_driver.NovaDriver",
    "congress.datasources.keystone_driver.KeystoneDriver",
    "congress.datasources.ceilometer_driver.CeilometerDriver",
    "congress.datasources.cinder_driver.CinderDriver",
    "congress.datasources.swift_driver.SwiftDriver",
    "congress.datasources.plexxi_driver.PlexxiDriver",
    "congress.datasources.vCenter_driver.VCenterDriver",
    "congress.datasources.murano_driver.MuranoDriver",
    "congress.datasources.ironic_driver.IronicDriver",
)
DRIVER_IDS = {
    "neutronv2",
    "glancev2",
    "nova",
    "keystone",
    "ceilometer",
    "cinder",
    "swift",
    "plexxi",
    "vcenter",
    "murano",
    "ironic",
}


class GuideServer(CongressServer):
    """congress-server on the install guide's congress.conf (plus a free port and a private state_path)."""

    def __init__(self, state: Path, connection: str) -> None:
        super().__init__(state)
        self.config_file.write_text(
            "[DEFAULT]\n"
            "auth_strategy = noauth\n"
            "bind_host = 127.0.0.1\n"
            f"bind_port = {self.port}\n"
            f"drivers = {','.join(DRIVER_CLASSES)}\n"
            "policy_file = /etc/congress/policy.json\n"
            f"state_path = {state}\n"
            "\n"
            "[database]\n"
            f"connection = {connection}\n"
            "\n"
            "[keystone_authtoken]\n"
            "auth_type = password\n"
            "auth_url = http://127.0.0.1:5000/\n"
            "www_authenticate_uri = http://127.0.0.1:5000/\n"
            "username = congress\n"
            "password = secret\n"
            "project_name = service\n"
            "user_domain_name = Default\n"
            "project_domain_name = Default\n"
        )


def _mysql_database() -> Iterator[str]:
    pymysql = pytest.importorskip("pymysql")
    try:
        admin = pymysql.connect(host="127.0.0.1", port=3306, user="root", connect_timeout=3)
    except pymysql.MySQLError as exc:
        pytest.skip(f"MariaDB is not reachable on 127.0.0.1:3306: {exc}")
    name = f"congress_guide_{uuid.uuid4().hex[:8]}"
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {name} CHARACTER SET utf8mb4")
    try:
        yield f"mysql+pymysql://root@127.0.0.1/{name}?charset=utf8"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE {name}")
        admin.close()


@pytest.fixture(params=["sqlite", "mysql"])
def guide_server(request, tmp_path) -> Iterator[GuideServer]:
    if request.param == "sqlite":
        connection_iter: Iterator[str] = iter([f"sqlite:///{tmp_path}/congress.sqlite"])
    else:
        connection_iter = _mysql_database()
    connection = next(connection_iter)
    server = GuideServer(tmp_path, connection)
    if request.param == "mysql":
        subprocess.run(
            [sys.executable, "-m", "congress.cmd.db_manage", "--config-file", str(server.config_file)]
            + ["upgrade", "head"],
            check=True,
            cwd=REPO_ROOT,
            timeout=120,
            capture_output=True,
        )
    try:
        yield server.start()
    finally:
        if server.proc is not None:
            server.kill()
        next(connection_iter, None)  # drops the MySQL database


def test_the_install_guide_configuration_serves(guide_server):
    v1 = guide_server.url + "/v1"
    drivers = requests.get(f"{v1}/system/drivers", timeout=30).json()["results"]
    assert {d["id"] for d in drivers} == DRIVER_IDS and len(drivers) == len(DRIVER_IDS)
    config = {
        "auth_url": "http://127.0.0.1:9/v3",
        "username": "admin",
        "password": "secret",
        "project_name": "admin",
        "poll_time": "0",
    }
    body = {"name": "nova", "driver": "nova", "config": config, "description": "from the guide"}
    created = requests.post(f"{v1}/data-sources", json=body, timeout=60)
    assert created.status_code == 201, created.text
    listed = requests.get(f"{v1}/data-sources", timeout=30).json()["results"]
    assert [(d["name"], d["config"]["password"]) for d in listed] == [("nova", "<hidden>")]
    assert requests.get(f"{v1}/policies/nova/tables", timeout=30).status_code == 200
    push = requests.post(f"{v1}/data-sources", json={"name": "p", "driver": "push"}, timeout=30)
    assert push.status_code == 400  # only the configured drivers are offered
