"""The tables of Congress's database, as SQLAlchemy ORM classes.

Only the repositories use them; everyone else gets the plain records of
``congress.db.records`` through ``congress.db.api``. The Alembic revisions in
``congress/db/migration`` create exactly these tables (a test compares them).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from congress.db.types import UTCDateTime, exact_string, long_text, utcnow

# Fixed constraint names, so later migrations can address them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# InnoDB for transactions and foreign keys; utf8mb4 whatever the server's default charset is.
MYSQL_TABLE_ARGS = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4"}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Policy(Base):
    __tablename__ = "policies"
    __table_args__ = MYSQL_TABLE_ARGS

    id: Mapped[str] = mapped_column(exact_string(36), primary_key=True)
    name: Mapped[str] = mapped_column(exact_string(), unique=True)
    abbreviation: Mapped[str] = mapped_column(String(5))
    description: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    owner_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PolicyRule(Base):
    """One rule of a policy; ``seq`` keeps the order rules were inserted in."""

    __tablename__ = "policy_rules"
    __table_args__ = MYSQL_TABLE_ARGS

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(exact_string(36), unique=True)
    policy_id: Mapped[str] = mapped_column(
        exact_string(36), ForeignKey("policies.id", ondelete="CASCADE"), index=True
    )
    rule: Mapped[str] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(String(255))
    comment: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Datasource(Base):
    """A configured data source. ``config`` is JSON whose secret values are Fernet tokens."""

    __tablename__ = "datasources"
    __table_args__ = MYSQL_TABLE_ARGS

    id: Mapped[str] = mapped_column(exact_string(36), primary_key=True)
    name: Mapped[str] = mapped_column(exact_string(), unique=True)
    driver: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean)
    config: Mapped[str] = mapped_column(Text)
    secret_keys: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DatasourceRow(Base):
    """One row of a datasource table fed by pushes or webhooks, kept so it survives a restart.

    ``row_json`` is the row as a JSON array; ``row_hash`` its SHA-256 (hex), which keys the row
    (a JSON text may be longer than an index can take).
    """

    __tablename__ = "datasource_rows"
    __table_args__ = MYSQL_TABLE_ARGS

    datasource_id: Mapped[str] = mapped_column(
        exact_string(36), ForeignKey("datasources.id", ondelete="CASCADE"), primary_key=True
    )
    table_name: Mapped[str] = mapped_column(exact_string(), primary_key=True)
    row_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    row_json: Mapped[str] = mapped_column(long_text())


class LibraryPolicy(Base):
    __tablename__ = "library_policies"
    __table_args__ = MYSQL_TABLE_ARGS

    id: Mapped[str] = mapped_column(exact_string(36), primary_key=True)
    name: Mapped[str] = mapped_column(exact_string(), unique=True)
    abbreviation: Mapped[str] = mapped_column(String(5))
    description: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    rules: Mapped[str] = mapped_column(long_text())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BundledLibrarySeed(Base):
    """Names of bundled library policies once loaded, so a restart never re-adds what an operator deleted."""

    __tablename__ = "library_bundled_seeds"
    __table_args__ = MYSQL_TABLE_ARGS

    name: Mapped[str] = mapped_column(exact_string(), primary_key=True)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ActionExecution(Base):
    __tablename__ = "action_executions"
    __table_args__ = {
        **MYSQL_TABLE_ARGS,
        "sqlite_autoincrement": True,
    }  # never reuse a seq, even after the newest row is gone

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    time: Mapped[datetime] = mapped_column(UTCDateTime())
    policy: Mapped[str] = mapped_column(String(255))
    service: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(255))
    args: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)
