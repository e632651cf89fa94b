"""Murano (application catalog v1): the object model of packages, environments, services, deployments.

Translation is by hand, as in the original. Every Murano object (a dict with a
``"?": {"id", "type"}`` header, at any depth of an environment's services or of a
deployment's model) becomes a row of ``objects(object_id, owner_id, type)``, its
owner being the enclosing object (the environment for top-level services). Then:

- ``properties(owner_id, name, value)``: every other field; nested dicts flattened
  with dotted names (``a.b.c``), one row per list element, None and "" skipped;
- ``relationships(source_id, target_id, name)``: a nested object under field
  ``name``, or a string field whose value is a UUID naming another object;
- ``connected(source_id, target_id)``: the transitive closure of relationships
  and ownership (owner -> owned);
- ``parent_types(id, parent_type)``: the object's ancestors in Murano's core class
  hierarchy (``CLASS_PARENTS``); services of unknown type and application packages
  (object type = the package type) are applications;
- ``states(id, state)``: environment status and deployment state.

Executing any action runs a Murano object action: positional args
``[environment_id, object_id, action_name]``; the object's enabled action of that
name is called (``POST /v1/environments/{env}/actions/{action_id}``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from congress.datalog.ast import Value
from congress.datasources.base import ActionError, Row
from congress.datasources.handwritten import LiteralSchema
from congress.datasources.interface import ActionArg, ActionSpec
from congress.datasources.openstack import OpenStackDriver, Service, openstack_options

UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")
OBJECT = "io.murano.Object"
APPLICATION = "io.murano.Application"
ENVIRONMENT = "io.murano.Environment"
CLASS_PARENTS = {
    ENVIRONMENT: (OBJECT,),
    APPLICATION: (OBJECT,),
    "io.murano.resources.Instance": (OBJECT,),
    "io.murano.resources.LinuxInstance": ("io.murano.resources.Instance",),
    "io.murano.resources.LinuxMuranoInstance": ("io.murano.resources.LinuxInstance",),
    "io.murano.resources.LinuxUDInstance": ("io.murano.resources.LinuxInstance",),
    "io.murano.resources.ConfLangInstance": ("io.murano.resources.LinuxInstance",),
    "io.murano.resources.WindowsInstance": ("io.murano.resources.Instance",),
    "io.murano.resources.Network": (OBJECT,),
    "io.murano.resources.NeutronNetwork": ("io.murano.resources.Network",),
    "io.murano.resources.ExistingNeutronNetwork": ("io.murano.resources.Network",),
    "io.murano.resources.NovaNetwork": ("io.murano.resources.Network",),
    "io.murano.system.SecurityGroupManager": (OBJECT,),
    "io.murano.system.Agent": (OBJECT,),
    "io.murano.system.Resources": (OBJECT,),
}
TABLES = ("objects", "parent_types", "properties", "relationships", "connected", "states")


def ancestors(murano_type: str, top_level_service: bool = False) -> list[str]:
    """The type's ancestors, nearest first; an unknown service type is an application."""
    if murano_type not in CLASS_PARENTS:
        if top_level_service:
            return [APPLICATION, OBJECT]
        return [] if murano_type == OBJECT else [OBJECT]
    found: list[str] = []
    pending = list(CLASS_PARENTS[murano_type])
    while pending:
        parent = pending.pop(0)
        if parent not in found:
            found.append(parent)
            pending.extend(CLASS_PARENTS.get(parent, ()))
    return found


def is_object(value: Any) -> bool:
    return isinstance(value, Mapping) and isinstance(value.get("?"), Mapping) and "id" in value["?"]


class Model:
    """Rows of the six tables, collected while walking Murano objects."""

    def __init__(self) -> None:
        self.tables: dict[str, set[Row]] = {t: set() for t in TABLES}
        self._uuid_refs: list[tuple[str, str, str]] = []

    def add(
        self, obj_id: str, owner_id: Any, obj_type: str, fields: Mapping[str, Any], service: bool = False
    ) -> None:
        self.tables["objects"].add((obj_id, owner_id, obj_type))
        self.tables["parent_types"].update((obj_id, p) for p in ancestors(obj_type, service))
        for name, value in fields.items():
            if name not in ("?", "id"):
                self._field(obj_id, name, value)

    def add_object(self, obj: Mapping[str, Any], owner_id: Any, service: bool = False) -> str:
        header = obj["?"]
        self.add(header["id"], owner_id, header.get("type") or OBJECT, obj, service)
        return header["id"]

    def _field(self, obj_id: str, name: str, value: Any) -> None:
        if is_object(value):
            child = self.add_object(value, obj_id)
            self.tables["relationships"].add((obj_id, child, name))
        elif isinstance(value, Mapping):
            for key, inner in value.items():
                self._field(obj_id, f"{name}.{key}", inner)
        elif isinstance(value, list | tuple):
            for element in value:
                self._field(obj_id, name, element)
        elif value is not None and value != "":
            self.tables["properties"].add((obj_id, name, value))
            if isinstance(value, str) and UUID.match(value):
                self._uuid_refs.append((obj_id, value, name))

    def finish(self) -> dict[str, set[Row]]:
        ids = {row[0] for row in self.tables["objects"]}
        self.tables["relationships"].update(r for r in self._uuid_refs if r[1] in ids and r[0] != r[1])
        edges = {(s, t) for s, t, _ in self.tables["relationships"]}
        edges |= {(owner, obj) for obj, owner, _ in self.tables["objects"] if owner in ids}
        self.tables["connected"] = closure(edges)
        return self.tables


