"""The released python-congressclient in its own venv, to drive a real server through ``openstack congress``.

The venv is built once (about 30 s, PyPI needed) and reused by later runs while its marker matches the pins
below. Location: ``$CONGRESS_CLIENT_VENV``, else ``$XDG_CACHE_HOME/congress-tests/client-venv`` (default
``~/.cache``). Building is serialized with a lock file, so parallel sessions do not race.

PyYAML 5.4.1 is installed on top (from its sdist with Cython<3, as the client's ``policy create-from-file``
calls ``yaml.load_all`` without a Loader, which PyYAML 6 rejects). If that build fails, the venv keeps
PyYAML 6 and ``ClientEnv.legacy_yaml_reason`` says why; only the create-from-file test skips.

Use in a test module (``client_or_skip`` is cached, so the venv check runs once per session)::

    @pytest.fixture(scope="module")
    def cli():
        return client_or_skip()

    def test_x(cli, congress_server):
        assert cli.json(congress_server.url, "policy", "list")

``ClientEnv.run_cli`` runs ``openstack --os-auth-type none --os-endpoint URL congress ...`` through a launcher
that imports the CLI once and forks a fresh process per command (see ``_LAUNCHER``); ``ClientEnv.api`` calls
the client's Python API in the venv (``_API_CALL``).
"""

from __future__ import annotations

import atexit
import fcntl
import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CLIENT_PINS = ("python-congressclient==2.0.1", "python-openstackclient==10.5.0")
LEGACY_YAML_PIN = "PyYAML==5.4.1"
LEGACY_YAML_BUILD_DEPS = ("Cython<3", "wheel", "setuptools")
MARKER_NAME = ".congress-client-marker.json"
PIP_TIMEOUT_S = 900
CLI_TIMEOUT_S = 120


def venv_dir() -> Path:
    if os.environ.get("CONGRESS_CLIENT_VENV"):
        return Path(os.environ["CONGRESS_CLIENT_VENV"])
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "congress-tests" / "client-venv"


def _wanted_marker() -> str:
    """Identifies what the venv must contain; a change of pins or interpreter rebuilds it."""
    spec = [*CLIENT_PINS, LEGACY_YAML_PIN, *LEGACY_YAML_BUILD_DEPS, sys.version.split()[0]]
    return hashlib.sha256("\n".join(spec).encode()).hexdigest()


class ClientUnavailable(RuntimeError):
    """The client venv could not be built (no network, no venv module, ...)."""


def _pip(venv: Path, *args: str, log: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", *args],
        capture_output=True,
        text=True,
        timeout=PIP_TIMEOUT_S,
        stdin=subprocess.DEVNULL,
    )
    with log.open("a") as fh:
        fh.write(f"$ pip install {' '.join(args)}\nrc={proc.returncode}\n{proc.stdout}{proc.stderr}\n")
    return proc


def _build(venv: Path) -> dict[str, object]:
    """Create the venv from scratch; returns the marker content (PyYAML outcome included)."""
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    made = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True)
    if made.returncode != 0:
        raise ClientUnavailable(f"python -m venv failed: {made.stderr.strip()}")
    log = venv / "build.log"
    base = _pip(venv, *CLIENT_PINS, log=log)
    if base.returncode != 0:
        raise ClientUnavailable(f"pip install {' '.join(CLIENT_PINS)} failed; see {log}")
    legacy_yaml_reason = None
    deps = _pip(venv, *LEGACY_YAML_BUILD_DEPS, log=log)
    if deps.returncode != 0 or _pip(venv, "--no-build-isolation", LEGACY_YAML_PIN, log=log).returncode != 0:
        legacy_yaml_reason = f"{LEGACY_YAML_PIN} could not be built from its sdist with Cython<3; see {log}"
    return {"marker": _wanted_marker(), "legacy_yaml_reason": legacy_yaml_reason}


def _read_marker(venv: Path) -> dict[str, object] | None:
    try:
        marker = json.loads((venv / MARKER_NAME).read_text())
    except (OSError, ValueError):
        return None
    if marker.get("marker") != _wanted_marker() or not (venv / "bin" / "openstack").exists():
        return None
    return marker


