"""Persistence: SQLAlchemy models, repositories and Alembic migrations.

Start at ``congress.db.api.Database``: it opens an engine (``congress.db.engine``:
SQLite by default, ``mysql+pymysql://``, ``postgresql+psycopg://``) and holds one
repository per kind of state, each method its own transaction returning frozen
records (``congress.db.records``).

* Secrets: data source config values the driver marks secret are stored as
  Fernet tokens; the key lives in ``<encryption_key_path>/aes_key``, made 0600
  on first use (``congress.db.secrets``).
* Schema: ``congress.db.schema`` runs the revisions in ``congress/db/migration``;
  the server calls ``ensure_schema`` at start (SQLite upgrades itself), operators
  run ``congress-db-manage --config-file congress.conf upgrade head``.
"""
