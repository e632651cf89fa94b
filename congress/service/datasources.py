"""DataSourceService: configured data sources, their running drivers, and the rows pushed to them.

A data source is stored in the database, then run: its driver is built from the
stored config, the policy engine service (``ENGINE`` on the bus) is asked to make
a ``datasource`` policy of the same name fed by the driver's ``datasource_topic``,
and the driver is started. This service knows the engine only through the bus.
For a driver that persists its data (``persist_data``; ``push`` does by default),
whatever pushes and webhooks change in its tables is written to the database
(``DatasourceDataRepository.apply``) before the driver applies it, and restored
into the driver at the next start; other drivers start empty. A push datasource without a declared
schema learns its tables from their first rows; each new table joins its policy's schema.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from congress.datasources.base import PollError
from congress.datasources.interface import Driver, TableChange, TableSpec
from congress.db.datasources import DatasourceRepository
from congress.db.records import DatasourceRecord
from congress.db.table_data import DatasourceDataRepository
from congress.dse.bus import Bus, ServiceUnavailable
from congress.exceptions import CongressError, DatasourceAlreadyExists, PolicyNameInvalid
from congress.service.drivers import DriverCatalog, tables_document
from congress.service.errors import BadRequest, NamedError, NotFound
from congress.service.policies import ENGINE
from congress.service.validation import check_fields, check_name

LOG = logging.getLogger(__name__)

HIDDEN = "<hidden>"
FIELDS = ("name", "driver", "config", "description", "enabled")  # what a create body may hold


@dataclass
class _Running:
    record: DatasourceRecord
    driver: Driver
    tables: tuple[TableSpec, ...]


class DataSourceService:
    def __init__(
        self,
        repo: DatasourceRepository,
        data: DatasourceDataRepository,
        catalog: DriverCatalog,
        bus: Bus,
    ) -> None:
        self._repo = repo
        self._data = data
        self._catalog = catalog
        self._bus = bus
        self._lock = threading.RLock()
        self._running: dict[str, _Running] = {}
        self._stopping = threading.Event()
        self._sync_thread: threading.Thread | None = None

    # -- life cycle ---------------------------------------------------------
    def start(self, sync_period: float = 0) -> None:
        """Run every stored data source; then, every ``sync_period`` seconds (0: never), reconcile."""
        self.sync()
        if sync_period > 0 and self._sync_thread is None:
            self._stopping.clear()
            self._sync_thread = threading.Thread(
                target=self._sync_loop, args=(sync_period,), name="datasource-sync", daemon=True
            )
            self._sync_thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._sync_thread is not None:
            self._sync_thread.join(timeout=30)
            self._sync_thread = None
        with self._lock:
            for name in list(self._running):
                self._halt(name)

    def sync(self) -> None:
        """Make the running drivers match the database: start the data sources another server (sharing
        the database) created, stop the ones it deleted. A data source that fails to start is logged and
        retried at the next sync."""
        stored = {r.name: r for r in self._repo.list()}
        with self._lock:
            for name in set(self._running) - set(stored):
                self._halt(name)
            for name in stored.keys() - self._running.keys():
                record = stored[name]
                try:
                    self._launch(record)
                except CongressError as exc:
                    LOG.error("Data source %s (driver %s) could not be started: %s", name, record.driver, exc)

    def _sync_loop(self, period: float) -> None:
        while not self._stopping.wait(period):
            try:
                self.sync()
            except Exception:  # the database may be briefly unreachable; try again next period
                LOG.exception("Reconciling data sources failed")

    def _launch(self, record: DatasourceRecord) -> _Running:
        driver = self._catalog.factory(record.driver)(record.name, record.config, self._bus)
        if driver.persists:
            driver.restore_tables(self._data.tables(record.id))
        tables = tuple(driver.schema())
        with self._lock:
            # A table without columns (schema-less push ``data``) has no width yet: rules may give it one.
            schema = {t.table_id: [c.name for c in t.columns] for t in tables if t.columns}
            self._bus.call(ENGINE, "create_datasource_policy", name=record.name, schema=schema)
            running = _Running(record, driver, tables)
            driver.set_change_store(functools.partial(self._store, running))
            self._running[record.name] = running
            try:
                if record.enabled:
                    driver.start()
            except BaseException:
                self._halt(record.name)
                raise
        return running

    def _halt(self, name: str, *, referenced_ok: bool = True) -> None:
        """Drop the datasource's policy (which refuses, changing nothing, if ``referenced_ok`` is False
        and rules read its tables), then stop the driver."""
        self._bus.call(ENGINE, "delete_datasource_policy", name=name, referenced_ok=referenced_ok)
        self._running.pop(name).driver.stop()

    # -- documents ----------------------------------------------------------
    def _document(self, record: DatasourceRecord, *, mask: bool = True) -> dict[str, Any]:
        config = None if record.config is None else dict(record.config)
        if mask and config is not None and self._catalog.has(record.driver):
            for field in self._catalog.info(record.driver).secret or ():
                config[field] = HIDDEN
        return {
            "id": record.id,
            "name": record.name,
            "driver": record.driver,
            "description": record.description,
            "type": None,
            "enabled": record.enabled,
            "config": config,
        }

    def _get(self, ref: str) -> _Running:
        """The running datasource named ``ref`` (no database query: names never look like ids), else by id."""
        with self._lock:
            running = self._running.get(ref)
        if running is not None:
            return running
        record = self._repo.get(ref)
        with self._lock:
            running = self._running.get(record.name)
        if running is None:
            raise NotFound(f"Datasource {record.name} is configured but not running (see the server log)")
        return running

    def list(self) -> list[dict[str, Any]]:
        return [self._document(r) for r in self._repo.list()]

    def get(self, ref: str) -> dict[str, Any]:
        return self._document(self._repo.get(ref))

    # -- create / delete ------------------------------------------------------
    def create(self, body: Mapping[str, Any]) -> dict[str, Any]:
        if "id" in body:
            raise NamedError("add_item_id")
        check_fields(body, FIELDS, "data source")
        name = body.get("name")
        if not isinstance(name, str) or not name or name.startswith("_"):
            raise BadRequest(
                f"Datasource name {name!r} is invalid. Cannot be empty or start with underscore. "
                "Must be valid in policy language"
            )
        try:
            check_name(name, "Datasource")
        except PolicyNameInvalid as exc:
            raise BadRequest(exc.message) from None
        driver = body.get("driver")
        if not isinstance(driver, str) or not self._catalog.has(driver):
            raise BadRequest(f"Invalid driver: {dict(body)}")
        config = body.get("config")
        description = body.get("description")
        if description is None:
            description = ""
        enabled = body.get("enabled", True)
        if config is not None and not isinstance(config, dict):
            raise BadRequest("config must be a JSON object or null")
        if not isinstance(description, str) or not isinstance(enabled, bool):
            raise BadRequest("description must be a string and enabled a boolean")
        info = self._catalog.info(driver)
        if info.config.get("description") == "required" and "description" not in (config or {}):
            # The push driver's required "description" option: the data source's description stands in.
            config = {**(config or {}), "description": description}
        with self._lock:
            if name in self._running or self._bus.call(ENGINE, "exists", name=name):
                raise DatasourceAlreadyExists(f"Datasource already in use with name {name}")
            record = self._repo.create(
                name,
                driver,
                config=config,
                secret_fields=info.secret or (),
                description=description,
                enabled=enabled,
            )
            try:
                self._launch(record)
            except BaseException:
                self._repo.delete(record.id)
                raise
        return self._document(record, mask=False)

    def delete(self, ref: str) -> None:
        """Drop its policy (refused while rules reference it), stop the driver, then forget it and its
        pushed rows."""
        with self._lock:
            record = self._repo.get(ref)
            if record.name in self._running:
                self._halt(record.name, referenced_ok=False)
            self._repo.delete(record.id)

    # -- per data source ------------------------------------------------------
    def request_refresh(self, ref: str) -> None:
        """Poll now. A failed poll is not the caller's error (the original polled asynchronously): it
        is logged and shows in the data source's status as last_error."""
        running = self._get(ref)
        try:
            running.driver.request_refresh()
        except PollError as exc:
            LOG.warning("Refresh of data source %s failed: %s", running.record.name, exc.message)

    def execute(self, ref: str, action: str, positional: Sequence[Any], named: Mapping[str, Any]) -> None:
        name = self._repo.get(ref).name
        try:
            self._bus.call(
                name,
                "execute_action",
                action=action,
                positional_args=list(positional),
                named_args=dict(named),
            )
        except (CongressError, ServiceUnavailable) as exc:
            raise NamedError("execute_error", str(exc)) from exc

    def schema(self, ref: str) -> list[dict[str, Any]]:
        return tables_document(self._get(ref).tables)

    def table_spec(self, ref: str, table: str) -> dict[str, Any]:
        running = self._get(ref)
        for spec in tables_document(running.tables):
            if spec["table_id"] == table:
                return spec
        raise NotFound(f"Table '{table}' for datasource '{running.record.name}' has no schema ")

    def actions(self, ref: str) -> list[dict[str, Any]]:
        return [
            {
                "name": a.name,
                "args": [{"name": x.name, "description": x.description} for x in a.args],
                "description": a.description,
            }
            for a in sorted(self._get(ref).driver.actions(), key=lambda a: a.name)
        ]

    def status(self, ref: str) -> dict[str, Any]:
        status = self._get(ref).driver.status()
        return {
            "last_updated": str(status.last_updated),
            "last_error": str(status.last_error),
            "number_of_updates": str(status.number_of_updates),
            "initialized": str(status.initialized),
            "subscriptions": list(status.subscriptions),
            "subscribers": ["__engine"],
        }

    def tables(self, ref: str) -> list[str]:
        return [t.table_id for t in self._get(ref).tables]

    def table(self, ref: str, table: str) -> str:
        if table not in self.tables(ref):
            raise NotFound("Not found")
        return table

    def rows(self, ref: str, table: str) -> list[tuple]:
        running = self._get(ref)
        if table not in {t.table_id for t in running.tables}:
            raise NotFound(f"tablename '{table}' does not exist'")
        return running.driver.tables().get(table, [])

    def replace_rows(self, ref: str, table: str, rows: list) -> None:
        self._get(ref).driver.push_rows(table, rows)

    def update_rows(self, ref: str, table: str, *, insert: list, delete: list) -> None:
        self._get(ref).driver.push_delta(table, insert, delete)

    def _store(self, running: _Running, changes: Sequence[TableChange]) -> None:
        """A driver's change, before it applies it (under the driver's lock): tables the driver has just
        learned join its policy's schema, then the rows are committed (if it persists). Raising refuses
        the change."""
        tables = tuple(running.driver.schema())
        if tables != running.tables:
            known = set(running.tables)
            new = {t.table_id: [c.name for c in t.columns] for t in tables if t not in known}
            self._bus.call(ENGINE, "add_datasource_tables", name=running.record.name, schema=new)
        if running.driver.persists:
            self._data.apply(running.record.id, changes)
        running.tables = tables

    def webhook(self, ref: str, payload: Any) -> None:
        self._get(ref).driver.webhook(payload)