def closure(edges: set[tuple[Any, Any]]) -> set[Row]:
    """Transitive closure of a directed graph."""
    succ: dict[Any, set[Any]] = {}
    for s, t in edges:
        succ.setdefault(s, set()).add(t)
    out: set[Row] = set()
    for start in succ:
        seen: set[Any] = set()
        stack = list(succ[start])
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(succ.get(node, ()))
        out.update((start, n) for n in seen)
    return out


def _objects_in(services: Iterable[Any]) -> Iterator[Mapping[str, Any]]:
    return (s for s in services if is_object(s))


def find_object(value: Any, obj_id: str) -> Mapping[str, Any] | None:
    """The Murano object with id ``obj_id`` anywhere inside ``value``."""
    if is_object(value) and value["?"]["id"] == obj_id:
        return value
    children = value.values() if isinstance(value, Mapping) else value if isinstance(value, list) else ()
    for child in children:
        found = find_object(child, obj_id)
        if found is not None:
            return found
    return None


class MuranoDriver(LiteralSchema, OpenStackDriver):
    driver_id = "murano"
    description = "Datasource driver that interfaces with murano"
    config_options = {k: v for k, v in openstack_options().items() if k != "lazy_tables"}
    table_columns = {
        "objects": ("object_id", "owner_id", "type"),
        "parent_types": ("id", "parent_type"),
        "properties": ("owner_id", "name", "value"),
        "relationships": ("source_id", "target_id", "name"),
        "connected": ("source_id", "target_id"),
        "states": ("id", "state"),
    }
    service = Service(("application-catalog",), version="v1")

    def table_sources(self):
        yield "murano", self.fetch_model

    def fetch_model(self) -> dict[str, set[Row]]:
        model = Model()
        for package in self._packages():
            kind = package.get("type") or "Application"
            model.add(package["id"], package.get("owner_id"), kind, package, service=kind == "Application")
        for env in self.client.get("/environments")["environments"]:
            env_id = env["id"]
            model.add(env_id, env.get("tenant_id"), ENVIRONMENT, env)
            model.tables["states"].add((env_id, env.get("status")))
            for service in _objects_in(self.client.get(f"/environments/{env_id}/services") or ()):
                model.add_object(service, env_id, service=True)
            for deployment in self.client.get(f"/environments/{env_id}/deployments")["deployments"]:
                model.tables["states"].add((deployment["id"], deployment.get("state")))
                deployed = (deployment.get("description") or {}).get("services") or ()
                for service in _objects_in(deployed):
                    model.add_object(service, env_id, service=True)
        return model.finish()

    def _packages(self) -> list[dict[str, Any]]:
        packages: list[dict[str, Any]] = []
        params: dict[str, Any] = {}
        while True:
            body = self.client.get("/catalog/packages", params or None)
            packages.extend(body["packages"])
            if not body.get("next_marker") or not body["packages"]:
                return packages
            params = {"marker": body["next_marker"]}

    def api_actions(self) -> list[ActionSpec]:
        return [
            ActionSpec(
                "murano_action",
                "Run a Murano object action (any action name does the same)",
                (ActionArg("environment_id"), ActionArg("object_id"), ActionArg("action_name")),
            )
        ]

    def execute_api_action(self, action: str, args: Sequence[Value], named: Mapping[str, Any]) -> Any:
        if len(args) != 3:
            raise ActionError("a Murano action takes [environment_id, object_id, action_name]")
        env_id, obj_id, name = (str(a) for a in args)
        env = self.call("GET", f"/environments/{env_id}")
        obj = find_object((env or {}).get("services") or [], obj_id)
        if obj is None:
            raise ActionError(f"environment {env_id} has no object {obj_id}")
        for action_id, spec in (obj["?"].get("_actions") or {}).items():
            if spec.get("name") == name and spec.get("enabled", True):
                return self.call("POST", f"/environments/{env_id}/actions/{action_id}", dict(named))
        raise ActionError(f"object {obj_id} has no enabled action {name!r}")
