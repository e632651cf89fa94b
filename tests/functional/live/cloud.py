"""The live openstack-lite cloud for the live tests: connections, driver configs, resources.

Everything here talks to the real services started by ``tests.functional.openstacklite`` (which skips the
test when the tool is absent or ``up`` fails). Resources get unique names, so runs never collide with each
other or with what earlier runs left behind; ``Cleanup`` deletes them in reverse order even when a test
fails half-way.
"""

from __future__ import annotations

import io
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import openstack
from openstack import exceptions as sdk_exceptions

from tests.functional.openstacklite import openstack_env

SERVICES = ("keystone", "glance", "neutron", "nova")
FLAVOR_NAME = "congress-live-1g"
IMAGE_NAME = "congress-live-image"
BOOT_TIMEOUT_S = 120

T = TypeVar("T")


def live_env() -> dict[str, str]:
    """The variables of ``openstack-lite env`` with Keystone, Glance, Neutron and Nova up (or skip)."""
    return openstack_env(SERVICES)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def connect(env: dict[str, str], *, username: str | None = None, password: str | None = None,
            project_id: str | None = None) -> openstack.connection.Connection:
    """An openstacksdk connection as the admin, or as another user scoped to ``project_id``."""
    scope = {"project_id": project_id} if project_id else {
        "project_name": env["OS_PROJECT_NAME"], "project_domain_name": env["OS_PROJECT_DOMAIN_NAME"]}
    return openstack.connect(
        auth_url=env["OS_AUTH_URL"],
        username=username or env["OS_USERNAME"],
        password=password or env["OS_PASSWORD"],
        user_domain_name=env["OS_USER_DOMAIN_NAME"],
        region_name=env["OS_REGION_NAME"],
        **scope,
    )


def driver_config(env: dict[str, str], poll_time: float = 0) -> dict[str, Any]:
    """A datasource config with the admin credentials, as an operator would POST it."""
    return {
        "auth_url": env["OS_AUTH_URL"],
        "username": env["OS_USERNAME"],
        "password": env["OS_PASSWORD"],
        "project_name": env["OS_PROJECT_NAME"],
        "user_domain_name": env["OS_USER_DOMAIN_NAME"],
        "project_domain_name": env["OS_PROJECT_DOMAIN_NAME"],
        "region": env["OS_REGION_NAME"],
        "poll_time": poll_time,
    }


def wait_until(check: Callable[[], T], what: str, timeout: float = 30, interval: float = 0.5) -> T:
    """Call ``check`` until it returns something truthy; that value, or AssertionError naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what} (last: {value!r})")
        time.sleep(interval)


class Cleanup:
    """Deletions to run at the end of a test, newest first; a resource already gone is fine."""

    def __init__(self) -> None:
        self._steps: list[Callable[[], Any]] = []

    def add(self, step: Callable[[], Any]) -> None:
        self._steps.append(step)

    def run(self) -> None:
        errors = []
        while self._steps:
            try:
                self._steps.pop()()
            except sdk_exceptions.NotFoundException:
                pass
            except Exception as exc:  # keep cleaning; report at the end
                errors.append(exc)
        if errors:
            raise AssertionError(f"cleanup failed: {errors}")


def tiny_flavor(conn: openstack.connection.Connection) -> Any:
    """A shared public flavor (1 vCPU, 64 MB, 1 GB disk: non-admins may not boot zero-disk flavors)."""
    flavor = conn.compute.find_flavor(FLAVOR_NAME)
    if flavor is None:
        try:
            flavor = conn.compute.create_flavor(name=FLAVOR_NAME, ram=64, vcpus=1, disk=1)
        except sdk_exceptions.ConflictException:  # another run created it meanwhile
            flavor = conn.compute.find_flavor(FLAVOR_NAME)
    return flavor


def boot_image(conn: openstack.connection.Connection) -> Any:
    """A shared active public image to boot from (the fake hypervisor never reads it)."""
    for image in conn.image.images(name=IMAGE_NAME):
        if image.status == "active":
            return image
    image = conn.image.create_image(
        name=IMAGE_NAME, disk_format="raw", container_format="bare", visibility="public",
        data=io.BytesIO(b"\0" * 512), wait=True,
    )
    return conn.image.get_image(image.id)


def boot_server(conn: openstack.connection.Connection, cleanup: Cleanup, name: str, admin: Any,
                networks: Any = "none") -> Any:
    """Create a server on the fake hypervisor (not waiting); ``admin`` finds the shared flavor and image."""
    server = conn.compute.create_server(
        name=name, flavor_id=tiny_flavor(admin).id, image_id=boot_image(admin).id, networks=networks
    )
    cleanup.add(lambda: delete_server(admin, server.id))
    return server


def wait_status(conn: openstack.connection.Connection, server_id: str, status: str) -> Any:
    return conn.compute.wait_for_server(
        conn.compute.get_server(server_id), status=status, wait=BOOT_TIMEOUT_S, interval=1
    )


def delete_server(conn: openstack.connection.Connection, server_id: str) -> None:
    """Delete a server and wait until Nova answers 404 for it (already gone is fine).

    Not ``wait_for_delete``: that returns at status DELETED, while Nova still lists the server.
    """
    conn.compute.delete_server(server_id, ignore_missing=True)

    def gone() -> bool:
        try:
            conn.compute.get_server(server_id)
        except sdk_exceptions.NotFoundException:
            return True
        return False

    wait_until(gone, f"server {server_id} to be deleted", timeout=BOOT_TIMEOUT_S)
