"""Every configuration option of Congress, registered on ``CONF`` and read once at start-up.

The option names are the ones the original congress.conf used, so existing
configuration files keep working. ``list_opts()`` feeds oslo-config-generator
(entry point ``oslo.config.opts: congress``), which writes etc/congress.conf.sample.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from oslo_config import cfg
from oslo_log import log as logging

CONF = cfg.CONF

DEFAULT_PORT = 1789


def _default_state_path() -> str:
    """Services run as root use /var/lib/congress; a developer's server keeps its state under $HOME."""
    if os.geteuid() == 0:
        return "/var/lib/congress"
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, "congress")


core_opts = [
    cfg.HostAddressOpt("bind_host", default="0.0.0.0", help="The host IP to bind the API server to."),
    cfg.PortOpt("bind_port", default=DEFAULT_PORT, help="The port the API server listens on."),
    cfg.StrOpt(
        "auth_strategy",
        default="keystone",
        choices=[
            ("keystone", "tokens are validated by keystonemiddleware ([keystone_authtoken])"),
            ("noauth", "no authentication: every request is allowed (loopback only by default)"),
        ],
        help="How API requests are authenticated: keystone tokens, or not at all.",
    ),
    cfg.BoolOpt(
        "allow_noauth_on_non_loopback",
        default=False,
        help="Allow auth_strategy=noauth while bind_host is not a loopback address. "
        "Without this the server refuses to start, since anyone reaching it could change policy.",
    ),
    cfg.StrOpt(
        "api_paste_config", default="api-paste.ini", help="The paste.deploy file of the API pipeline."
    ),
    cfg.IntOpt(
        "max_request_body_size",
        default=1048576,
        min=1,
        help="The largest request body (bytes) the API accepts; larger ones get 413.",
    ),
    cfg.IntOpt(
        "wsgi_default_pool_size",
        default=16,
        min=1,
        help="Worker threads of the API server: how many requests (and open connections waiting for "
        "their next request) it serves at once. Each thread shares one interpreter (GIL), so more "
        "threads help only with slow or idle clients.",
    ),
    cfg.IntOpt(
        "client_socket_timeout",
        default=5,
        min=1,
        help="Seconds the API server waits for a client's socket (the rest of a request, or the next "
        "request on a keep-alive connection) before closing the connection. A client that stalls holds "
        "a worker thread until then; on untrusted networks also put a reverse proxy in front.",
    ),
    cfg.ListOpt(
        "drivers",
        default=[],
        help="Datasource driver classes to load, as driver ids or class paths "
        "(e.g. congress.datasources.nova_driver.NovaDriver). Empty: every bundled driver.",
    ),
    cfg.ListOpt("disabled_drivers", default=[], help="Driver ids that may not be used."),
    cfg.ListOpt(
        "custom_driver_endpoints",
        default=[],
        help="Extra drivers from third-party packages, as entry point names of congress.datasource.drivers.",
    ),
    cfg.BoolOpt(
        "enable_execute_action",
        default=True,
        help="Run the actions policies ask for. False: record and log them as dry-run only.",
    ),
    cfg.IntOpt(
        "action_retry_attempts",
        default=3,
        min=0,
        help="How many more times an action execution is tried after a transient failure (its service "
        "not on the bus, no answer from the cloud, an HTTP 5xx); 0: never. Refusals (HTTP 4xx, bad "
        "arguments, unknown actions) are never retried.",
    ),
    cfg.FloatOpt(
        "action_retry_backoff",
        default=0.5,
        min=0,
        help="Seconds before the first retry of an action execution; each further retry waits twice as "
        "long, up to action_retry_max_backoff. A random part of up to half of each wait (jitter) spreads "
        "retries of many executions apart.",
    ),
    cfg.FloatOpt(
        "action_retry_max_backoff",
        default=30.0,
        min=0,
        help="The longest wait (seconds) between two tries of an action execution.",
    ),
    cfg.IntOpt(
        "datasource_sync_period",
        default=60,
        min=0,
        help="Seconds between reconciling running datasources with the database (0: never).",
    ),
    cfg.StrOpt(
        "state_path",
        default=_default_state_path(),
        sample_default="/var/lib/congress",
        help="Where Congress keeps its state (the default SQLite database).",
    ),
    cfg.StrOpt(
        "encryption_key_path",
        default="$state_path/keys",
        sample_default="/etc/congress/keys",
        help="Directory of the key that encrypts datasource secrets in the database (created on first use).",
    ),
]

database_opts = [
    cfg.StrOpt(
        "connection",
        secret=True,
        default="sqlite:///$state_path/congress.sqlite",
        help="SQLAlchemy URL of the Congress database.",
    ),
]

json_ingester_opts = [
    cfg.BoolOpt(
        "enable",
        default=False,
        help="The original's JSON ingester: JSON from webhooks and API polls kept in PostgreSQL tables, "
        "with the per-table webhook route POST .../tables/{table}/webhook. It is not implemented in this "
        "release: while this is false that route answers 404, and true makes congress-server refuse to "
        "start rather than run without it.",
    ),
]


def register_opts(conf: cfg.ConfigOpts = CONF) -> None:
    """Register Congress's options (idempotent)."""
    conf.register_opts(core_opts)
    conf.register_opts(database_opts, group="database")
    conf.register_opts(json_ingester_opts, group="json_ingester")


def register_messaging_opts(conf: cfg.ConfigOpts = CONF) -> None:
    """oslo.messaging's own ``[DEFAULT] transport_url`` (and its companions), registered on demand:
    importing oslo.messaging is slow, and only the server needs it. Registering after parsing is fine."""
    from oslo_messaging import opts as messaging_opts

    for group, opts in messaging_opts.list_opts():
        if group in (None, "DEFAULT"):
            conf.register_opts(opts)


def messaging_url(conf: cfg.ConfigOpts = CONF) -> str | None:
    """The transport_url the operator configured, or None: oslo.messaging's own default (rabbit://)
    must not turn a single-node server into a RabbitMQ client."""
    register_messaging_opts(conf)
    if conf.get_location("transport_url").location is cfg.Locations.opt_default:
        return None
    return conf.transport_url or None


def list_opts() -> list[tuple[str | None, list[cfg.Opt]]]:
    """For oslo-config-generator (see etc/oslo-config-generator/congress.conf)."""
    return [
        ("DEFAULT", list(core_opts)),
        ("database", list(database_opts)),
        ("json_ingester", list(json_ingester_opts)),
    ]


register_opts()
logging.register_options(CONF)


def load(argv: Sequence[str] | None = None, conf: cfg.ConfigOpts = CONF) -> cfg.ConfigOpts:
    """Parse the command line and the config files (default search: ~/.congress, /etc/congress, ...)."""
    conf(list(argv) if argv is not None else None, project="congress")
    logging.setup(conf, "congress")
    return conf
