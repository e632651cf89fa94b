#!/usr/bin/env bash
# Quickstart: install Congress into .venv and run congress-server on the embedded defaults (SQLite, in-process
# bus, noauth on 127.0.0.1:1789), with the tenant-sharing example loaded. Ctrl-C stops the server; its state
# (in .quickstart/) is kept for the next start.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${CONGRESS_PORT:-1789}
mkdir -p .quickstart
echo "Installing Congress into .venv (log: .quickstart/install.log)"
{
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/pip install --upgrade pip
  .venv/bin/pip install -e .
} > .quickstart/install.log 2>&1 || { tail -n 30 .quickstart/install.log; exit 1; }
cat > .quickstart/congress.conf <<CONF
[DEFAULT]
bind_host = 127.0.0.1
bind_port = $port
auth_strategy = noauth
state_path = $PWD/.quickstart/state
CONF
.venv/bin/congress-server --config-file .quickstart/congress.conf &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null' INT TERM EXIT
for _ in $(seq 60); do
  curl -fs "http://127.0.0.1:$port/" >/dev/null 2>&1 && break
  kill -0 $server 2>/dev/null || { echo "congress-server did not start" >&2; exit 1; }
  sleep 0.5
done
.venv/bin/python tools/load_example.py "http://127.0.0.1:$port"
cat <<MSG

Congress is serving http://127.0.0.1:$port (noauth). Try:
  curl -s http://127.0.0.1:$port/v1/policies/classification/tables/error/rows
  openstack --os-auth-type none --os-endpoint http://127.0.0.1:$port congress policy row list classification error
(the CLI comes from: pip install python-congressclient python-openstackclient). Ctrl-C stops the server.
MSG
wait $server
