"""The persistence API of Congress: one ``Database`` object holding the repositories.

Typical use by the server::

    db = Database.connect(conf.database.connection, key_file=key_file_in(conf.encryption_key_path))
    db.ensure_schema()              # upgrades SQLite automatically; see congress.db.schema
    db.library.seed(load_bundled_library().policies)
    for name, rules in db.policies.rules_by_policy().items(): ...

Every repository method is one transaction: it commits before returning, or
raises (a ``congress.exceptions.CongressError`` for bad input or a missing or
duplicate object) having written nothing. Methods return the frozen records of
``congress.db.records``; all are safe to call from several threads.
"""

from __future__ import annotations

import os

from sqlalchemy import URL, Engine

from congress.db import schema
from congress.db.commits import Commits, SerialCommits, SharedCommits
from congress.db.datasources import DatasourceRepository
from congress.db.engine import create_engine, is_sqlite_file, make_sessionmaker
from congress.db.executions import ExecutionLogRepository
from congress.db.library import LibraryPolicyRepository
from congress.db.policies import PolicyRepository
from congress.db.records import (
    DatasourceRecord,
    ExecutionRecord,
    LibraryPolicyRecord,
    NewLibraryPolicy,
    NewRule,
    PolicyRecord,
    RuleRecord,
)
from congress.db.secrets import SecretBox, key_file_in
from congress.db.table_data import DatasourceDataRepository
from congress.engine.interface import Row

__all__ = [
    "Database",
    "DatasourceDataRepository",
    "DatasourceRecord",
    "DatasourceRepository",
    "ExecutionLogRepository",
    "ExecutionRecord",
    "LibraryPolicyRecord",
    "LibraryPolicyRepository",
    "NewLibraryPolicy",
    "NewRule",
    "PolicyRecord",
    "PolicyRepository",
    "Row",
    "RuleRecord",
    "SecretBox",
    "key_file_in",
]


class Database:
    """An engine and the repositories over it.

    Attributes: ``policies`` (policies and their rules), ``datasources``
    (configs with encrypted secrets), ``table_data`` (pushed datasource rows),
    ``library`` (library policies), ``executions`` (the action execution log),
    ``policy_commits`` (turns for policy and rule writes, see ``congress.db.commits``).
    """

    def __init__(self, engine: Engine, secrets: SecretBox) -> None:
        self.engine = engine
        sessions = make_sessionmaker(engine)
        self.policies = PolicyRepository(sessions)
        self.policy_commits: Commits = (
            SharedCommits(engine) if is_sqlite_file(engine.url) else SerialCommits(self.policies)
        )
        self.datasources = DatasourceRepository(sessions, secrets)
        self.table_data = DatasourceDataRepository(sessions)
        self.library = LibraryPolicyRepository(sessions)
        self.executions = ExecutionLogRepository(sessions)

    @classmethod
    def connect(cls, url: str | URL, *, key_file: str | os.PathLike[str]) -> Database:
        """Open the database at ``url``; secrets use the Fernet key in ``key_file`` (created on first use)."""
        return cls(create_engine(url), SecretBox(key_file))

    def ensure_schema(self, *, auto_upgrade: bool | None = None) -> None:
        """Bring the schema to head or fail clearly; see ``congress.db.schema.ensure_schema``."""
        schema.ensure_schema(self.engine, auto_upgrade=auto_upgrade)

    def close(self) -> None:
        self.policy_commits.close()
        self.engine.dispose()
