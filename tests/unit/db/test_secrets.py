from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from congress.db.secrets import SecretBox, key_file_in
from congress.exceptions import SecretKeyError


def test_key_file_is_created_private_on_first_use(tmp_path: Path) -> None:
    key_file = key_file_in(tmp_path / "keys")
    box = SecretBox(key_file)
    assert not key_file.exists()
    token = box.encrypt("hunter2")
    assert (os.stat(key_file).st_mode & 0o777) == 0o600
    assert (os.stat(key_file.parent).st_mode & 0o077) == 0
    assert "hunter2" not in token
    assert SecretBox(key_file).decrypt(token) == "hunter2"  # a second process reads the same key
    assert [p.name for p in key_file.parent.iterdir()] == ["aes_key"]  # no temp file left behind


def test_existing_key_is_used_not_replaced(tmp_path: Path) -> None:
    key = Fernet.generate_key()
    key_file = tmp_path / "aes_key"
    key_file.write_bytes(key + b"\n")
    key_file.chmod(0o600)
    token = SecretBox(key_file).encrypt("x")
    assert Fernet(key).decrypt(token.encode()) == b"x"
    assert key_file.read_bytes() == key + b"\n"


def test_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    key_file = tmp_path / "aes_key"
    key_file.write_bytes(Fernet.generate_key())
    key_file.chmod(0o644)
    with pytest.raises(SecretKeyError, match="accessible by group or others"):
        SecretBox(key_file).encrypt("x")


def test_garbage_key_is_refused_with_the_path(tmp_path: Path) -> None:
    key_file = tmp_path / "aes_key"
    key_file.write_bytes(b"not a key")
    key_file.chmod(0o600)
    with pytest.raises(SecretKeyError, match=f"{key_file} does not hold a valid Fernet key"):
        SecretBox(key_file).encrypt("x")


def test_tampered_token_is_refused(tmp_path: Path) -> None:
    box = SecretBox(tmp_path / "aes_key")
    token = box.encrypt("x")
    with pytest.raises(SecretKeyError):
        box.decrypt(token[:-4] + "AAAA")


def test_concurrent_first_use_agrees_on_one_key(tmp_path: Path) -> None:
    key_file = tmp_path / "aes_key"
    boxes = [SecretBox(key_file) for _ in range(8)]
    tokens: list[str] = [""] * len(boxes)
    barrier = threading.Barrier(len(boxes))

    def work(i: int) -> None:
        barrier.wait()
        tokens[i] = boxes[i].encrypt(f"secret{i}")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(boxes))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    reader = SecretBox(key_file)
    assert [reader.decrypt(t) for t in tokens] == [f"secret{i}" for i in range(len(boxes))]
