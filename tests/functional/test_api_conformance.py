"""The shared conformance corpus (visible cases) replayed against a throwaway congress-server.

Needs ../shared (next to the repository root); skipped when it is absent.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[3] / "shared"
RUNNER = SHARED / "tools" / "conformance.py"
CASES = SHARED / "reference" / "conformance" / "visible.json"


@pytest.mark.skipif(
    not RUNNER.exists() or not CASES.exists(), reason=f"conformance corpus not found in {SHARED}"
)
def test_visible_conformance_cases_all_pass(server_factory, tmp_path):
    server = server_factory()  # its own server: the runner deletes everything
    report = tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, str(RUNNER), "--url", server.url, str(CASES), "--json", str(report)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr
    assert done.returncode == 0, f"{summary}\n{done.stdout[-4000:]}"
