"""Config validator (``config``): the OpenStack configuration of hosts, with option metadata.

**The original data path is not available here.** The original's agents
(``congress-cfg-validator-agt``) sent configuration over oslo.messaging RPC, which
needs that agent and a message bus. This driver keeps the original's literal schema
and builds the same tables from a host *report* posted to the datasource's webhook
(``POST /v1/data-sources/<ds>/webhook``)::

    {"host": "compute-1",
     "files": [{"path": "/etc/nova/nova.conf", "template": "nova",
                "values": {"DEFAULT": {"debug": "true"}}}],
     "templates": {"nova": ["nova.conf", "oslo.log"]},
     "namespaces": {"oslo.log": <oslo-config-generator --namespace oslo.log --format json>},
     "services": [{"service": "nova-compute", "version": "20.0.0"}],
     "modules": [{"base_dir": "/usr/lib/python3/dist-packages", "module": "nova"}]}

``python -m congress.datasources.cfgvalidator_report`` builds and posts such a report on a
host (in place of the original agent). Namespaces are oslo-config-generator's machine-readable
output, so option metadata (type, default, flags, help, min/max/choices) comes from the real
option definitions.
That output does not carry a string's regex/max length/quotes, a list's item type, an
IP version or URI schemes: those cells are empty. A report replaces everything earlier
reported by the same host; namespaces and templates are shared between hosts. Reports are
not stored: after a restart the tables are empty until the hosts report again.

Ids are md5 hashes of what identifies the thing (host name; host and file path; template
name; namespace name; namespace, group and option name; module base dir and name). As in
the original, None cells are ``""`` and ``%`` is removed from strings. A file value binds
to an option of the file's template namespaces by group and name (``-`` and ``_`` alike);
unknown options are left out. Polls republish the tables of the reports received.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any

from congress.datasources.base import OPTIONAL, PollingDriver, Row
from congress.datasources.handwritten import LiteralSchema
from congress.datasources.translator import content_hash
from congress.dse.bus import Bus
from congress.exceptions import UpdateNotPermitted

# option_info's last columns: the option's fields of the same names
OPTION_DETAILS = (
    "deprecated_reason", "mutable", "positional", "required", "sample_default", "secret", "help",
)  # fmt: skip

TYPE_TABLES = {
    "integer value": "int_type",
    "port": "int_type",
    "floating point value": "float_type",
    "string value": "string_type",
    "multi valued": "string_type",
    "list value": "list_type",
    "IP address value": "ipaddr_type",
    "uri value": "uri_type",
    "range value": "range_type",
}


def cell(value: Any) -> Any:
    """The config driver's cell rendering: None -> "", lists joined by commas, '%' removed."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, list | tuple):
        value = ",".join(str(cell(v)) for v in value)
    return str(value).replace("%", "")


def _choices(opt: Mapping[str, Any]) -> Any:
    return cell([c[0] if isinstance(c, list | tuple) else c for c in opt.get("choices") or ()])


def _type_row(table: str, opt_id: str, opt: Mapping[str, Any]) -> Row:
    lo, hi = cell(opt.get("min")), cell(opt.get("max"))
    return {
        "int_type": (opt_id, lo, hi, _choices(opt)),
        "float_type": (opt_id, lo, hi),
        "string_type": (opt_id, "", "", "", "", _choices(opt)),
        "list_type": (opt_id, "", ""),
        "ipaddr_type": (opt_id, ""),
        "uri_type": (opt_id, "", ""),
        "range_type": (opt_id, lo, hi),
    }[table]


def _norm(name: str) -> str:
    return name.replace("-", "_")


