"""Configured data sources, with the secret config values encrypted at rest.

The caller names the secret fields (the driver's ``secret`` list) when it
creates a data source; each such value present in the config is stored as a
Fernet token of its JSON encoding (so a secret keeps its type), and the stored
``secret_keys`` column records which fields to decrypt when reading back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from congress.db.models import Datasource
from congress.db.records import DatasourceRecord
from congress.db.repository import Repository, find_by_name_or_id, new_id
from congress.db.secrets import SecretBox
from congress.db.types import dump_json, load_json
from congress.exceptions import DatasourceAlreadyExists, DatasourceNotFound


class DatasourceRepository(Repository):
    def __init__(self, sessions: sessionmaker[Session], secrets: SecretBox) -> None:
        super().__init__(sessions)
        self._secrets = secrets

    def create(
        self,
        name: str,
        driver: str,
        *,
        config: Mapping[str, Any] | None = None,
        secret_fields: Iterable[str] = (),
        description: str = "",
        enabled: bool = True,
        id: str | None = None,
    ) -> DatasourceRecord:
        """Store a data source; the config values named in ``secret_fields`` are encrypted.

        Raises DatasourceAlreadyExists for a taken name or id.
        """
        stored_config, secret_keys = self._seal(config, secret_fields)
        with self._transaction() as session:
            if session.scalars(select(Datasource.id).where(Datasource.name == name)).first() is not None:
                raise DatasourceAlreadyExists(f"Datasource already in use with name {name}")
            if id is not None and session.get(Datasource, id) is not None:
                raise DatasourceAlreadyExists(f"Datasource already in use with id {id}")
            row = Datasource(
                id=id or new_id(),
                name=name,
                driver=driver,
                description=description,
                enabled=enabled,
                config=dump_json(stored_config),
                secret_keys=dump_json(secret_keys),
            )
            session.add(row)
            try:
                session.flush()
            except IntegrityError as exc:
                raise DatasourceAlreadyExists(f"Datasource already in use with name {name}") from exc
            return _record(row, None if config is None else dict(config), secret_keys)

    def get(self, name_or_id: str) -> DatasourceRecord:
        with self._transaction(read_only=True) as session:
            return self._open(find_datasource(session, name_or_id))

    def list(self) -> list[DatasourceRecord]:
        with self._transaction(read_only=True) as session:
            rows = session.scalars(select(Datasource).order_by(Datasource.created_at, Datasource.name)).all()
        return [self._open(row) for row in rows]

    def delete(self, name_or_id: str) -> DatasourceRecord:
        """Delete a data source and its pushed table data; returns what was deleted."""
        with self._transaction() as session:
            row = find_datasource(session, name_or_id, for_update=True)
            session.delete(row)  # datasource_tables rows go by ON DELETE CASCADE
            return self._open(row)

    def _seal(
        self, config: Mapping[str, Any] | None, secret_fields: Iterable[str]
    ) -> tuple[dict[str, Any] | None, list[str]]:
        if config is None:
            return None, []
        secret_keys = sorted(set(secret_fields) & set(config))
        sealed = dict(config)
        for key in secret_keys:
            sealed[key] = self._secrets.encrypt(dump_json(config[key]))
        return sealed, secret_keys

    def _open(self, row: Datasource) -> DatasourceRecord:
        config = load_json(row.config)
        secret_keys = load_json(row.secret_keys)
        if config is not None:
            for key in secret_keys:
                config[key] = load_json(self._secrets.decrypt(config[key]))
        return _record(row, config, secret_keys)


def find_datasource(session: Session, name_or_id: str, *, for_update: bool = False) -> Datasource:
    """The data source with this id or name; raises DatasourceNotFound."""
    found = find_by_name_or_id(session, Datasource, name_or_id, for_update=for_update)
    if found is None:
        raise DatasourceNotFound(f"Datasource not found {name_or_id}")
    return found


def _record(row: Datasource, config: dict[str, Any] | None, secret_keys: list[str]) -> DatasourceRecord:
    return DatasourceRecord(
        row.id, row.name, row.driver, row.description, row.enabled, config, tuple(secret_keys), row.created_at
    )
