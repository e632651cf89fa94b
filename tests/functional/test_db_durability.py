"""Once a repository call returns, its write survives the process dying right after (no clean shutdown)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import URL

from congress.db import schema
from congress.db.api import Database
from congress.db.engine import create_engine
from tests.unit.db.backends import BACKENDS, Unavailable, any_database

WRITER = textwrap.dedent(
    """
    import os, sys
    from congress.db.api import Database
    db = Database.connect(sys.argv[1], key_file=sys.argv[2])
    db.datasources.create("push1", "push", config={"token": "t0p"}, secret_fields=["token"])
    db.table_data.replace_table("push1", "data", [(1, 2.0, "x")])
    db.table_data.update_table("push1", "data", insert=[(3.0, 4, "y")])
    db.policies.create("p")
    db.policies.add_rule("p", "p(1)", name="r")
    db.executions.append("p", "push1", "act", {"positional": [1.5]}, status="ok")
    os._exit(0)  # die without closing connections or disposing the engine
    """
)


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[URL]:
    try:
        with any_database(request.param, tmp_path) as url:
            yield url
    except Unavailable as exc:
        pytest.skip(str(exc))


def test_writes_survive_an_abrupt_exit(db_url: URL, tmp_path: Path) -> None:
    engine = create_engine(db_url)
    schema.upgrade(engine)
    engine.dispose()
    key_file = tmp_path / "keys" / "aes_key"
    url_text = db_url.render_as_string(hide_password=False)
    subprocess.run([sys.executable, "-c", WRITER, url_text, str(key_file)], check=True, timeout=120)

    db = Database.connect(db_url, key_file=key_file)
    try:
        assert db.datasources.get("push1").config == {"token": "t0p"}
        rows = db.table_data.rows("push1", "data")
        assert rows == [(1, 2.0, "x"), (3.0, 4, "y")]
        assert [type(v) for v in rows[1]] == [float, int, str]
        assert [(r.rule, r.name) for r in db.policies.rules("p")] == [("p(1)", "r")]
        assert [e.args for e in db.executions.since()] == [{"positional": [1.5]}]
    finally:
        db.close()
