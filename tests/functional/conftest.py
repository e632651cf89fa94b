"""The real congress-server as a subprocess: a free port, a temp config, a fresh database.

The database is SQLite unless ``CONGRESS_TEST_SERVER_DB`` names another backend
(``mysql`` or ``postgresql``): each server then gets a scratch database on that
server, migrated with ``congress-db-manage upgrade head`` as an operator would.

``congress_server`` (one per test module) yields a running ``CongressServer``;
``server_factory`` makes more (e.g. a throwaway server for the conformance run).
A ``CongressServer`` can be stopped (SIGTERM), killed (SIGKILL) and started again
on the same state, which is how the restart tests prove persistence.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import requests

from tests.unit.db.backends import Unavailable, scratch_database

START_TIMEOUT_S = 60
REPO_ROOT = Path(__file__).resolve().parents[2]
SERVER_DB = os.environ.get("CONGRESS_TEST_SERVER_DB", "sqlite")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class CongressServer:
    def __init__(self, state: Path, extra_conf: str = "", database_url: str | None = None) -> None:
        self.state = state
        self.port = free_port()
        self.config_file = state / "congress.conf"
        self.log_file = state / "server.log"
        self.config_file.write_text(
            "[DEFAULT]\n"
            "bind_host = 127.0.0.1\n"
            f"bind_port = {self.port}\n"
            "auth_strategy = noauth\n"
            f"state_path = {state}\n"
            f"{extra_conf}\n"
            "[database]\n"
            f"connection = {database_url or f'sqlite:///{state}/congress.sqlite'}\n"
        )
        self.proc: subprocess.Popen[bytes] | None = None
        if database_url:
            self.db_manage("upgrade", "head")

    def db_manage(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "-m", "congress.cmd.db_manage", "--config-file", str(self.config_file), *args],
            check=True,
            capture_output=True,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> CongressServer:
        log = self.log_file.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "congress.cmd.server", "--config-file", str(self.config_file)],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.state,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"congress-server exited with {self.proc.returncode}:\n{self.log()}")
            try:
                if requests.get(self.url + "/", timeout=2).status_code == 200:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"congress-server did not answer within {START_TIMEOUT_S}s:\n{self.log()}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        """Send ``sig`` and wait; returns the exit status."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def kill(self) -> int:
        return self.stop(signal.SIGKILL)

    def restart(self, sig: int = signal.SIGTERM) -> CongressServer:
        self.stop(sig)
        return self.start()

    def log(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""


@pytest.fixture(scope="session")
def server_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    started: list[CongressServer] = []
    with ExitStack() as databases:

        def make(extra_conf: str = "") -> CongressServer:
            database_url = None
            if SERVER_DB != "sqlite":
                try:
                    url = databases.enter_context(scratch_database(SERVER_DB))
                except Unavailable as exc:
                    pytest.skip(str(exc))
                database_url = url.render_as_string(hide_password=False)
            server = CongressServer(tmp_path_factory.mktemp("congress"), extra_conf, database_url)
            started.append(server)
            return server.start()

        yield make
        for server in started:
            if server.proc is not None:
                server.kill()


@pytest.fixture(scope="module")
def congress_server(server_factory) -> CongressServer:
    return server_factory()
