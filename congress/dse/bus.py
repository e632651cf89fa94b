"""The bus services talk through: topics for table deltas, RPC for requests.

Everything that crosses a service boundary (datasource -> engine deltas, engine
-> datasource action executions, API -> service calls) goes through a ``Bus`` so
that the in-process default can later be swapped for oslo.messaging without the
services noticing. Payloads must therefore be plain data (dataclasses of
builtins), never live objects.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any, Protocol

Handler = Callable[[Any], None]


class ServiceUnavailable(LookupError):
    """No service of that name is registered on the bus."""


class RemoteError(RuntimeError):
    """A service in another process failed with an error that is not a CongressError.

    (CongressErrors come back as themselves.) ``exc_type`` names the remote class.
    """

    def __init__(self, service: str, method: str, exc_type: str, message: str) -> None:
        super().__init__(f"{service}.{method} failed remotely: {exc_type}: {message}")
        self.service = service
        self.method = method
        self.exc_type = exc_type
        self.message = message


class Bus(Protocol):
    def publish(self, topic: str, payload: Any) -> None: ...

    def subscribe(self, topic: str, handler: Handler) -> None: ...

    def unsubscribe(self, topic: str, handler: Handler) -> None: ...

    def register_service(self, name: str, endpoint: object) -> None: ...

    def unregister_service(self, name: str) -> None: ...

    def call(self, service: str, method: str, **kwargs: Any) -> Any: ...

    def close(self) -> None:
        """Release connections and threads (the in-process bus holds none); do not use the bus afterwards."""


class LocalBus:
    """In-process bus: delivery is synchronous, in the publisher's thread, in subscription order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[str, list[Handler]] = defaultdict(list)
        self._services: dict[str, object] = {}

    def publish(self, topic: str, payload: Any) -> None:
        with self._lock:
            handlers = list(self._subscribers.get(topic, ()))
        for handler in handlers:
            handler(payload)

    def subscribe(self, topic: str, handler: Handler) -> None:
        with self._lock:
            self._subscribers[topic].append(handler)

    def unsubscribe(self, topic: str, handler: Handler) -> None:
        with self._lock:
            if handler in self._subscribers.get(topic, ()):
                self._subscribers[topic].remove(handler)

    def register_service(self, name: str, endpoint: object) -> None:
        with self._lock:
            self._services[name] = endpoint

    def unregister_service(self, name: str) -> None:
        with self._lock:
            self._services.pop(name, None)

    def call(self, service: str, method: str, **kwargs: Any) -> Any:
        with self._lock:
            endpoint = self._services.get(service)
        if endpoint is None:
            raise ServiceUnavailable(f"no service {service!r} on the bus")
        return getattr(endpoint, method)(**kwargs)

    def close(self) -> None:
        """Nothing to release: subscribers and services are plain references."""