class Tables:
    """The seventeen tables, filled report by report."""

    def __init__(self, names: Iterable[str]) -> None:
        self.rows: dict[str, set[Row]] = {name: set() for name in names}
        self.options: dict[str, dict[tuple[str, str], str]] = {}  # namespace -> (group, name) -> option id

    def namespace(self, name: str, data: Mapping[str, Any]) -> str:
        ns_id = content_hash(["namespace", name])
        self.rows["namespace"].add((ns_id, cell(name)))
        known = self.options.setdefault(name, {})
        for group, content in (data.get("options") or {}).items():
            for opt in content.get("opts") or ():
                opt_id = content_hash([name, group, opt["name"]])
                known[(group, _norm(opt["name"]))] = opt_id
                self.rows["option"].add((opt_id, ns_id, cell(group), cell(opt["name"])))
                self.rows["option_info"].add(
                    (
                        opt_id,
                        cell(opt.get("type")),
                        cell(opt.get("default")),
                        cell(opt.get("deprecated_for_removal")),
                    )
                    + tuple(cell(opt.get(key)) for key in OPTION_DETAILS)
                )
                table = TYPE_TABLES.get(opt.get("type"))
                if table:
                    self.rows[table].add(_type_row(table, opt_id, opt))
        return ns_id

    def report(self, report: Mapping[str, Any]) -> None:
        host = report["host"]
        host_id = content_hash(["host", host])
        self.rows["host"].add((host_id, cell(host)))
        namespaces = report.get("namespaces") or {}
        ns_ids = {name: self.namespace(name, data) for name, data in namespaces.items()}
        templates = report.get("templates") or {}
        for template, members in templates.items():
            tpl_id = content_hash(["template", template])
            self.rows["template"].add((tpl_id, cell(template)))
            for ns in members:
                self.rows["template_ns"].add((tpl_id, ns_ids.get(ns) or content_hash(["namespace", ns])))
        for f in report.get("files") or ():
            file_id = content_hash([host, f["path"]])
            template = f.get("template")
            tpl_id = content_hash(["template", template]) if template else ""
            self.rows["file"].add((file_id, host_id, tpl_id, cell(f["path"])))
            for group, values in (f.get("values") or {}).items():
                for name, value in values.items():
                    opt_id = self._option(templates.get(template) or (), group, name)
                    if opt_id:
                        self.rows["binding"].add((opt_id, file_id, cell(value)))
        for s in report.get("services") or ():
            self.rows["service"].add((cell(s["service"]), host_id, cell(s.get("version"))))
        for m in report.get("modules") or ():
            mod_id = content_hash([m.get("base_dir"), m["module"]])
            self.rows["module"].add((mod_id, cell(m.get("base_dir")), cell(m["module"])))

    def _option(self, namespaces: Iterable[str], group: str, name: str) -> str | None:
        for ns in namespaces:
            opt_id = self.options.get(ns, {}).get((group, _norm(name)))
            if opt_id:
                return opt_id
        return None


class ValidatorDriver(LiteralSchema, PollingDriver):
    driver_id = "config"
    description = "Datasource driver that allows OS configs retrieval."
    config_options = {"poll_time": OPTIONAL, "lazy_tables": OPTIONAL}
    secret = None
    default_column_desc = ""
    table_columns = {
        "binding": (
            ("option_id", "The represented option"),
            ("file_id", "The file containing the assignement"),
            ("val", "Actual value"),
        ),
        "option": (("id", "Id"), "namespace", "group", "name"),
        "option_info": (
            ("option_id", "Option id"),
            "type",
            "default",
            "deprecated",
            *OPTION_DETAILS,
        ),  # fmt: skip
        "host": (("id", "Id"), ("name", "Arbitraty host name")),
        "file": (
            ("id", "Id"),
            ("host_id", "File's host"),
            ("template", "Template specifying the content of the file"),
            "name",
        ),
        "module": (("id", "Id"), "base_dir", "module"),
        "service": ("service", "host", "version"),
        "template": ("id", "name"),
        "template_ns": (("template", "hash"), ("namespace", "hash")),
        "namespace": ("id", "name"),
        "int_type": ("option_id", "min", "max", "choices"),
        "float_type": ("option_id", "min", "max"),
        "string_type": ("option_id", "regex", "max_length", "quotes", "ignore_case", "choices"),
        "list_type": ("option_id", "item_type", "bounds"),
        "ipaddr_type": ("option_id", "version"),
        "uri_type": ("option_id", "max_length", "schemes"),
        "range_type": ("option_id", "min", "max"),
    }

    def __init__(self, name: str, config: Mapping[str, Any] | None, bus: Bus) -> None:
        super().__init__(name, config, bus)
        self._reports: dict[str, Mapping[str, Any]] = {}
        self._reports_lock = threading.Lock()

    def table_sources(self):
        yield "reports", self._tables

    def _tables(self, extra: Mapping[str, Any] | None = None) -> dict[str, set[Row]]:
        with self._reports_lock:
            reports = dict(self._reports)
        if extra is not None:
            reports[extra["host"]] = extra
        tables = Tables(self.table_columns)
        for host in sorted(reports):
            tables.report(reports[host])
        return self.without_lazy(tables.rows)

    def webhook(self, payload: Any, table: str | None = None) -> None:
        if (
            not isinstance(payload, Mapping)
            or not isinstance(payload.get("host"), str)
            or not payload["host"]
        ):
            raise UpdateNotPermitted('a config report is an object with a "host" name')
        try:
            tables = self._tables(extra=payload)  # validates before anything is kept
        except (TypeError, KeyError, AttributeError, ValueError) as exc:
            raise UpdateNotPermitted(f"bad config report: {exc}") from exc
        with self._reports_lock:
            self._reports[payload["host"]] = payload
        self._replace_tables(tables)
