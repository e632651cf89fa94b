"""Load an example (push data sources, their rows, and rules) into a running Congress server.

Usage: python tools/load_example.py [URL] [EXAMPLE.json]
Defaults: http://127.0.0.1:1789 and examples/tenant_sharing.json. Loading twice changes nothing.
"""

from __future__ import annotations

import json
import pathlib
import sys

import requests

ROOT = pathlib.Path(__file__).resolve().parent.parent


def load(url: str, example: dict) -> None:
    api = url.rstrip("/") + "/v1"
    http = requests.Session()
    existing = {ds["name"] for ds in http.get(f"{api}/data-sources").json()["results"]}
    for ds in example["datasources"]:
        if ds["name"] not in existing:
            body = {"name": ds["name"], "driver": "push", "config": {"schema": ds["schema"]}}
            http.post(f"{api}/data-sources", json=body).raise_for_status()
        for table, rows in ds["rows"].items():
            http.put(f"{api}/data-sources/{ds['name']}/tables/{table}/rows", json=rows).raise_for_status()
    for rule in example["rules"]:
        answer = http.post(f"{api}/policies/{example['policy']}/rules", json={"rule": rule})
        if answer.status_code not in (201, 409):  # 409: already loaded
            raise SystemExit(f"rule refused: {rule}\n{answer.text}")


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:1789"
    path = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "examples" / "tenant_sharing.json"
    load(url, json.loads(path.read_text()))
    print(f"Loaded {path.name} into {url}")


if __name__ == "__main__":
    main()
