"""congress-db-manage as a real process on SQLite, MariaDB and PostgreSQL (the servers skip when absent)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import URL, inspect

from congress.db import schema
from congress.db.api import Database
from congress.db.engine import create_engine
from tests.unit.db.backends import BACKENDS, Unavailable, any_database


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[URL]:
    try:
        with any_database(request.param, tmp_path) as url:
            yield url
    except Unavailable as exc:
        pytest.skip(str(exc))


def _config_file(tmp_path: Path, url: URL) -> Path:
    conf = tmp_path / "congress.conf"
    conf.write_text(
        f"[DEFAULT]\nstate_path = {tmp_path / 'state'}\n"
        f"[database]\nconnection = {url.render_as_string(hide_password=False)}\n"
    )
    return conf


def _last_line(output: str) -> str:
    """The command's own answer (oslo.log may print log lines before it on stdout)."""
    return output.strip().splitlines()[-1]


def _db_manage(conf: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "congress.cmd.db_manage", "--config-file", str(conf), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_upgrade_current_downgrade(db_url: URL, tmp_path: Path) -> None:
    conf = _config_file(tmp_path, db_url)
    head = schema.head_revision()

    assert _last_line(_db_manage(conf, "current").stdout) == f"base (head is {head})"
    upgraded = _db_manage(conf, "upgrade", "head")
    assert upgraded.returncode == 0, upgraded.stderr
    assert _last_line(_db_manage(conf, "current").stdout) == f"{head} (head)"

    # the schema it made is usable by a server process opening the database afresh
    database = Database.connect(db_url, key_file=tmp_path / "keys" / "aes_key")
    database.ensure_schema(auto_upgrade=False)
    database.policies.create("after_cli")
    database.close()

    downgraded = _db_manage(conf, "downgrade", "base")
    assert downgraded.returncode == 0, downgraded.stderr
    engine = create_engine(db_url)
    assert inspect(engine).get_table_names() in ([], ["alembic_version"])
    engine.dispose()


def test_upgrade_is_idempotent_and_unknown_revision_fails_cleanly(db_url: URL, tmp_path: Path) -> None:
    conf = _config_file(tmp_path, db_url)
    assert _db_manage(conf, "upgrade").returncode == 0
    again = _db_manage(conf, "upgrade", "head")
    assert (
        again.returncode == 0
        and _last_line(again.stdout) == f"database schema at revision {schema.head_revision()}"
    )
    bad = _db_manage(conf, "downgrade", "no_such_rev")
    assert bad.returncode == 1
    assert "no_such_rev" in bad.stderr and "Traceback" not in bad.stderr
    _db_manage(conf, "downgrade", "base")


def test_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    url = URL.create("postgresql+psycopg", username="nobody", host="127.0.0.1", port=1, database="x")
    result = _db_manage(_config_file(tmp_path, url), "upgrade", "head")
    assert result.returncode == 1
    assert result.stderr.startswith("database error:") and "Traceback" not in result.stderr
