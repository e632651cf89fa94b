"""What the rest of Congress needs from a datasource driver.

The server creates a driver from a datasource's stored config, starts it, and
reads its description for the system-drivers and schema APIs. A running driver
publishes ``congress.dse.messages.TableUpdate`` on ``datasource_topic(name)``
and registers itself on the bus under its datasource name to receive
``execute_action`` calls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from congress.datalog.ast import Value
from congress.dse.bus import Bus


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    name: str
    description: str | None = None


@dataclass(frozen=True, slots=True)
class TableSpec:
    table_id: str
    columns: tuple[ColumnSpec, ...]


@dataclass(frozen=True, slots=True)
class ActionArg:
    name: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class ActionSpec:
    name: str
    description: str = ""
    args: tuple[ActionArg, ...] = ()


@dataclass(frozen=True, slots=True)
class DriverInfo:
    """A driver's self-description, as ``GET /v1/system/drivers/{id}`` reports it.

    ``config`` maps each option to ``"required"`` or ``"(optional)"``; ``secret``
    names the options whose values are never shown (None: the driver declares none).
    """

    id: str
    description: str
    config: Mapping[str, str]
    secret: tuple[str, ...] | None
    tables: tuple[TableSpec, ...]
    module: str = ""


@dataclass(slots=True)
class DriverStatus:
    initialized: bool = False
    last_updated: str | None = None
    last_error: str | None = None
    number_of_updates: int = 0
    subscriptions: list[str] = field(default_factory=list)
    table_row_counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TableChange:
    """One table's change in a driver's own rows (cells keep their Python types: None, bools).

    With ``replace``, ``insert`` is the whole new table. Otherwise ``delete`` is applied, then
    ``insert``; a driver only hands over rows it really removes or adds, each once.
    """

    table: str
    insert: tuple[tuple[Any, ...], ...] = ()
    delete: tuple[tuple[Any, ...], ...] = ()
    replace: bool = False


ChangeStore = Callable[[Sequence[TableChange]], None]


class Driver(Protocol):
    """A running datasource: one per configured data source."""

    name: str
    persists: bool
    """Whether its pushed and webhook-fed tables are kept in the database (``persist_data``)."""

    def start(self) -> None:
        """Begin polling (or listening); publishes the first snapshot when it has one."""

    def stop(self) -> None: ...

    def status(self) -> DriverStatus: ...

    def schema(self) -> tuple[TableSpec, ...]:
        """This datasource's tables; usually the class's, but ``push`` declares them in its config."""

    def lazy_tables(self) -> set[str]:
        """Tables not fetched until subscribed (reading their rows is the API's ``LazyTable`` error)."""

    def subscribe_table(self, table: str) -> None:
        """A policy now uses ``table``: start fetching it if it is lazy (``lazy_tables`` config)."""

    def request_refresh(self) -> None:
        """Poll now, synchronously, and publish the resulting delta."""

    def actions(self) -> list[ActionSpec]: ...

    def execute_action(
        self, action: str, positional_args: Sequence[Value] = (), named_args: Mapping[str, Any] | None = None
    ) -> Any: ...

    def push_rows(self, table: str, rows: Sequence[Sequence[Value]]) -> None:
        """Replace a table with pushed rows (push drivers; others raise RuleNotPermitted)."""

    def push_delta(
        self, table: str, insert: Sequence[Sequence[Value]], delete: Sequence[Sequence[Value]]
    ) -> None: ...

    def webhook(self, payload: Any, table: str | None = None) -> None: ...

    def set_change_store(self, store: ChangeStore | None) -> None:
        """Hand every change made by a push or a webhook (not by a poll) to ``store`` before applying it.

        The store runs under the driver's lock; when it raises, the driver changes nothing.
        """

    def restore_tables(self, tables: Mapping[str, Iterable[Sequence[Any]]]) -> None:
        """Before ``start``: take stored rows as the tables' content; ``start`` publishes them."""

    def tables(self) -> dict[str, list[tuple[Value, ...]]]:
        """The current rows of every table (what the datasource's policy holds)."""


class DriverFactory(Protocol):
    """A driver class: describes itself and builds running drivers."""

    @classmethod
    def info(cls) -> DriverInfo: ...

    def __call__(self, name: str, config: Mapping[str, Any], bus: Bus) -> Driver: ...
