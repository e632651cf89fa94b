"""Schema versions: Alembic driven from code (no alembic.ini), revisions in ``congress/db/migration``.

``ensure_schema`` is what the server calls at start. By default it upgrades a
SQLite database by itself (a single-node default install needs no extra step)
and, for MySQL/PostgreSQL, refuses to start on an old schema so the operator
runs ``congress-db-manage --config-file congress.conf upgrade head`` when
they choose. A database newer than the code is always refused.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from congress.exceptions import CongressError

MIGRATION_DIR = Path(__file__).parent / "migration"


class SchemaNotCurrent(CongressError):
    code = "schema_not_current"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config for our migrations; env.py runs them on ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATION_DIR))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the package ships at least one revision"
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None for a database never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)


def ensure_schema(engine: Engine, *, auto_upgrade: bool | None = None) -> None:
    """Make sure the schema is at head: upgrade when allowed, else raise SchemaNotCurrent.

    ``auto_upgrade`` None means: upgrade SQLite databases, not the others.
    """
    if auto_upgrade is None:
        auto_upgrade = engine.dialect.name == "sqlite"
    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
    # One transaction for check and upgrade: on SQLite (BEGIN IMMEDIATE) two starting servers take turns.
    with engine.begin() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
        if current == head:
            return
        if current is not None and current not in {rev.revision for rev in script.walk_revisions()}:
            raise SchemaNotCurrent(
                f"the database schema is at revision {current}, which this version of Congress does not know "
                "(the database was upgraded by a newer Congress)"
            )
        if not auto_upgrade:
            raise SchemaNotCurrent(
                f"the database schema is at revision {current or '(empty)'} but this Congress needs {head}; "
                "run: congress-db-manage --config-file <congress.conf> upgrade head"
            )
        command.upgrade(alembic_config(connection), "head")
