"""congress-server as a process: exposure check, JSON ingester option, clean SIGTERM, keystone strategy,
body limit."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import requests

from tests.functional.conftest import REPO_ROOT


def run_server(conf) -> subprocess.CompletedProcess:
    """congress-server with ``conf``, to its end (these configurations make it refuse to start)."""
    return subprocess.run(
        [sys.executable, "-m", "congress.cmd.server", "--config-file", str(conf)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO_ROOT,
    )


def test_noauth_refuses_a_non_loopback_address(tmp_path):
    conf = tmp_path / "congress.conf"
    conf.write_text(f"[DEFAULT]\nbind_host = 0.0.0.0\nauth_strategy = noauth\nstate_path = {tmp_path}\n")
    done = run_server(conf)
    assert done.returncode != 0
    assert "allow_noauth_on_non_loopback" in done.stderr
    assert not (tmp_path / "congress.sqlite").exists(), "refused before touching any state"


def test_an_enabled_json_ingester_refuses_to_start(tmp_path):
    conf = tmp_path / "congress.conf"
    conf.write_text(
        f"[DEFAULT]\nbind_host = 127.0.0.1\nauth_strategy = noauth\nstate_path = {tmp_path}\n"
        "[json_ingester]\nenable = true\n"
    )
    done = run_server(conf)
    assert done.returncode == 1
    (line,) = [line for line in (done.stdout + done.stderr).splitlines() if "json_ingester" in line]
    assert "CRITICAL congress.server" in line and "the JSON ingester is not supported" in line
    assert not (tmp_path / "congress.sqlite").exists(), "refused before touching any state"


def test_the_json_ingester_webhook_is_a_404_while_disabled(server_factory):
    server = server_factory("[json_ingester]\nenable = false")
    v1 = server.url + "/v1"
    ds = {"name": "feed", "driver": "push", "config": {"schema": {"t": ["a"]}}}
    assert requests.post(f"{v1}/data-sources", json=ds).status_code == 201
    for path in ("feed/tables/t/webhook", "nowhere/tables/t/webhook"):
        resp = requests.post(f"{v1}/data-sources/{path}", json={"a": 1})
        assert resp.status_code == 404
        error = resp.json()["error"]
        assert set(error) == {"message", "error_code", "error_data"} and error["error_code"] == 404
        assert "[json_ingester] enable" in error["message"] and "not implemented" in error["message"]
    # The data source's own webhook and tables are untouched.
    assert requests.get(f"{v1}/data-sources/feed/tables/t/rows").json() == {"results": []}


def test_noauth_on_all_addresses_when_explicitly_allowed(server_factory):
    server = server_factory("allow_noauth_on_non_loopback = true")
    server.config_file.write_text(
        server.config_file.read_text().replace("bind_host = 127.0.0.1", "bind_host = 0.0.0.0")
    )
    server.restart()
    assert requests.get(server.url + "/v1/policies").status_code == 200


def test_sigterm_stops_cleanly(server_factory):
    server = server_factory()
    assert server.stop() == 0
    assert "Congress API stopped" in server.log()


def test_keystone_strategy_needs_a_token_except_for_versions(server_factory):
    server = server_factory(
        "auth_strategy = keystone\n[keystone_authtoken]\nwww_authenticate_uri = http://127.0.0.1:9/identity\n"
    )
    assert requests.get(server.url + "/").status_code == 200
    resp = requests.get(server.url + "/v1/policies")
    assert resp.status_code == 401


def test_request_body_limit(server_factory):
    server = server_factory("max_request_body_size = 2048")
    resp = requests.post(server.url + "/v1/policies", json={"name": "big", "description": "x" * 4096})
    assert resp.status_code == 413 and resp.json()["error"]["error_code"] == 413
    chunked = requests.post(
        server.url + "/v1/policies", data=iter([b'{"name": "big", "description": "', b"x" * 4096, b'"}'])
    )
    assert chunked.status_code == 413 and chunked.json()["error"]["error_code"] == 413
    assert requests.get(server.url + "/v1/policies/big").status_code == 404
    assert requests.post(server.url + "/v1/policies", json={"name": "small"}).status_code == 201


def test_config_sample_lists_the_options(tmp_path):
    out = tmp_path / "congress.conf.sample"
    subprocess.run(
        # oslo-config-generator, run by this interpreter: the venv's bin/ need not be on PATH
        [sys.executable, "-m", "oslo_config.generator", "--namespace", "congress", "--output-file", str(out)],
        check=True,
        cwd=REPO_ROOT,
        timeout=120,
    )
    text = out.read_text()
    for option in (
        "#bind_port = 1789",
        "#auth_strategy = keystone",
        "#enable_execute_action = true",
        "#datasource_sync_period = 60",
        "[database]",
        "#allow_noauth_on_non_loopback = false",
        "[json_ingester]",
        "#enable = false",
    ):
        assert option in text


def test_services_over_the_messaging_bus(server_factory):
    """With transport_url the services talk through oslo.messaging (its in-process fake:// driver here)."""
    server = server_factory("transport_url = fake://")
    v1 = server.url + "/v1"
    ds = {"name": "inv", "driver": "push", "config": {"schema": {"vms": ["id", "state"]}}}
    assert requests.post(f"{v1}/data-sources", json=ds).status_code == 201
    assert requests.put(f"{v1}/data-sources/inv/tables/vms/rows", json=[["vm1", "bad"]]).status_code == 200
    requests.post(f"{v1}/policies", json={"name": "watch"})
    requests.post(f"{v1}/policies/watch/rules", json={"rule": 'bad(x) :- inv:vms(x, "bad")'})
    assert requests.post(f"{v1}/policies/watch?action=query", json={"query": "bad(x)"}).json() == {
        "result": ['bad("vm1")']
    }
    refused = requests.delete(f"{v1}/data-sources/inv")  # the rule reads it: refused across the bus too
    assert refused.status_code == 400 and refused.json()["error"]["error_code"] == 409
    assert requests.delete(f"{v1}/policies/watch").status_code == 200
    assert requests.delete(f"{v1}/data-sources/inv").status_code == 200
    assert server.stop() == 0


def _stall(port: int, count: int) -> list[socket.socket]:
    """Connections that send half a request and then nothing (a slowloris client)."""
    stuck = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(b"POST /v1/policies HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        stuck.append(sock)
    return stuck


def _answer_time(server) -> float:
    start = time.monotonic()
    assert requests.get(server.url + "/v1/policies", timeout=60).status_code == 200
    return time.monotonic() - start


def test_client_socket_timeout_frees_threads_held_by_stalled_clients(server_factory):
    """More stalled connections than worker threads: they are dropped after client_socket_timeout."""
    server = server_factory("client_socket_timeout = 1\nwsgi_default_pool_size = 4")
    stuck = _stall(server.port, 20)  # more than the 16 threads of the default, too
    try:
        time.sleep(0.2)
        assert _answer_time(server) < 4  # the default before these options: 10 s
    finally:
        for sock in stuck:
            sock.close()


def test_wsgi_default_pool_size_sets_the_worker_threads(server_factory):
    """With more threads than stalled connections, the others are served at once."""
    server = server_factory("client_socket_timeout = 30\nwsgi_default_pool_size = 40")
    stuck = _stall(server.port, 24)  # more than the 16 threads of the default
    try:
        time.sleep(0.2)
        assert _answer_time(server) < 3
    finally:
        for sock in stuck:
            sock.close()
