"""Report a host's OpenStack configuration to a Congress ``config`` datasource (its webhook).

Stands in for the original's oslo.messaging agent: run it on the host, e.g.::

    python -m congress.datasources.cfgvalidator_report \\
        --url http://congress:1789/v1/data-sources/config/webhook --host compute-1 \\
        --template nova=nova.conf,oslo.log --file /etc/nova/nova.conf=nova \\
        --service nova-compute=20.0.0

Config files are read as INI (no interpolation; the last of repeated keys wins). Each
template namespace is described by ``oslo-config-generator --namespace NS --format json``
run with this Python, so the namespace's package must be installed here. See
``congress.datasources.cfgvalidator_driver`` for the report format.
"""

from __future__ import annotations

import argparse
import configparser
import json
import socket
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

import requests

NO_DEFAULT_SECTION = "\x00"  # so that [DEFAULT] is read as an ordinary group


def read_values(path: str) -> dict[str, dict[str, str]]:
    parser = configparser.RawConfigParser(strict=False, default_section=NO_DEFAULT_SECTION)
    parser.optionxform = str  # keep option names as written
    with open(path, encoding="utf-8") as handle:
        parser.read_file(handle)
    return {section: dict(parser.items(section)) for section in parser.sections()}


def namespace_data(namespace: str) -> dict[str, Any]:
    """oslo-config-generator's machine-readable description of one namespace."""
    out = subprocess.run(
        [sys.executable, "-m", "oslo_config.generator", "--namespace", namespace, "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def _pair(text: str, option: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name or not value:
        raise argparse.ArgumentTypeError(f"{option} takes NAME=VALUE, not {text!r}")
    return name, value


def build_report(
    host: str,
    templates: Sequence[tuple[str, str]],
    files: Sequence[tuple[str, str]],
    services: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    """The report for ``host``: ``templates`` as (name, "ns1,ns2"), ``files`` as (path, template)."""
    members = {name: [ns for ns in spec.split(",") if ns] for name, spec in templates}
    unknown = sorted({t for _, t in files} - set(members))
    if unknown:
        raise ValueError(f"files name undeclared templates: {unknown}")
    namespaces = sorted({ns for group in members.values() for ns in group})
    return {
        "host": host,
        "templates": members,
        "namespaces": {ns: namespace_data(ns) for ns in namespaces},
        "files": [{"path": path, "template": t, "values": read_values(path)} for path, t in files],
        "services": [{"service": s, "version": v} for s, v in services],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the datasource's webhook URL")
    parser.add_argument("--token", help="a Keystone token (X-Auth-Token), when Congress uses keystone auth")
    parser.add_argument("--host", default=socket.gethostname())
    parser.add_argument("--template", action="append", default=[], type=lambda t: _pair(t, "--template"))
    parser.add_argument("--file", action="append", default=[], type=lambda t: _pair(t, "--file"))
    parser.add_argument("--service", action="append", default=[], type=lambda t: _pair(t, "--service"))
    args = parser.parse_args(argv)
    try:
        report = build_report(args.host, args.template, args.file, args.service)
    except (OSError, ValueError, configparser.Error, subprocess.CalledProcessError) as exc:
        parser.error(str(exc))
    headers = {"X-Auth-Token": args.token} if args.token else {}
    response = requests.post(args.url, json=report, headers=headers, timeout=60)
    if response.status_code >= 400:
        print(f"Congress refused the report: HTTP {response.status_code}: {response.text}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
