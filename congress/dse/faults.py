"""Exceptions across processes: described as plain data by the serving side, rebuilt by the caller.

A CongressError comes back as the same class (message, ``data`` and simple
attributes such as ``line`` or a per-instance ``code`` kept) when the caller has
that class loaded, else as its nearest loaded ancestor, at worst CongressError
itself. Anything else becomes ``RemoteError``. Only classes already imported from
``congress`` modules are ever instantiated, and without running their
``__init__``.
"""

from __future__ import annotations

import sys
from typing import Any

from congress.dse import codec
from congress.dse.bus import RemoteError
from congress.exceptions import CongressError

_SIMPLE = (str, int, float, bool, type(None))


def describe(exc: BaseException) -> dict[str, Any]:
    """``exc`` as codec-encodable data."""
    names = [_name(cls) for cls in type(exc).__mro__ if _is_congress_error(cls)]
    attrs = {k: v for k, v in vars(exc).items() if k not in ("message", "data") and isinstance(v, _SIMPLE)}
    data = getattr(exc, "data", None) if names else None
    return {
        "type": _name(type(exc)),
        "congress_types": names,
        "message": str(exc),
        "attrs": attrs,
        "data": data if _encodable(data) else repr(data),
    }


def rebuild(service: str, method: str, info: dict[str, Any]) -> Exception:
    """The exception ``describe`` described, as the caller should see it."""
    for name in info["congress_types"]:
        cls = _loaded_class(name)
        if cls is not None:
            exc = cls.__new__(cls)
            CongressError.__init__(exc, info["message"], data=info["data"])
            for key, value in info["attrs"].items():
                setattr(exc, key, value)
            return exc
    return RemoteError(service, method, info["type"], info["message"])


def _name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _is_congress_error(cls: type) -> bool:
    return issubclass(cls, CongressError) and cls.__module__.startswith("congress.")


def _loaded_class(name: str) -> type | None:
    module_name, _, qualname = name.rpartition(".")
    module = sys.modules.get(module_name) if module_name.startswith("congress.") else None
    cls = getattr(module, qualname, None)
    return cls if isinstance(cls, type) and issubclass(cls, CongressError) else None


def _encodable(value: Any) -> bool:
    try:
        codec.encode(value)
    except codec.CodecError:
        return False
    return True
