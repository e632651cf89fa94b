"""The bus across processes and hosts, over oslo.messaging (RabbitMQ in production, ``fake://`` in tests).

- ``publish(topic, payload)`` calls this process's handlers synchronously, as
  ``LocalBus`` does, then fanout-casts the payload: every other process that
  subscribes to ``topic`` gets it once (its own copy is dropped by origin). In a
  receiving process each topic has one consumer thread, so the payloads of one
  publisher arrive in publish order and handlers run in subscription order.
- ``call(service, method, **kwargs)`` runs on this process's endpoint if it has
  one, else on one of the processes that registered ``service`` (round robin).
  A CongressError raised there is raised here (``faults``); no answer within
  ``answer_timeout`` (nobody serves it) raises ``ServiceUnavailable``.
- Payloads travel as ``codec`` data: allow-listed dataclasses and builtins, no pickle.

Everything lives under ``namespace``: the AMQP control exchange and the prefix
of every topic and queue, so deployments (or test runs) sharing a broker stay apart.

Limits: a subscriber hears only what is published after ``subscribe`` returns
(a late one asks the datasource for ``tables()``); ``subscribe``, ``register_service``
and a process's first remote call wait for an unreachable broker as long as
oslo.messaging keeps reconnecting (forever), while ``publish`` and later calls
give up after ``retry`` attempts with ServiceUnavailable. Stopping a consumer
takes up to one broker poll interval (about 1 s, 5 s with AMQP heartbeats), so
``unsubscribe``/``unregister_service`` finish that in the background and
``close`` waits for all of them at once. Each consumer also gets an (unused)
queue of its own; with oslo.messaging's default ``amqp_auto_delete = false``
these stay on the broker, empty, after their consumer stops.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import oslo_messaging
from oslo_config import cfg

from congress.dse import codec, faults
from congress.dse.bus import Handler, RemoteError, ServiceUnavailable

LOG = logging.getLogger(__name__)

_OK, _FAILED, _GONE = "ok", "failed", "gone"


class _CodecSerializer(oslo_messaging.Serializer):
    """Arguments and results through ``codec``; the request context is unused (always empty)."""

    def serialize_entity(self, ctxt: dict, entity: Any) -> Any:
        return codec.encode(entity)

    def deserialize_entity(self, ctxt: dict, entity: Any) -> Any:
        return codec.decode(entity)

    def serialize_context(self, ctxt: dict) -> dict:
        return {}

    def deserialize_context(self, ctxt: dict) -> dict:
        return {}


class _ServiceEndpoint:
    """RPC endpoint of one registered service name; resolves the bus's current endpoint per call."""

    def __init__(self, bus: MessagingBus, service: str) -> None:
        self._bus = bus
        self._service = service

    def invoke(self, ctxt: dict, operation: str, kwargs: dict[str, Any]) -> tuple[str, Any]:
        endpoint = self._bus._endpoint(self._service)
        if endpoint is None:  # unregistered while this server is being stopped
            return (_GONE, None)
        try:
            result = _bound(endpoint, operation)(**kwargs)
            codec.encode(result)  # a result that cannot travel fails here, as a CodecError for the caller
        except Exception as exc:  # every failure goes back to the caller, described
            return (_FAILED, faults.describe(exc))
        return (_OK, result)


class _TopicEndpoint:
    """Fanout consumer of one topic; only the topic's current server delivers (none twice on resubscribe)."""

    def __init__(self, bus: MessagingBus, topic: str) -> None:
        self._bus = bus
        self._topic = topic
        self.server: oslo_messaging.MessageHandlingServer | None = None

    def deliver(self, ctxt: dict, origin: str, payload: Any) -> None:
        if origin == self._bus.node_id:
            return
        try:
            value = codec.decode(payload)
        except codec.CodecError:
            LOG.exception("Dropped a payload on bus topic %s from %s", self._topic, origin)
            return
        self._bus._deliver_remote(self._topic, self, value)


def _bound(endpoint: object, method: str) -> Callable[..., Any]:
    if method.startswith("_"):
        raise AttributeError(f"{method!r} is not a public method")
    target = getattr(endpoint, method)
    if not callable(target):
        raise AttributeError(f"{method!r} is not a method")
    return target


