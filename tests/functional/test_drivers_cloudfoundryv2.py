"""Cloud Foundry v2 over real HTTP: UAA login, paged listings, tables, token renewal, failures."""

from __future__ import annotations

import pytest

from congress.datasources.base import PollError
from congress.datasources.cloudfoundryv2_driver import CloudFoundryV2Driver
from congress.dse.bus import LocalBus
from tests.fakes.cloudfoundry import FakeCloudFoundry
from tests.fakes.openstack import recorded_case
from tests.functional.test_drivers_recorded import assert_case_tables, poll_once


@pytest.fixture
def cf():
    with FakeCloudFoundry.for_driver("cloudfoundryv2") as fake:
        yield fake


def test_login_then_tables_as_recorded(cf):
    case = recorded_case("cloudfoundryv2")
    driver, updates = poll_once(cf, "cloudfoundryv2")
    assert [(r.method, r.path) for r in cf.requests[:2]] == [
        ("GET", "/v2/info"),
        ("POST", "/uaa/oauth/token"),
    ]
    assert len(cf.requests_to("/uaa/oauth/token")) == 1
    assert_case_tables(driver, updates, case)


def test_an_expired_token_is_renewed_once(cf):
    driver = CloudFoundryV2Driver("cf", cf.config(), LocalBus())
    driver.request_refresh()
    cf.revoke()
    driver.request_refresh()
    assert len(cf.requests_to("/uaa/oauth/token")) == 2
    assert driver.status().last_error is None


def test_bad_password_fails_the_poll_and_keeps_tables(cf):
    driver = CloudFoundryV2Driver("cf", cf.config(password="wrong"), LocalBus())
    with pytest.raises(PollError, match="organizations.*401"):
        driver.request_refresh()
    assert driver.tables() == {}
    assert "401" in driver.status().last_error


def test_config_and_no_actions(cf):
    info = CloudFoundryV2Driver.info()
    assert list(info.config) == ["username", "password", "poll_time", "auth_url"]
    assert info.secret == ("password",)
    assert CloudFoundryV2Driver("cf", cf.config(), LocalBus()).actions() == []
