"""Driver bases: table state, delta publishing, status, polling thread, push updates, actions.

``DataSourceDriver`` holds one set of rows per table and publishes changes as
``TableUpdate`` on ``datasource_topic(name)``: the first update of a table is a
snapshot (``replace=True``), later ones carry only the rows inserted and deleted.
Every change is a ``TableChange`` applied row by row, so a delta costs what it
changes, not the table's size. Changes made by pushes and webhooks (not polls)
go first to the change store the server sets: when it refuses, nothing changes.
The server writes them to the database only for a driver that ``persists``
(option ``persist_data``; default ``persist_by_default``, true for ``push`` only).
``PollingDriver`` adds a background poll loop (``poll_time`` seconds, 0 = only on
``request_refresh``) with exponential back-off on failure; ``PushDriverBase``
accepts rows over the API. Subclasses declare ``driver_id``, ``description``,
``config_options``, ``secret`` and ``translators`` (see the package docstring).
"""

from __future__ import annotations

import datetime
import functools
import inspect
import json
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from congress.datalog.ast import Value
from congress.datasources import translator as tr
from congress.datasources.interface import (
    ActionArg,
    ActionSpec,
    ChangeStore,
    ColumnSpec,
    DriverInfo,
    DriverStatus,
    TableChange,
    TableSpec,
)
from congress.datasources.values import non_finite, render_row, row_key
from congress.dse.bus import Bus
from congress.dse.messages import TableUpdate, datasource_topic
from congress.exceptions import CongressError, RuleNotPermitted, UpdateNotPermitted

LOG = logging.getLogger(__name__)

REQUIRED = "required"
OPTIONAL = "(optional)"
POLLING_OPTIONS: dict[str, str] = {"poll_time": OPTIONAL, "lazy_tables": OPTIONAL}

Row = tuple[Any, ...]


class DriverConfigError(CongressError):
    """A datasource config the driver cannot run with (missing/unknown option, bad value)."""

    code = "invalid_driver_options"


class PollError(CongressError):
    """A poll (fetch or translation) failed; the previous tables were kept."""

    code = "datasource_poll_failed"


class ActionError(CongressError):
    """An action is unknown to the driver, got bad arguments, or the service refused it.

    ``http_status`` is the service's answer when it answered with an error; ``unreachable`` says it gave
    no answer (connection refused or timed out). Plain attributes, so they cross the message bus; the
    action dispatcher retries on them.
    """

    code = "execute_error"
    http_status: int | None = None
    unreachable: bool = False

    def __init__(
        self, message: str, *, data: Any = None, http_status: int | None = None, unreachable: bool = False
    ) -> None:
        super().__init__(message, data=data)
        self.http_status = http_status
        self.unreachable = unreachable


@dataclass(frozen=True, slots=True)
class _ActionMark:
    description: str
    args: tuple[ActionArg, ...]


def driver_action(description: str, args: Sequence[tuple[str, str]] = ()) -> Callable[[Callable], Callable]:
    """Mark a driver method as an executable action named after the method."""

    def mark(method: Callable) -> Callable:
        method._congress_action = _ActionMark(description, tuple(ActionArg(n, d) for n, d in args))  # type: ignore[attr-defined]
        return method

    return mark


