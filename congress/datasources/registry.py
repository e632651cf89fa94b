"""Which driver classes exist, and how the server finds the one a datasource names.

Drivers are discovered through the ``congress.datasource.drivers`` entry-point group
(declared in pyproject.toml; the entry-point name is the driver id, e.g. ``nova``).
A driver can be named three ways, all accepted wherever a driver is looked up:

- its id: ``nova``;
- the original class path, as the install guide's ``drivers =`` line writes it:
  ``congress.datasources.nova_driver.NovaDriver``;
- an endpoint ``module:Class`` (optionally ``id=module:Class``, the form of the
  original ``custom_driver_endpoints`` option).

Functions for the server (``congress/service``):

``load_drivers(enabled=None, disabled=(), custom=()) -> dict[id, DriverFactory]``
    The drivers a deployment offers. ``enabled`` None means every entry point;
    otherwise only the listed ids / class paths. ``disabled`` ids or class paths
    are removed (the original ``disabled_drivers``). ``custom`` endpoints are added
    (and may name classes outside the package). Raises ``DriverNotFound`` for an
    enabled or custom name that resolves to nothing (``strict=False``: log and skip).
    An id in ``disabled`` that is unknown is ignored.

``resolve(name) -> DriverFactory``
    One driver by id, class path or endpoint (no enable/disable filtering).

``available() -> dict[id, DriverFactory]``
    Every installed entry point, loaded.

A ``DriverFactory`` is the driver class: ``cls.info()`` describes it (id,
description, config options, secret, tables); ``cls(name, config, bus)`` builds
a running datasource (see ``congress.datasources.interface``).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterable
from functools import cache
from importlib.metadata import entry_points

from congress.datasources.interface import DriverFactory
from congress.exceptions import CongressError

ENTRY_POINT_GROUP = "congress.datasource.drivers"
LOG = logging.getLogger(__name__)


class DriverNotFound(CongressError):
    code = "not_found"


@cache
def _entry_point_targets() -> dict[str, str]:
    return {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}


def _import(target: str) -> DriverFactory:
    """Import ``module:Class`` or ``module.Class``."""
    module_name, sep, attr = target.partition(":")
    if not sep:
        module_name, _, attr = target.rpartition(".")
    if not module_name or not attr:
        raise DriverNotFound(f"Driver not found {target}: not a module path")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise DriverNotFound(f"Driver not found {target}: {exc}") from exc
    factory = getattr(module, attr, None)
    if factory is None or not callable(getattr(factory, "info", None)):
        raise DriverNotFound(f"Driver not found {target}: no driver class {attr} in {module_name}")
    return factory


def available() -> dict[str, DriverFactory]:
    """Every entry point that loads; one that does not is logged and left out."""
    found = {}
    for name, target in sorted(_entry_point_targets().items()):
        try:
            found[name] = _import(target)
        except DriverNotFound as exc:
            LOG.warning("driver %s is registered but cannot be loaded: %s", name, exc)
    return found


def resolve(name: str) -> DriverFactory:
    """A driver by id, original class path, or ``[id=]module:Class`` endpoint."""
    name = name.strip()
    if "=" in name:
        name = name.split("=", 1)[1].strip()
    targets = _entry_point_targets()
    if name in targets:
        return _import(targets[name])
    for target in targets.values():
        if target.replace(":", ".") == name:
            return _import(target)
    if "." in name or ":" in name:
        return _import(name)
    raise DriverNotFound(
        f"Driver not found {name}. Either not supported or disabled by deployer in Congress config"
    )


def _resolve_all(names: Iterable[str], strict: bool) -> list[DriverFactory]:
    found = []
    for name in names:
        try:
            found.append(resolve(name))
        except DriverNotFound:
            if strict:
                raise
            LOG.warning("driver %s named in the configuration is not available; skipped", name)
    return found


def load_drivers(
    enabled: Iterable[str] | None = None,
    disabled: Iterable[str] = (),
    custom: Iterable[str] = (),
    *,
    strict: bool = True,
) -> dict[str, DriverFactory]:
    """The drivers to offer, keyed by driver id (see the module docstring).

    With ``strict=False`` names that resolve to nothing are logged and skipped
    instead of raising ``DriverNotFound``.
    """
    chosen = available() if enabled is None else {f.info().id: f for f in _resolve_all(enabled, strict)}
    for factory in _resolve_all(custom, strict):
        chosen[factory.info().id] = factory
    for factory in _resolve_all(disabled, strict=False):
        chosen.pop(factory.info().id, None)
    return dict(sorted(chosen.items()))


def class_path(factory: DriverFactory) -> str:
    """The dotted class path a driver is known by (what congress.conf's ``drivers =`` names)."""
    return f"{factory.__module__}.{factory.__qualname__}"  # type: ignore[attr-defined]
