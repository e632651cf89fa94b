"""The services of one Congress server, built from configuration and started/stopped together."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from oslo_config import cfg

from congress import config
from congress.db.api import Database, key_file_in
from congress.dse.bus import Bus, LocalBus
from congress.engine import PolicyEngine
from congress.engine.interface import PolicyEngineProtocol
from congress.library.loader import install_library, load_bundled
from congress.service.actions import ActionDispatcher
from congress.service.datasources import DataSourceService
from congress.service.drivers import DriverCatalog, load_catalog
from congress.service.library import LibraryService
from congress.service.policies import PolicyService

LOG = logging.getLogger(__name__)


@dataclass
class Services:
    policies: PolicyService
    datasources: DataSourceService
    library: LibraryService
    drivers: DriverCatalog
    actions: ActionDispatcher
    db: Database
    bus: Bus
    sync_period: float = 0

    def start(self) -> None:
        """Restore data sources first: stored rules may use their schemas (column references).

        Their pushed rows are replayed before any rule exists, so nothing re-executes old actions.
        """
        self.actions.start()
        self.datasources.start(self.sync_period)
        self.policies.start()

    def stop(self) -> None:
        self.datasources.stop()
        self.actions.stop()
        close = getattr(self.bus, "close", None)  # the messaging bus has connections to drop
        if close is not None:
            close()
        self.db.close()


def build(
    db: Database,
    engine: PolicyEngineProtocol,
    drivers: DriverCatalog,
    *,
    bus: Bus | None = None,
    enable_execute_action: bool = True,
    sync_period: float = 0,
) -> Services:
    bus = bus or LocalBus()
    actions = ActionDispatcher(bus, db.executions, enabled=enable_execute_action)
    policies = PolicyService(engine, db.policies, actions, bus, db.datasources, db.policy_commits)
    datasources = DataSourceService(db.datasources, db.table_data, drivers, bus)
    return Services(policies, datasources, LibraryService(db.library), drivers, actions, db, bus, sync_period)


def from_config(conf: cfg.ConfigOpts) -> Services:
    """Open the database (upgrading a SQLite schema), seed the library, load drivers, build the services."""
    bus: Bus = LocalBus()
    transport_url = config.messaging_url(conf)
    if transport_url:
        from congress.dse.messaging import MessagingBus  # imports oslo.messaging's drivers: only when used

        bus = MessagingBus(transport_url, conf=conf)
    db = Database.connect(conf.database.connection, key_file=key_file_in(conf.encryption_key_path))
    db.ensure_schema()
    install_library(db.library, load_bundled())
    catalog = load_catalog(conf.drivers, conf.disabled_drivers, conf.custom_driver_endpoints)
    return build(
        db,
        PolicyEngine(),
        catalog,
        bus=bus,
        enable_execute_action=conf.enable_execute_action,
        sync_period=conf.datasource_sync_period,
    )
