"""Secrets at rest: Fernet encryption with a key kept in a file.

The key file holds one Fernet key (urlsafe base64, 44 characters). It is read
on first use; if it does not exist it is generated then, created with mode 0600
(linked into place atomically, so two processes starting together end up with
the same key). An existing key file readable by group or others is refused rather than
trusted. Decrypted values are never logged or put in error messages.
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from congress.exceptions import SecretKeyError

KEY_FILE_NAME = "aes_key"  # the file name the original Congress used inside encryption_key_path


def key_file_in(directory: str | os.PathLike[str]) -> Path:
    """The key file inside a key directory (the ``encryption_key_path`` option names a directory)."""
    return Path(directory) / KEY_FILE_NAME


class SecretBox:
    """Encrypts and decrypts secret strings with the key in ``key_file``."""

    def __init__(self, key_file: str | os.PathLike[str]) -> None:
        self.key_file = Path(key_file).expanduser()
        self._fernet: Fernet | None = None
        self._lock = threading.Lock()

    def encrypt(self, clear: str) -> str:
        return self._get_fernet().encrypt(clear.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._get_fernet().decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError) as exc:
            raise SecretKeyError(
                f"a stored secret cannot be decrypted with the key in {self.key_file} "
                "(wrong or replaced key file?)"
            ) from exc

    def _get_fernet(self) -> Fernet:
        with self._lock:
            if self._fernet is None:
                self._fernet = Fernet(self._load_or_create_key())
            return self._fernet

    def _load_or_create_key(self) -> bytes:
        try:
            return self._read_key()
        except FileNotFoundError:
            pass
        key = Fernet.generate_key()
        # Write a private temp file, then link it into place: readers never see a half-written key,
        # and if another process linked its key first, both use that one.
        try:
            self.key_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            tmp = self.key_file.with_name(f".{self.key_file.name}.{os.getpid()}.{threading.get_ident()}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(key)
                out.flush()
                os.fsync(out.fileno())
            try:
                os.link(tmp, self.key_file)
            except FileExistsError:
                return self._read_key()
            finally:
                tmp.unlink()
        except OSError as exc:
            raise SecretKeyError(f"cannot create key file {self.key_file}: {exc.strerror}") from exc
        return key

    def _read_key(self) -> bytes:
        try:
            mode = self.key_file.stat().st_mode
            if mode & (stat.S_IRWXG | stat.S_IRWXO):
                raise SecretKeyError(
                    f"key file {self.key_file} is accessible by group or others "
                    f"(mode {stat.S_IMODE(mode):o}); chmod 600 it"
                )
            key = self.key_file.read_bytes().strip()
        except FileNotFoundError:
            raise
        except OSError as exc:
            raise SecretKeyError(f"cannot read key file {self.key_file}: {exc.strerror}") from exc
        try:
            Fernet(key)
        except ValueError as exc:
            raise SecretKeyError(f"key file {self.key_file} does not hold a valid Fernet key") from exc
        return key