class MessagingBus:
    """A ``Bus`` whose topics and services span every process connected to ``transport_url``."""

    def __init__(
        self,
        transport_url: str,
        node_id: str | None = None,
        *,
        namespace: str = "congress",
        conf: cfg.ConfigOpts | None = None,
        call_timeout: float = 60.0,
        answer_timeout: int = 10,
        retry: int = 3,
    ) -> None:
        """``conf`` holds oslo.messaging's own options (``[oslo_messaging_rabbit]``..., default ``cfg.CONF``).

        ``call_timeout`` bounds a whole call; ``answer_timeout`` is how long a call
        waits for any serving process to acknowledge it (whole seconds, at least 2:
        the serving side acknowledges every ``answer_timeout / 2`` s while it works);
        ``retry`` bounds the connection attempts of a send (-1: forever).
        """
        if not isinstance(answer_timeout, int) or not 2 <= answer_timeout <= call_timeout:
            raise ValueError(
                f"answer_timeout must be whole seconds in [2, call_timeout], not {answer_timeout!r}"
            )
        self.node_id = node_id or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.namespace = namespace
        self._call_timeout = call_timeout
        self._answer_timeout = answer_timeout
        self._retry = retry
        self._serializer = _CodecSerializer()
        self._transport = oslo_messaging.get_rpc_transport(
            cfg.CONF if conf is None else conf, url=transport_url
        )
        self._lock = threading.Lock()
        self._closed = False
        self._subscribers: dict[str, list[Handler]] = defaultdict(list)
        self._topics: dict[str, _TopicEndpoint] = {}
        self._services: dict[str, object] = {}
        self._service_servers: dict[str, oslo_messaging.MessageHandlingServer] = {}
        self._stopping: list[threading.Thread] = []

    # -- topics -------------------------------------------------------------
    def publish(self, topic: str, payload: Any) -> None:
        """Local handlers first (synchronously, exceptions propagate), then every other process.

        A payload that cannot travel (``codec.CodecError``) reaches nobody.
        """
        data = codec.encode(payload)
        with self._lock:
            self._check_open()
            handlers = list(self._subscribers.get(topic, ()))
        for handler in handlers:
            handler(payload)
        client = self._client(self._topic_name(topic), serializer=None).prepare(
            fanout=True, retry=self._retry
        )
        _sending(topic, lambda: client.cast({}, "deliver", origin=self.node_id, payload=data))

    def subscribe(self, topic: str, handler: Handler) -> None:
        """Once this returns, every later publish on ``topic`` by any process reaches ``handler``."""
        with self._lock:
            self._check_open()
            if topic not in self._topics:
                endpoint = _TopicEndpoint(self, topic)
                # One worker thread: a topic's payloads are handled one at a time, in arrival order.
                endpoint.server = self._start_server(
                    self._topic_name(topic), endpoint, serializer=None, pool_size=1
                )
                self._topics[topic] = endpoint
            self._subscribers[topic].append(handler)

    def unsubscribe(self, topic: str, handler: Handler) -> None:
        with self._lock:
            handlers = self._subscribers.get(topic, [])
            if handler in handlers:
                handlers.remove(handler)
            if not handlers and topic in self._topics:
                self._stop_later(self._topics.pop(topic).server)
                self._subscribers.pop(topic, None)

    def _deliver_remote(self, topic: str, endpoint: _TopicEndpoint, payload: Any) -> None:
        with self._lock:
            current = self._topics.get(topic) is endpoint
            handlers = list(self._subscribers.get(topic, ())) if current else []
        for handler in handlers:
            try:
                handler(payload)
            except Exception:  # nobody to raise to: the publisher is another process
                LOG.exception("Handler %r of bus topic %s failed", handler, topic)

    # -- services -----------------------------------------------------------
    def register_service(self, name: str, endpoint: object) -> None:
        with self._lock:
            self._check_open()
            if name not in self._service_servers:
                rpc_endpoint = _ServiceEndpoint(self, name)
                self._service_servers[name] = self._start_server(
                    self._service_name(name), rpc_endpoint, serializer=self._serializer
                )
            self._services[name] = endpoint

    def unregister_service(self, name: str) -> None:
        """At once no call reaches the endpoint (remote callers get ServiceUnavailable)."""
        with self._lock:
            self._services.pop(name, None)
            server = self._service_servers.pop(name, None)
            if server is not None:
                self._stop_later(server)

    def call(self, service: str, method: str, **kwargs: Any) -> Any:
        with self._lock:
            self._check_open()
            local = self._services.get(service)
        if local is not None:
            return getattr(local, method)(**kwargs)
        client = self._client(self._service_name(service), serializer=self._serializer).prepare(
            timeout=self._call_timeout, call_monitor_timeout=self._answer_timeout, retry=self._retry
        )
        started = time.monotonic()
        try:
            status, result = _sending(
                service, lambda: client.call({}, "invoke", operation=method, kwargs=kwargs)
            )
        except oslo_messaging.MessagingTimeout as exc:
            waited = time.monotonic() - started
            raise ServiceUnavailable(
                f"no process answered {service}.{method} within {waited:.1f} s "
                f"(service {service!r} is not on the bus, or too slow)"
            ) from exc
        except (
            oslo_messaging.RemoteError
        ) as exc:  # failed outside our endpoint (e.g. a peer of another version)
            raise RemoteError(service, method, exc.exc_type, exc.value) from exc
        if status == _OK:
            return result
        if status == _GONE:
            raise ServiceUnavailable(f"service {service!r} left the bus")
        raise faults.rebuild(service, method, result)

    def _endpoint(self, name: str) -> object | None:
        with self._lock:
            return self._services.get(name)

    # -- lifecycle ----------------------------------------------------------
    def close(self, timeout: float = 30.0) -> None:
        """Stop every consumer (in parallel: each takes up to a poll interval) and drop the connections."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            servers = [t.server for t in self._topics.values()] + list(self._service_servers.values())
            self._topics.clear()
            self._subscribers.clear()
            self._service_servers.clear()
            self._services.clear()
            for server in servers:
                self._stop_later(server)
            pending = list(self._stopping)
        deadline = time.monotonic() + timeout
        for thread in pending:
            thread.join(max(0.0, deadline - time.monotonic()))
        if any(t.is_alive() for t in pending):
            LOG.warning("Bus %s: some consumers did not stop within %s s", self.node_id, timeout)
        self._transport.cleanup()

    def __enter__(self) -> MessagingBus:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- helpers ------------------------------------------------------------
    def _check_open(self) -> None:
        if self._closed:
            raise ServiceUnavailable(f"bus {self.node_id} is closed")

    def _topic_name(self, topic: str) -> str:
        return f"{self.namespace}.topic.{_amqp_safe(topic)}"

    def _service_name(self, service: str) -> str:
        return f"{self.namespace}.service.{_amqp_safe(service)}"

    def _client(self, topic: str, serializer: _CodecSerializer | None) -> oslo_messaging.RPCClient:
        """A client of ``topic``; topic payloads come encoded, service arguments go through ``serializer``."""
        target = oslo_messaging.Target(exchange=self.namespace, topic=topic)
        return oslo_messaging.get_rpc_client(self._transport, target, serializer=serializer)

    def _start_server(
        self, topic: str, endpoint: object, serializer: _CodecSerializer | None, pool_size: int | None = None
    ) -> oslo_messaging.MessageHandlingServer:
        """A consumer of ``topic`` whose queues are declared and bound before this returns.

        Its ``server`` name is its own, never reused: oslo.messaging gives each consumer a
        queue named after it, and with ``amqp_auto_delete`` the broker deletes that queue
        when its consumer leaves. Were the name shared with a consumer of the same topic
        still stopping in the background (unsubscribe then subscribe), that stop could
        delete the queue under its successor, whose channel then fails over and over:
        payloads lost or delivered again, and a consumer that never stops.
        """
        name = f"{self.node_id}.{uuid.uuid4().hex[:12]}"
        target = oslo_messaging.Target(exchange=self.namespace, topic=topic, server=name)
        server = oslo_messaging.get_rpc_server(
            self._transport,
            target,
            [endpoint],
            serializer=serializer,
            access_policy=oslo_messaging.DefaultRPCAccessPolicy,
        )
        server.start(override_pool_size=pool_size)
        return server

    def _stop_later(self, server: oslo_messaging.MessageHandlingServer) -> None:
        """Stop a server off the caller's thread: stopping waits out a poll interval, and a handler
        that unsubscribes would otherwise wait for itself. Caller holds the lock."""
        thread = threading.Thread(target=_stop, args=(server,), name=f"bus-stop-{self.node_id}", daemon=True)
        thread.start()
        self._stopping = [t for t in self._stopping if t.is_alive()] + [thread]


def _sending(name: str, send: Callable[[], Any]) -> Any:
    """``send()``, once more if the broker refused it; other transport failures are ServiceUnavailable.

    An exchange is deleted with its last queue (fanout exchanges always, topic
    exchanges with ``amqp_auto_delete``), but the sending connection remembers it
    as declared: the first send after that is refused, and a second one declares it anew.
    """
    try:
        try:
            return send()
        except oslo_messaging.MessageDeliveryFailure:
            LOG.debug("Bus send to %s refused once; sending again", name, exc_info=True)
        return send()
    except (oslo_messaging.MessagingTimeout, oslo_messaging.RemoteError, codec.CodecError):
        raise
    except oslo_messaging.MessageDeliveryFailure as exc:
        raise ServiceUnavailable(f"the message bus refused a message for {name!r}: {exc}") from exc
    except Exception as exc:  # the driver's own connection errors (kombu, amqp, ...), after `retry`
        raise ServiceUnavailable(f"cannot reach the message bus to send to {name!r}: {exc}") from exc


def _stop(server: oslo_messaging.MessageHandlingServer) -> None:
    server.stop()
    server.wait()


def _amqp_safe(name: str) -> str:
    """A name usable in AMQP routing keys without wildcards (``*``, ``#``) or surprises."""
    return quote(name, safe="-_.")