def parse_list_option(value: Any, option: str) -> list[str]:
    """A list option as the API/CLI may send it: a list, a JSON list text, or comma-separated text."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError as exc:
                raise DriverConfigError(f"option {option}: not a JSON list: {exc}") from exc
        else:
            return [part.strip() for part in text.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DriverConfigError(f"option {option}: expected a list of names")
    return list(value)


_TRUE = frozenset({"1", "t", "true", "on", "y", "yes"})
_FALSE = frozenset({"0", "f", "false", "off", "n", "no"})


def parse_bool_option(value: Any, option: str, default: bool) -> bool:
    """A boolean option as the API/CLI may send it: a JSON boolean or text such as "true", "False", "1".

    Anything else is refused rather than read as false, so a typo cannot silently change behaviour.
    """
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise DriverConfigError(
        f"option {option}: expected true or false (also yes/no, on/off, 1/0), not {value!r}"
    )


def _now() -> str:
    return str(datetime.datetime.now(datetime.UTC).replace(tzinfo=None))


def _count(facts: dict[Row, list[Any]], fact: Row, step: int) -> bool:
    """Count one more (``step`` 1) or one less (-1) row rendering to ``fact``; whether the fact came or went.

    Rendering is not one to one (``None`` and ``"None"`` both give ``"None"``), so a fact
    goes only with the last row that renders to it.
    """
    key = row_key(fact)
    entry = facts.get(key)
    if entry is None:
        facts[key] = [fact, 1]
        return True
    entry[1] += step
    if entry[1] == 0:
        del facts[key]
        return True
    return False


class DataSourceDriver:
    """One running datasource: its tables, their publication, its status and actions."""

    driver_id: ClassVar[str] = ""
    description: ClassVar[str] = ""
    config_options: ClassVar[Mapping[str, str]] = {}
    secret: ClassVar[tuple[str, ...] | None] = None
    translators: ClassVar[tuple[tr.HDict | tr.VDict | tr.ListOf, ...]] = ()
    # Whether pushed and webhook-fed tables are kept in the database when ``persist_data`` is not given.
    persist_by_default: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        tr.check_roots(cls.translators)

    def __init__(self, name: str, config: Mapping[str, Any] | None, bus: Bus) -> None:
        self.name = name
        self.config = self.validate_config(config or {})
        self.bus = bus
        self._state_lock = threading.RLock()
        # Per table: row_key(row) -> row (Python types), and row_key(fact) -> [fact, rows rendering to it].
        self._raw: dict[str, dict[Row, Row]] = {}
        self._facts: dict[str, dict[Row, list[Any]]] = {}
        self._store: ChangeStore | None = None
        self._status = DriverStatus()
        self.persists = parse_bool_option(
            self.config.get("persist_data"), "persist_data", self.persist_by_default
        )
        roots = set(self.root_tables())
        self._lazy = set(parse_list_option(self.config.get("lazy_tables"), "lazy_tables"))
        unknown = self._lazy - roots
        if unknown:
            raise DriverConfigError(f"lazy_tables names unknown root tables: {sorted(unknown)}")

    # ----- description -------------------------------------------------------------------------
    @classmethod
    def info(cls) -> DriverInfo:
        return DriverInfo(
            id=cls.driver_id,
            description=cls.description,
            config=dict(cls.config_options),
            secret=cls.secret,
            tables=cls.table_specs(),
            module=f"{cls.__module__}.{cls.__qualname__}",
        )

    @classmethod
    def root_tables(cls) -> list[str]:
        """Tables that ``lazy_tables`` may name (hand-written drivers: every table)."""
        return [t.table for t in cls.translators]

    @classmethod
    def columns(cls) -> dict[str, list[tr.Column]]:
        """Every table's columns (with types), in the reference order, lazy tables included."""
        out: dict[str, list[tr.Column]] = {}
        for root in cls.translators:
            out.update(tr.table_schemas(root))
        return out

    @classmethod
    def table_specs(cls) -> tuple[TableSpec, ...]:
        return tuple(
            TableSpec(name, tuple(ColumnSpec(c.name, c.desc) for c in cols))
            for name, cols in cls.columns().items()
        )

    def schema(self) -> tuple[TableSpec, ...]:
        """This datasource's tables (the class's unless config declares them, as for ``push``)."""
        return self.table_specs()

    @classmethod
    def validate_config(cls, config: Mapping[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(config) - set(cls.config_options))
        if unknown:
            raise DriverConfigError(f"Invalid driver options: {unknown}")
        missing = sorted(k for k, v in cls.config_options.items() if v == REQUIRED and k not in config)
        if missing:
            raise DriverConfigError("Missing required config options: " + ", ".join(missing))
        return dict(config)

    # ----- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        """Register on the bus and publish a snapshot of every table already held (restored ones)."""
        self.bus.register_service(self.name, self)
        with self._state_lock:
            for table, facts in self._facts.items():
                snapshot = TableUpdate(self.name, table, tuple(e[0] for e in facts.values()), replace=True)
                self.bus.publish(datasource_topic(self.name), snapshot)

    def stop(self) -> None:
        self.bus.unregister_service(self.name)

    def set_change_store(self, store: ChangeStore | None) -> None:
        with self._state_lock:
            self._store = store

    def restore_tables(self, tables: Mapping[str, Iterable[Sequence[Any]]]) -> None:
        """Stored rows become the tables' content, unpublished until ``start`` and not stored again."""
        with self._state_lock:
            for table, rows in tables.items():
                self._apply_change(self._snapshot(table, rows))
            if tables:
                self._status.initialized = True

    def status(self) -> DriverStatus:
        with self._state_lock:
            s = self._status
            return DriverStatus(
                initialized=s.initialized,
                last_updated=s.last_updated,
                last_error=s.last_error,
                number_of_updates=s.number_of_updates,
                table_row_counts={t: len(facts) for t, facts in self._facts.items()},
            )

    # ----- tables ------------------------------------------------------------------------------
    def lazy_tables(self) -> set[str]:
        """Root tables (and their children) not fetched until ``subscribe_table`` names them."""
        lazy = set()
        for root in self.translators:
            if root.table in self._lazy:
                lazy.update(t.table for t in tr.walk(root))
        return lazy

    def active_tables(self) -> set[str]:
        return set(self.columns()) - self.lazy_tables()

    def subscribe_table(self, table: str) -> None:
        """A policy uses ``table``: fetch its root from the next poll on (no-op for non-lazy tables)."""
        for root in self.translators:
            if table in {t.table for t in tr.walk(root)}:
                self._lazy.discard(root.table)

    def tables(self) -> dict[str, list[tuple[Value, ...]]]:
        with self._state_lock:
            return {t: [entry[0] for entry in facts.values()] for t, facts in self._facts.items()}

    def raw_tables(self) -> dict[str, set[Row]]:
        """Rows with their internal Python types (None, bools), as the original's ``state``."""
        with self._state_lock:
            return {t: set(rows.values()) for t, rows in self._raw.items()}

    # ----- changes -----------------------------------------------------------------------------
    @staticmethod
    def _snapshot(table: str, rows: Iterable[Sequence[Any]]) -> TableChange:
        """A change making ``rows`` (duplicates dropped) the whole table."""
        unique = {row_key(r): r for r in map(tuple, rows)}
        return TableChange(table, tuple(unique.values()), replace=True)

    def _delta(
        self, table: str, insert: Iterable[Sequence[Any]], delete: Iterable[Sequence[Any]]
    ) -> TableChange | None:
        """What deleting then inserting these rows really changes (None: nothing); call under the lock."""
        current = self._raw.get(table)
        added = {row_key(r): r for r in map(tuple, insert)}
        if current is None:
            return TableChange(table, tuple(added.values()), replace=True)
        removed = {}
        for row in map(tuple, delete):
            key = row_key(row)
            if key in current and key not in added:
                removed[key] = current[key]  # the stored row: its exact cells
        new = tuple(r for k, r in added.items() if k not in current)
        return TableChange(table, new, tuple(removed.values())) if new or removed else None

    def _diff(self, table: str, rows: Iterable[Sequence[Any]]) -> TableChange | None:
        """The change that makes ``rows`` the table's content (a snapshot for a table not held yet)."""
        snapshot = self._snapshot(table, rows)
        current = self._raw.get(table)
        if current is None:
            return snapshot
        new = {row_key(r): r for r in snapshot.insert}
        insert = tuple(r for k, r in new.items() if k not in current)
        delete = tuple(r for k, r in current.items() if k not in new)
        return TableChange(table, insert, delete) if insert or delete else None

    def _replace_tables(self, new: Mapping[str, Iterable[Row]], *, store: bool = True) -> None:
        """Make ``new`` the content of its tables and publish each table's delta (or first snapshot).

        ``store=False`` for what need not be kept: polled tables, the empty tables a driver starts with.
        """
        with self._state_lock:
            changes = [self._diff(table, rows) for table, rows in new.items()]
            self._apply([c for c in changes if c is not None], store=store)

    def _apply(self, changes: Sequence[TableChange], *, store: bool = True) -> None:
        """Store the changes (pushes, webhooks), then apply and publish them; all or nothing."""
        with self._state_lock:
            if store:
                for change in changes:
                    for row in change.insert:
                        if non_finite(row) is not None:
                            raise UpdateNotPermitted(
                                f"row {list(row)!r} for {change.table!r} holds {non_finite(row)}, "
                                "which is not a value"
                            )
                if self._store is not None and changes:
                    self._store(changes)
            for change in changes:
                update = self._apply_change(change)
                if update is not None:
                    self.bus.publish(datasource_topic(self.name), update)
            self._status.initialized = True
            self._status.last_updated = _now()
            self._status.number_of_updates += 1

    def _apply_change(self, change: TableChange) -> TableUpdate | None:
        """Apply one change to the rows and rendered facts; the update to publish, if any."""
        table = change.table
        raw = self._raw.get(table)
        if change.replace or raw is None:
            old = self._facts.get(table)
            self._raw[table] = {row_key(r): r for r in change.insert}
            facts: dict[Row, list[Any]] = {}
            self._facts[table] = facts
            for row in self._raw[table].values():
                _count(facts, render_row(row), 1)
            if old is None:
                return TableUpdate(self.name, table, tuple(e[0] for e in facts.values()), replace=True)
            inserted = [e[0] for k, e in facts.items() if k not in old]
            deleted = [e[0] for k, e in old.items() if k not in facts]
        else:
            facts = self._facts[table]
            deleted = []
            for row in change.delete:
                if raw.pop(row_key(row), None) is not None:
                    fact = render_row(row)
                    if _count(facts, fact, -1):
                        deleted.append(fact)
            inserted = []
            for row in change.insert:
                key = row_key(row)
                if key not in raw:
                    raw[key] = row
                    fact = render_row(row)
                    if _count(facts, fact, 1):
                        inserted.append(fact)
        if not inserted and not deleted:
            return None
        return TableUpdate(self.name, table, insert=tuple(inserted), delete=tuple(deleted))

    def _clear_error(self) -> None:
        with self._state_lock:
            self._status.last_error = None

    # ----- updates over the API (push drivers override) ----------------------------------------
    def request_refresh(self) -> None:
        """Nothing to poll in the base driver."""

    def push_rows(self, table: str, rows: Sequence[Any]) -> None:
        raise RuleNotPermitted(f"datasource {self.name!r} does not accept pushed rows")

    def push_delta(
        self, table: str, insert: Sequence[Sequence[Value]], delete: Sequence[Sequence[Value]]
    ) -> None:
        raise RuleNotPermitted(f"datasource {self.name!r} does not accept pushed rows")

    def webhook(self, payload: Any, table: str | None = None) -> None:
        raise UpdateNotPermitted(f"datasource {self.name!r} does not accept webhook notifications")

    # ----- actions -----------------------------------------------------------------------------
    def _method_actions(self) -> dict[str, tuple[Callable, _ActionMark]]:
        found = {}
        for attr, member in inspect.getmembers(type(self), callable):
            mark = getattr(member, "_congress_action", None)
            if mark is not None:
                found[attr] = (getattr(self, attr), mark)
        return found

    def api_actions(self) -> list[ActionSpec]:
        """Generic service-API actions (OpenStack drivers list their dotted names here)."""
        return []

    def execute_api_action(self, action: str, args: Sequence[Value], named: Mapping[str, Any]) -> Any:
        raise ActionError(f"datasource {self.name!r} has no action {action!r}")

    def actions(self) -> list[ActionSpec]:
        specs = [ActionSpec(n, m.description, m.args) for n, (_, m) in self._method_actions().items()]
        return sorted(specs + self.api_actions(), key=lambda a: a.name)

    def execute_action(
        self, action: str, positional_args: Sequence[Value] = (), named_args: Mapping[str, Any] | None = None
    ) -> Any:
        method = self._method_actions().get(action)
        if method is None:
            return self.execute_api_action(action, list(positional_args), dict(named_args or {}))
        try:
            return method[0](*positional_args, **(named_args or {}))
        except TypeError as exc:
            raise ActionError(f"action {action!r}: {exc}") from exc


class PollingDriver(DataSourceDriver):
    """A driver that fetches every root table's objects each ``poll_time`` seconds.

    Subclasses implement ``fetch(root_table)``, returning the objects the root
    translator takes. A poll is all-or-nothing: any failure keeps every table as
    it was, records ``last_error``, and delays the next poll (doubling, capped).
    """

    config_options = POLLING_OPTIONS
    default_poll_time: ClassVar[float] = 10.0
    max_backoff: ClassVar[float] = 300.0

    def __init__(self, name: str, config: Mapping[str, Any] | None, bus: Bus) -> None:
        super().__init__(name, config, bus)
        raw = self.config.get("poll_time", self.default_poll_time)
        try:
            self.poll_time = float(raw)
        except (TypeError, ValueError) as exc:
            raise DriverConfigError(f"poll_time must be a number of seconds, not {raw!r}") from exc
        if self.poll_time < 0:
            raise DriverConfigError("poll_time must not be negative")
        self._poll_lock = threading.Lock()
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.consecutive_failures = 0

    def fetch(self, root_table: str) -> Iterable[Any]:
        raise NotImplementedError

    def table_sources(self) -> Iterator[tuple[str, Callable[[], Mapping[str, Iterable[Row]]]]]:
        """(label, produce) per unit of fetching; ``produce()`` returns tables. Default: one per active root.

        Drivers with hand-written translation (murano, plexxi, config) override this.
        """
        for root in self.translators:
            if root.table not in self._lazy:
                yield root.table, functools.partial(self._translate_root, root)

    def _translate_root(self, root: tr.HDict | tr.VDict | tr.ListOf) -> tr.Tables:
        return tr.translate(root, self.fetch(root.table))

    def poll(self) -> None:
        """Fetch and translate every active root, then publish; on failure raise PollError, keep state."""
        with self._poll_lock:
            new: dict[str, Iterable[Row]] = {}
            for label, produce in self.table_sources():
                try:
                    new.update(produce())
                except Exception as exc:
                    self.consecutive_failures += 1
                    error = f"{label}: {type(exc).__name__}: {exc}"
                    with self._state_lock:
                        self._status.last_error = error
                    LOG.warning("datasource %s: poll failed: %s", self.name, error)
                    raise PollError(f"poll of datasource {self.name!r} failed: {error}") from exc
            self.consecutive_failures = 0
            self._replace_tables(new, store=False)
            self._clear_error()

    def request_refresh(self) -> None:
        self.poll()

    def next_delay(self) -> float:
        if self.consecutive_failures == 0:
            return self.poll_time
        cap = max(self.poll_time, self.max_backoff)
        return min(self.poll_time * 2**self.consecutive_failures, cap)

    def subscribe_table(self, table: str) -> None:
        super().subscribe_table(table)
        self._wake.set()

    def start(self) -> None:
        super().start()
        if self.poll_time > 0 and self._thread is None:
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name=f"poll-{self.name}", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        super().stop()

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.poll()
            except PollError:
                pass  # recorded in status; the loop backs off
            except Exception:  # a bug in a subscriber must not kill the thread
                LOG.exception("datasource %s: publishing failed", self.name)
            self._wake.wait(self.next_delay())
            self._wake.clear()


class PushDriverBase(DataSourceDriver):
    """A driver whose rows arrive over the API; each root translator takes pushed objects."""

    def start(self) -> None:
        super().start()
        with self._state_lock:
            initial = {t: set() for t in self.active_tables() if t not in self._raw}
            self._replace_tables(initial, store=False)

    def _root(self, table: str) -> tr.HDict | tr.VDict | tr.ListOf:
        for root in self.translators:
            if root.table == table:
                return root
        raise UpdateNotPermitted(f"datasource {self.name!r} has no root table {table!r} to push to")

    def push_rows(self, table: str, rows: Sequence[Any]) -> None:
        """Translate the pushed objects with ``table``'s root translator; replace it and its children."""
        root = self._root(table)
        try:
            new = tr.translate(root, rows)
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise UpdateNotPermitted(f"Update {table} Failed: {exc}") from exc
        self._replace_tables(new)
