"""Real OpenStack services on 127.0.0.1 for functional tests, through the openstack-lite tool.

The tool lives outside the project (``../shared/tools/openstack-lite`` next to the repository root, or the
path in ``$OPENSTACK_LITE``). A user who cloned only the project does not have it, so every entry point here
skips the calling test, with the reason, instead of failing.

Typical use in a test module::

    @pytest.fixture(scope="session")
    def cloud():
        return openstack_env(["keystone", "neutron"])

``openstack_env`` is cached per service set, so several modules asking for the same services pay for
``openstack-lite up`` once per session (and ``up`` itself is a 0.1 s no-op when the services already run).
Services are left running after the session: the next run reuses them.
"""

from __future__ import annotations

import functools
import os
import shlex
import subprocess
from collections.abc import Iterable
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SCRIPT = REPO_ROOT.parent / "shared" / "tools" / "openstack-lite" / "openstack-lite"
# A cold first `up` builds a venv (~1 min) and may start Nova (~1 min more).
UP_TIMEOUT_S = 1200


def script_path() -> Path:
    """Where the openstack-lite script is expected ($OPENSTACK_LITE overrides the sibling checkout)."""
    return Path(os.environ.get("OPENSTACK_LITE", DEFAULT_SCRIPT))


def parse_env(text: str) -> dict[str, str]:
    """The variables of ``openstack-lite env`` output (``export K='V'`` lines)."""
    env: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("export "):
            continue
        for word in shlex.split(line[len("export ") :]):
            key, sep, value = word.partition("=")
            if sep:
                env[key] = value
    return env


def _run(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(script_path()), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


@functools.cache
def _up(services: tuple[str, ...]) -> dict[str, str] | str:
    """Start the services; the env dict, or the reason they are unavailable (cached, so failures are too)."""
    script = script_path()
    if not script.is_file():
        return f"openstack-lite not found at {script} (set OPENSTACK_LITE or check out ../shared)"
    try:
        up = _run("up", *services, timeout=UP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return f"openstack-lite up {' '.join(services)} timed out after {UP_TIMEOUT_S} s"
    if up.returncode != 0:
        tail = (up.stdout + up.stderr).strip().splitlines()[-15:]
        return f"openstack-lite up {' '.join(services)} failed (rc={up.returncode}):\n" + "\n".join(tail)
    env_out = _run("env", timeout=60)
    if env_out.returncode != 0:
        return f"openstack-lite env failed: {env_out.stderr.strip()}"
    env = parse_env(env_out.stdout)
    if "OS_AUTH_URL" not in env:
        return f"openstack-lite env printed no OS_AUTH_URL: {env_out.stdout!r}"
    return env


def openstack_env(services: Iterable[str] = ("keystone",)) -> dict[str, str]:
    """Bring up the named openstack-lite services and return the variables of ``openstack-lite env``.

    Keys include OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME, OS_USER_DOMAIN_NAME,
    OS_PROJECT_DOMAIN_NAME, OS_REGION_NAME, OS_CLIENT_CONFIG_FILE, OS_CLOUD, OSL_STATE and OSL_VENV.
    Skips the calling test when the tool is absent or ``up`` fails. The returned dict is a fresh copy.
    """
    result = _up(tuple(sorted(set(services))))
    if isinstance(result, str):
        pytest.skip(result)
    return dict(result)


def password_session(
    env: dict[str, str],
    username: str | None = None,
    password: str | None = None,
    project_name: str | None = None,
):
    """A keystoneauth1 session, project-scoped password auth: the admin of ``env`` unless a user is given."""
    from keystoneauth1 import session
    from keystoneauth1.identity import v3

    auth = v3.Password(
        auth_url=env["OS_AUTH_URL"],
        username=username or env["OS_USERNAME"],
        password=password or env["OS_PASSWORD"],
        project_name=project_name or env["OS_PROJECT_NAME"],
        user_domain_name=env.get("OS_USER_DOMAIN_NAME", "Default"),
        project_domain_name=env.get("OS_PROJECT_DOMAIN_NAME", "Default"),
    )
    return session.Session(auth=auth)