def ensure_client_venv() -> ClientEnv:
    """The client venv, built if missing or stale. Raises ClientUnavailable when it cannot be built."""
    venv = venv_dir()
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / (venv.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        marker = _read_marker(venv)
        if marker is None:
            try:
                marker = _build(venv)
            except subprocess.TimeoutExpired as exc:
                raise ClientUnavailable(f"building the client venv timed out: {exc}") from exc
            (venv / MARKER_NAME).write_text(json.dumps(marker))
    reason = marker.get("legacy_yaml_reason")
    return ClientEnv(venv=venv, legacy_yaml_reason=str(reason) if reason else None)


class ApiError(Exception):
    """An HTTP error status the client raised (keystoneauth HttpError), as seen by an API user."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message


@functools.cache
def _client_or_reason() -> ClientEnv | str:
    try:
        return ensure_client_venv()
    except ClientUnavailable as exc:
        return str(exc)


def client_or_skip() -> ClientEnv:
    """The client venv for a session fixture; skips the test (with the reason) when it cannot be built."""
    result = _client_or_reason()
    if isinstance(result, str):
        pytest.skip(f"python-congressclient venv unavailable: {result}")
    return result


@dataclass(frozen=True)
class ClientEnv:
    venv: Path
    legacy_yaml_reason: str | None  # None: PyYAML 5.4.1 is installed and create-from-file works

    @property
    def openstack(self) -> Path:
        return self.venv / "bin" / "openstack"

    def run(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """Run ``openstack ARGS`` with OS_* variables cleared (plus ``env``); never raises on exit status."""
        base = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "OSL_"))}
        base.update(env or {})
        worker = _worker(self.venv, _LAUNCHER)
        out, err = worker.dir / "stdout", worker.dir / "stderr"
        code = worker.call({"argv": list(args), "env": base, "stdout": str(out), "stderr": str(err),
                            "timeout": CLI_TIMEOUT_S})
        argv = [str(self.openstack), *args]
        return subprocess.CompletedProcess(argv, code, out.read_text(), err.read_text())

    def run_cli(self, url: str, *args: str) -> subprocess.CompletedProcess[str]:
        """``openstack --os-auth-type none --os-endpoint URL congress ARGS`` (args without the prefix)."""
        return self.run("--os-auth-type", "none", "--os-endpoint", url, "congress", *args)

    def ok(self, url: str, *args: str) -> str:
        """Run a congress subcommand that must succeed; its stdout."""
        proc = self.run_cli(url, *args)
        assert proc.returncode == 0, f"congress {' '.join(args)} exited {proc.returncode}: {proc.stderr}"
        return proc.stdout

    def json(self, url: str, *args: str):
        """Run a Lister/ShowOne subcommand with ``-f json`` and parse what it printed."""
        return json.loads(self.ok(url, *args, "-f", "json"))

    def table(self, url: str, *args: str) -> tuple[list[str], list[list[str]]]:
        """Run a Lister/ShowOne subcommand with the default table output (unwrapped) and parse it."""
        return parse_table(self.ok(url, *args, "--max-width", "10000"))

    def show(self, url: str, *args: str) -> dict[str, str]:
        """Run a ShowOne subcommand; its printed Field/Value table as a dict."""
        headers, rows = self.table(url, *args)
        assert headers == ["Field", "Value"], headers
        return {field: value for field, value in rows}

    def api(self, url: str, method: str, *args: object, **kwargs: object) -> object:
        """Call ``congressclient.v1.client.Client(...).method(*args, **kwargs)`` in the client venv (noauth).

        Returns what the client returned; an HTTP error status raises ApiError."""
        request = {"url": url, "method": method, "args": args, "kwargs": kwargs}
        answer = _worker(self.venv, _API_CALL).call(request)
        assert "crash" not in answer, f"client API call {method} crashed: {answer.get('crash')}"
        if "error" in answer:
            raise ApiError(answer["error"]["status"], answer["error"]["message"])
        return answer["result"]

    def fails(self, url: str, *args: str) -> str:
        """Run a congress subcommand that must fail; its stderr."""
        proc = self.run_cli(url, *args)
        assert proc.returncode != 0, f"congress {' '.join(args)} unexpectedly succeeded: {proc.stdout}"
        return proc.stderr


# Long-lived pythons in the client venv (`_Worker`): one JSON request per line on stdin, one JSON reply per
# line on stdout. The `openstack` CLI costs ~1.2 s per run, nearly all of it imports; _LAUNCHER imports the
# CLI and its command plugins once, then forks a fresh child per command: the child is the real `openstack`
# process (openstackclient.shell.main(argv) with its own argv, env, stdout/stderr files and exit status),
# minus the import time. The reply is the exit status.
_LAUNCHER = """
import importlib, importlib.metadata, json, os, signal, sys
sys.argv[0] = "openstack"  # cliff takes the program name from argv[0] at import time
from openstackclient import shell
# The modules of every command plugin: otherwise each run imports them again (~0.5 s).
for ep in (ep for dist in importlib.metadata.distributions() for ep in dist.entry_points):
    if ep.group.startswith("openstack."):
        try:
            importlib.import_module(ep.module)
        except Exception:
            pass  # the child meets the same error and reports it as the real CLI would
replies = os.fdopen(os.dup(1), "w")
for line in sys.stdin:
    req = json.loads(line)
    pid = os.fork()
    if pid == 0:
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        for fd, path in ((1, req["stdout"]), (2, req["stderr"])):
            os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), fd)
        os.environ.clear()
        os.environ.update(req["env"])
        signal.alarm(req["timeout"])
        sys.argv[1:] = req["argv"]
        try:
            code = shell.main(req["argv"])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code or 0)
    _, status = os.waitpid(pid, 0)
    replies.write(json.dumps(os.waitstatus_to_exitcode(status)) + "\\n")
    replies.flush()
