"""OpenStack access for drivers: keystoneauth password sessions, catalog endpoints, REST listings, actions.

Every OpenStack driver authenticates with the keystoneauth1 generic password
plugin (``auth_url``, ``username``, ``password``, ``project_name`` or
``tenant_name``, user/project domain defaulting to ``Default``), finds its
service endpoint in the Keystone catalog (``region``, or the ``endpoint``
override), and issues plain REST calls through the session. ``OpenStackDriver``
turns a table of ``Listing`` declarations (one per root table) into polls and a
table of ``RestAction`` declarations into the driver's generic API actions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal
from urllib.parse import urlsplit

from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import generic

from congress.datalog.ast import Value
from congress.datasources.base import OPTIONAL, REQUIRED, ActionError, PollingDriver
from congress.datasources.interface import ActionArg, ActionSpec
from congress.dse.bus import Bus

AUTH_OPTIONS: dict[str, str] = {
    "auth_url": REQUIRED,
    "endpoint": OPTIONAL,
    "region": OPTIONAL,
    "username": REQUIRED,
    "password": REQUIRED,
    "user_domain_name": OPTIONAL,
    "project_domain_name": OPTIONAL,
    "tenant_name": OPTIONAL,
    "project_name": REQUIRED,
    "poll_time": OPTIONAL,
}


def openstack_options(*extra: str) -> dict[str, str]:
    """The usual OpenStack driver options (in the original's order), then ``extra`` and ``lazy_tables``."""
    return {**AUTH_OPTIONS, **dict.fromkeys(extra, OPTIONAL), "lazy_tables": OPTIONAL}


def make_session(config: Mapping[str, Any], timeout: float = 60.0) -> ks_session.Session:
    auth = generic.Password(
        auth_url=config["auth_url"],
        username=config["username"],
        password=config["password"],
        project_name=config.get("project_name") or config.get("tenant_name"),
        user_domain_name=config.get("user_domain_name") or "Default",
        project_domain_name=config.get("project_domain_name") or "Default",
    )
    return ks_session.Session(auth=auth, timeout=timeout)


@dataclass(frozen=True, slots=True)
class Service:
    """Where a driver's API lives: catalog service types to try, and the API version path segment.

    ``version`` (e.g. ``"v2.0"``) is appended when the catalog endpoint is unversioned,
    as the original client libraries did.
    """

    types: tuple[str, ...]
    version: str = ""


class ServiceClient:
    """REST calls to one service through a keystoneauth session."""

    def __init__(
        self,
        session: ks_session.Session,
        service: Service,
        region: str | None = None,
        endpoint_override: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.session = session
        self.service = service
        self.headers = dict(headers or {})
        self.region = region
        self.endpoint_override = endpoint_override
        self._endpoint: str | None = None

    @property
    def endpoint(self) -> str:
        if self._endpoint is None:
            self._endpoint = self._with_version(self.endpoint_override or self._from_catalog())
        return self._endpoint

    def _from_catalog(self) -> str:
        for service_type in self.service.types:
            try:
                url = self.session.get_endpoint(
                    service_type=service_type, interface="public", region_name=self.region
                )
            except ks_exceptions.EndpointNotFound:
                url = None
            if url:
                return url
        raise ks_exceptions.EndpointNotFound(f"no {'/'.join(self.service.types)} endpoint in the catalog")

    def _with_version(self, url: str) -> str:
        url = url.rstrip("/")
        version = self.service.version
        if version and f"/{version}" not in urlsplit(url).path + "/":
            url = f"{url}/{version}"
        return url

    def root(self) -> str:
        """The endpoint without its version segment (glance ``next`` links are relative to it)."""
        version = self.service.version
        url = self.endpoint
        return url[: -len(version) - 1] if version and url.endswith("/" + version) else url

    def url(self, path: str) -> str:
        return path if "://" in path else self.endpoint + path

    def request(
        self, method: str, path: str, *, params: Mapping[str, Any] | None = None, body: Any = None
    ) -> Any:
        response = self.session.request(
            self.url(path), method, json=body, params=params, headers=self.headers
        )
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            return response.text

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params)


Paging = Literal["none", "links", "next", "marker"]


@dataclass(frozen=True, slots=True)
class Listing:
    """How to fetch one root table: ``GET path`` and the objects under ``key`` (None: the body is the list).

    ``paging``: ``links`` follows ``<key>_links`` rel=next hrefs (neutron, cinder);
    ``next`` follows a ``next`` path relative to the unversioned endpoint (glance);
    ``marker`` repeats with ``marker=<last name>`` until a page is empty (swift).
    """

    path: str
    key: str | None
    params: Mapping[str, Any] = field(default_factory=dict)
    paging: Paging = "none"


def fetch_listing(client: ServiceClient, listing: Listing, path: str | None = None) -> list[Any]:
    """All objects of a listing, following its pagination."""
    objects: list[Any] = []
    url: str | None = path or listing.path
    params: dict[str, Any] | None = dict(listing.params)
    while url is not None:
        body = client.get(url, params)
        page = body if listing.key is None else body[listing.key]
        if not isinstance(page, list):
            raise TypeError(f"GET {url}: expected a list under {listing.key!r}, got {type(page).__name__}")
        objects.extend(page)
        url, params = _next_page(client, listing, body, url, params, page)
    return objects


def _next_page(
    client: ServiceClient, listing: Listing, body: Any, url: str, params: dict[str, Any] | None, page: list
) -> tuple[str | None, dict[str, Any] | None]:
    if listing.paging == "links":
        for link in body.get(f"{listing.key}_links") or ():
            if link.get("rel") == "next":
                return link["href"], None
    elif listing.paging == "next" and body.get("next"):
        return client.root() + body["next"], None
    elif listing.paging == "marker" and page:
        return url, {**(params or {}), "marker": page[-1]["name"]}
    return None, None


@dataclass(frozen=True, slots=True)
class RestAction:
    """A generic API action (the original's dotted client method) as one REST call.

    ``args`` name the positional arguments, in order; ``path`` is formatted with
    them. ``body`` builds the JSON body from the argument dict (None: no body);
    named arguments not in ``args`` reach ``body`` too.
    """

    method: str
    path: str
    args: tuple[str, ...] = ()
    body: Callable[[dict[str, Any]], Any] | None = None
    description: str = ""


class OpenStackDriver(PollingDriver):
    """A polling driver over one OpenStack service: ``service``, ``listings``, ``rest_actions``."""

    config_options = openstack_options()
    secret = ("password",)
    service: ClassVar[Service]
    listings: ClassVar[Mapping[str, Listing]] = {}
    rest_actions: ClassVar[Mapping[str, RestAction]] = {}

    def __init__(self, name: str, config: Mapping[str, Any] | None, bus: Bus) -> None:
        super().__init__(name, config, bus)
        self.session = make_session(self.config)
        self.client = ServiceClient(
            self.session,
            self.service,
            self.config.get("region"),
            self.config.get("endpoint"),
            self.request_headers(),
        )

    def request_headers(self) -> dict[str, str]:
        """Headers sent with every call (nova sends its API microversion)."""
        return {}

    def fetch(self, root_table: str) -> list[Any]:
        return fetch_listing(self.client, self.listings[root_table])

    def api_actions(self) -> list[ActionSpec]:
        return [
            ActionSpec(name, a.description, tuple(ActionArg(arg) for arg in a.args))
            for name, a in self.rest_actions.items()
        ]

    def call(self, method: str, path: str, body: Any = None) -> Any:
        """One REST call for an action; service errors become ``ActionError``."""
        try:
            return self.client.request(method, path, body=body)
        except ks_exceptions.ClientException as exc:
            raise ActionError(
                f"{method} {path} failed: {exc}",
                http_status=getattr(exc, "http_status", None) or None,  # HttpError only; 0 means unknown
                unreachable=isinstance(exc, ks_exceptions.RetriableConnectionFailure),
            ) from exc

    def execute_api_action(self, action: str, args: Sequence[Value], named: Mapping[str, Any]) -> Any:
        spec = self.rest_actions.get(action)
        if spec is None:
            raise ActionError(f"datasource {self.name!r} ({self.driver_id}) has no action {action!r}")
        if len(args) > len(spec.args):
            raise ActionError(f"action {action!r} takes at most {len(spec.args)} positional arguments")
        values = {**named, **dict(zip(spec.args, args, strict=False))}
        missing = [a for a in spec.args if a not in values]
        if missing:
            raise ActionError(f"action {action!r} is missing arguments: {', '.join(missing)}")
        try:
            path = spec.path.format(**{k: str(v) for k, v in values.items()})
            body = spec.body(values) if spec.body is not None else None
        except (KeyError, TypeError, ValueError) as exc:
            raise ActionError(f"action {action!r}: bad arguments: {exc}") from exc
        return self.call(spec.method, path, body)
