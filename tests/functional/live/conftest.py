"""Fixtures of the tests against live OpenStack services (openstack-lite): its env, an admin connection,
and cleanup steps run after each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.functional.live.cloud import Cleanup, connect, live_env


@pytest.fixture(scope="module")
def env() -> dict[str, str]:
    return live_env()


@pytest.fixture(scope="module")
def admin(env):
    return connect(env)


@pytest.fixture
def cleanup() -> Iterator[Cleanup]:
    steps = Cleanup()
    yield steps
    steps.run()
