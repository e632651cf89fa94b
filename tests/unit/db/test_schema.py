from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from congress.db import schema
from congress.db.models import Base
from congress.db.schema import SchemaNotCurrent

TABLES = {
    "policies",
    "policy_rules",
    "datasources",
    "datasource_rows",
    "library_policies",
    "library_bundled_seeds",
    "action_executions",
}


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_upgrade_and_downgrade(engine: Engine) -> None:
    assert schema.current_revision(engine) is None
    schema.upgrade(engine)
    assert schema.current_revision(engine) == schema.head_revision()
    assert _tables(engine) == TABLES
    schema.downgrade(engine, "base")
    assert schema.current_revision(engine) is None
    assert _tables(engine) == set()
    schema.upgrade(engine)  # and up again on the same database
    assert _tables(engine) == TABLES


def test_migrations_create_exactly_the_models(engine: Engine) -> None:
    schema.upgrade(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_ids_and_names_are_case_sensitive_even_in_a_case_insensitive_mysql_database(engine: Engine) -> None:
    schema.upgrade(engine)
    with engine.begin() as conn:
        for name in ("Nova", "nova"):  # both the primary key and the unique name differ only in case
            conn.execute(
                text(
                    "INSERT INTO datasources"
                    " (id, name, driver, description, enabled, config, secret_keys, created_at)"
                    " VALUES (:id, :name, 'nova', '', true, 'null', '[]', CURRENT_TIMESTAMP)"
                ),
                {"id": name, "name": name},
            )
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM datasources WHERE name = 'nova'")).scalar_one() == 1
        assert conn.execute(text("SELECT count(*) FROM datasources WHERE id = 'NOVA'")).scalar_one() == 0


def test_ensure_schema_upgrades_sqlite_only_by_default(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        schema.ensure_schema(engine)
        assert schema.current_revision(engine) == schema.head_revision()
    else:
        with pytest.raises(
            SchemaNotCurrent, match="congress-db-manage --config-file <congress.conf> upgrade head"
        ):
            schema.ensure_schema(engine)
        assert _tables(engine) == set()
        schema.ensure_schema(engine, auto_upgrade=True)
    assert _tables(engine) == TABLES
    schema.ensure_schema(engine, auto_upgrade=False)  # at head: nothing to do, no error


def test_ensure_schema_refuses_a_database_from_a_newer_congress(engine: Engine) -> None:
    schema.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'f00dfeed'"))
    with pytest.raises(SchemaNotCurrent, match="f00dfeed, which this version of Congress does not know"):
        schema.ensure_schema(engine, auto_upgrade=True)