"""

# One python-congressclient API call per request, each with a new Client and keystoneauth Session (noauth).
_API_CALL = """
import json, os, sys
from keystoneauth1 import exceptions, noauth, session
from congressclient.v1 import client
replies = os.fdopen(os.dup(1), "w")
for line in sys.stdin:
    req = json.loads(line)
    api = client.Client(session=session.Session(auth=noauth.NoAuth(endpoint=req["url"])),
                        service_type="policy", interface="public")
    try:
        out = {"result": getattr(api, req["method"])(*req["args"], **req["kwargs"])}
    except exceptions.HttpError as exc:
        out = {"error": {"status": exc.http_status, "message": exc.message}}
    except Exception as exc:
        out = {"crash": f"{type(exc).__name__}: {exc}"}
    replies.write(json.dumps(out) + "\\n")
    replies.flush()
"""


class _Worker:
    """Test side of a worker: one per venv and script for the session, used by one test at a time."""

    def __init__(self, python: Path, code: str) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="congress-client-"))
        self._log_path = self.dir / "worker.log"
        self._log = self._log_path.open("w")
        self._proc = subprocess.Popen(
            [str(python), "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
            text=True, bufsize=1,
        )
        self._lock = threading.Lock()
        atexit.register(self.close)

    def call(self, request: dict) -> Any:
        with self._lock:
            assert self._proc.stdin is not None and self._proc.stdout is not None
            self._proc.stdin.write(json.dumps(request) + "\n")
            self._proc.stdin.flush()
            reply = self._proc.stdout.readline()
        if not reply:
            raise RuntimeError(f"the client worker died: {self._log_path.read_text()}")
        return json.loads(reply)

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.stdin.close()
            self._proc.wait(timeout=30)
        self._log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


@functools.cache
def _worker(venv: Path, code: str) -> _Worker:
    return _Worker(venv / "bin" / "python", code)


def parse_table(text: str) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of a cliff/prettytable table (``| a | b |`` lines between ``+---+`` rules)."""
    lines = [line for line in text.splitlines() if line.startswith("|")]
    assert lines, f"no table in output: {text!r}"
    cells = [[cell.strip() for cell in line[1:-1].split(" | ")] for line in lines]
    return cells[0], cells[1:]
