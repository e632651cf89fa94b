"""Pushed datasource data stored one row per table row, not one JSON blob per table.

``datasource_tables`` (a JSON list of rows per table) becomes ``datasource_rows``
(one row each, keyed by the SHA-256 of its JSON text), so a delta writes only
what changed. Upgrade and downgrade move the data.

The row text and its hash are computed here, not imported: a migration must keep
producing what it produced when it was written.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from itertools import groupby

import sqlalchemy as sa
from alembic import op

from congress.db.types import UTCDateTime, exact_string, long_text

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MYSQL = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4"}
_BATCH = 1000

BLOBS = sa.table(
    "datasource_tables",
    sa.column("datasource_id", sa.String),
    sa.column("table_name", sa.String),
    sa.column("rows_json", sa.Text),
    sa.column("updated_at", UTCDateTime()),
)
ROWS = sa.table(
    "datasource_rows",
    sa.column("datasource_id", sa.String),
    sa.column("table_name", sa.String),
    sa.column("row_hash", sa.String),
    sa.column("row_json", sa.Text),
)


def upgrade() -> None:
    op.create_table(
        "datasource_rows",
        sa.Column(
            "datasource_id",
            exact_string(36),
            sa.ForeignKey(
                "datasources.id", ondelete="CASCADE", name="fk_datasource_rows_datasource_id_datasources"
            ),
            primary_key=True,
        ),
        sa.Column("table_name", exact_string(), primary_key=True),
        sa.Column("row_hash", sa.String(64), primary_key=True),
        sa.Column("row_json", long_text(), nullable=False),
        **MYSQL,
    )
    conn = op.get_bind()
    batch: list[dict[str, str]] = []
    blobs = conn.execute(sa.select(BLOBS.c.datasource_id, BLOBS.c.table_name, BLOBS.c.rows_json)).all()
    for ds_id, table, blob in blobs:
        texts = {json.dumps(row, allow_nan=False, separators=(",", ":")) for row in json.loads(blob)}
        for text in texts:
            batch.append(
                {
                    "datasource_id": ds_id,
                    "table_name": table,
                    "row_hash": hashlib.sha256(text.encode()).hexdigest(),
                    "row_json": text,
                }
            )
        if len(batch) >= _BATCH:
            conn.execute(ROWS.insert(), batch)
            batch = []
    if batch:
        conn.execute(ROWS.insert(), batch)
    op.drop_table("datasource_tables")


def downgrade() -> None:
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
    conn = op.get_bind()
    stored = conn.execute(
        sa.select(ROWS.c.datasource_id, ROWS.c.table_name, ROWS.c.row_json).order_by(
            ROWS.c.datasource_id, ROWS.c.table_name, ROWS.c.row_json
        )
    ).all()
    now = datetime.now(UTC)
    for (ds_id, table), rows in groupby(stored, key=lambda r: (r[0], r[1])):
        blob = json.dumps([json.loads(r[2]) for r in rows], ensure_ascii=False, separators=(",", ":"))
        values = {"datasource_id": ds_id, "table_name": table, "rows_json": blob, "updated_at": now}
        conn.execute(BLOBS.insert(), values)
    op.drop_table("datasource_rows")
