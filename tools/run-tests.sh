#!/usr/bin/env bash
# The test command of the README: installs the project and its test tools into .venv, then runs pytest.
# Extra arguments go to pytest (e.g. tools/run-tests.sh tests/unit -x).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --upgrade pip
fi
.venv/bin/pip install --quiet -e '.[test,bench]'
set +e
.venv/bin/python -m pytest "$@"
rc=$?
set -e
# pytest's 5 means "no tests collected": a failure for us.
exit $rc
