"""Plain-data messages that travel on the bus between services.

Topics:
- ``datasource_topic(name)``: a datasource publishes ``TableUpdate`` messages;
  the policy engine service applies them to the datasource's policy.
RPC:
- the engine service asks datasource ``name`` to run an action with
  ``bus.call(name, "execute_action", action=..., positional_args=[...], named_args={...})``.
"""

from __future__ import annotations

from dataclasses import dataclass

from congress.datalog.ast import Value

Row = tuple[Value, ...]


def datasource_topic(datasource: str) -> str:
    return f"datasource.{datasource}.updates"


@dataclass(frozen=True, slots=True)
class TableUpdate:
    """A change of one datasource table.

    With ``replace`` the rows in ``insert`` are the whole new table (a snapshot)
    and ``delete`` is empty; otherwise ``delete`` is applied before ``insert``.
    """

    datasource: str
    table: str
    insert: tuple[Row, ...] = ()
    delete: tuple[Row, ...] = ()
    replace: bool = False
