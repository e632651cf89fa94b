from __future__ import annotations

import json
from pathlib import Path

import pytest

from congress.db.api import Database
from congress.library.loader import (
    LibraryFileError,
    install_library,
    load_bundled,
    load_directory,
    parse_policy,
)

DATA = Path(__file__).parent / "data"


def test_bundled_library_loads_every_policy_without_errors() -> None:
    loaded = load_bundled()
    assert loaded.errors == []
    refs = json.loads((DATA / "policy_refs.json").read_text())
    assert sorted(p.name for p in loaded.policies) == sorted(entry["name"] for entry in refs.values())
    by_name = {p.name: p for p in loaded.policies}
    assert by_name["BadFlavors"].description == "Error on any server using a flavor that is not permitted"
    assert by_name["BadFlavors"].rules[0] == {
        "comment": "User should customize this.  Permitted flavors.",
        "rule": "permitted_flavor('m1.tiny')",
    }
    assert by_name["NetworkGateway"].rules[0]["rule"].startswith("servers_connected_to_external_gateway(")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: [unclosed", "not valid YAML"),
        ("- just a list", "expected a mapping"),
        ("description: x\nrules: [{rule: 'p(1)'}]", "'name' must be a non-empty string"),
        ("name: P", "'rules' must be a non-empty list"),
        ("name: P\nrules: []", "'rules' must be a non-empty list"),
        ("name: P\nrules: [{comment: c}]", "rule 1: 'rule' must be non-empty text"),
        ("name: P\nrules: [{rule: 'p(1)'}, 'q(1)']", "rule 2: expected a mapping"),
        ("name: P\nrules: [{rule: 'p(1)', name: 7}]", "rule 1: 'name' and 'comment' must be strings"),
        ("name: P\nrulez: []\nrules: [{rule: 'p(1)'}]", "unknown fields rulez"),
        ("name: P\ndescription: [1]\nrules: [{rule: 'p(1)'}]", "'description' must be a string"),
    ],
)
def test_broken_policy_error_names_the_file(text: str, message: str) -> None:
    with pytest.raises(LibraryFileError, match=message) as caught:
        parse_policy(text, "/lib/broken.yaml")
    assert caught.value.message.startswith("/lib/broken.yaml")


def test_broken_file_does_not_stop_the_others(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("name: A\nrules:\n  - rule: a(1)\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.yml").write_text(
        "name: B\ndepends-on: [A]\nrules:\n  - rule: b(1)\n    comment: c\n"
    )
    (tmp_path / "broken.yaml").write_text("name: C\n")
    (tmp_path / "notes.txt").write_text("ignored")
    loaded = load_directory(tmp_path)
    assert [(p.name, p.rules) for p in loaded.policies] == [
        ("A", ({"rule": "a(1)"},)),
        ("B", ({"rule": "b(1)", "comment": "c"},)),
    ]
    assert [e.message.split(":")[0] for e in loaded.errors] == [str(tmp_path / "broken.yaml")]


def test_install_into_database_is_idempotent(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    loaded = load_bundled()
    assert len(install_library(db.library, loaded)) == len(loaded.policies)
    assert install_library(db.library, loaded) == []
    stored = {p.name: p for p in db.library.list()}
    assert len(stored) == len(loaded.policies)
    assert list(stored["UnsafeTraffic"].rules) == list(
        next(p for p in loaded.policies if p.name == "UnsafeTraffic").rules
    )


def test_install_logs_broken_files_and_loads_the_rest(
    db: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "good.yaml").write_text("name: Good\nrules:\n  - rule: g(1)\n")
    (tmp_path / "bad.yaml").write_text("name: Bad\nrules: nope\n")
    assert install_library(db.library, load_directory(tmp_path)) == ["Good"]
    assert f"{tmp_path / 'bad.yaml'}: 'rules' must be a non-empty list" in caplog.text
