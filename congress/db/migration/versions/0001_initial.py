"""Initial schema: policies, rules, data sources, pushed table data, library policies, execution log.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from congress.db.types import UTCDateTime, exact_string, long_text

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

MYSQL = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4"}


def upgrade() -> None:
    op.create_table(
        "policies",
        sa.Column("id", exact_string(36), primary_key=True),
        sa.Column("name", exact_string(), nullable=False),
        sa.Column("abbreviation", sa.String(5), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("owner_id", sa.String(255), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("name", name="uq_policies_name"),
        **MYSQL,
    )
    op.create_table(
        "policy_rules",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("id", exact_string(36), nullable=False),
        sa.Column(
            "policy_id",
            exact_string(36),
            sa.ForeignKey("policies.id", ondelete="CASCADE", name="fk_policy_rules_policy_id_policies"),
            nullable=False,
        ),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("name", sa.String(255), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("id", name="uq_policy_rules_id"),
        **MYSQL,
    )
    op.create_index("ix_policy_rules_policy_id", "policy_rules", ["policy_id"])
    op.create_table(
        "datasources",
        sa.Column("id", exact_string(36), primary_key=True),
        sa.Column("name", exact_string(), nullable=False),
        sa.Column("driver", sa.String(255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("config", sa.Text(), nullable=False),
        sa.Column("secret_keys", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("name", name="uq_datasources_name"),
        **MYSQL,
    )
    op.create_table(
        "datasource_tables",
        sa.Column(
            "datasource_id",
            exact_string(36),
            sa.ForeignKey(
                "datasources.id", ondelete="CASCADE", name="fk_datasource_tables_datasource_id_datasources"
            ),
            primary_key=True,
        ),
        sa.Column("table_name", exact_string(), primary_key=True),
        sa.Column("rows_json", long_text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        **MYSQL,
    )
    op.create_table(
        "library_policies",
        sa.Column("id", exact_string(36), primary_key=True),
        sa.Column("name", exact_string(), nullable=False),
        sa.Column("abbreviation", sa.String(5), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("rules", long_text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("name", name="uq_library_policies_name"),
        **MYSQL,
    )
    op.create_table(
        "library_bundled_seeds",
        sa.Column("name", exact_string(), primary_key=True),
        sa.Column("loaded_at", UTCDateTime(), nullable=False),
        **MYSQL,
    )
    op.create_table(
        "action_executions",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("time", UTCDateTime(), nullable=False),
        sa.Column("policy", sa.String(255), nullable=False),
        sa.Column("service", sa.String(255), nullable=False),
        sa.Column("action", sa.String(255), nullable=False),
        sa.Column("args", sa.Text(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sqlite_autoincrement=True,
        **MYSQL,
    )


def downgrade() -> None:
    for table in (
        "action_executions",
        "library_bundled_seeds",
        "library_policies",
        "datasource_tables",
        "datasources",
        "policy_rules",
        "policies",
    ):
        op.drop_table(table)
