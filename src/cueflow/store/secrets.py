"""Secrets for providers (HTTP headers, TLS material, credentials), encrypted at rest.

Each secret is a string map stored in the store's key-value space `secrets` as one Fernet
token, so neither its keys nor its values reach the database in plain text. The encryption
key lives outside the database: given explicitly, or in `$CUEFLOW_SECRET_KEY`, or in a key
file (default `<cueflow home>/secret.key`, mode 0600, created on first use). Losing the key
file makes the stored secrets unreadable.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from cueflow.store.base import NotFound, Store, StoreError
from cueflow.store.home import cueflow_home

__all__ = ["SecretStore", "default_secret_key_path"]

SPACE = "secrets"


def default_secret_key_path(environ: Mapping[str, str] = os.environ) -> Path:
    return cueflow_home(environ) / "secret.key"


class SecretStore:
    """Named string maps per namespace, encrypted with a key kept outside the database.

    Args:
        store: where the encrypted secrets are kept.
        key_path: the key file, created (mode 0600) on first use when missing.
        key: a Fernet key; wins over the environment and the key file.
        environ: consulted for `CUEFLOW_SECRET_KEY` (and `CUEFLOW_HOME` for the default path).
    """

    def __init__(
        self,
        store: Store,
        key_path: Path | None = None,
        *,
        key: bytes | str | None = None,
        environ: Mapping[str, str] = os.environ,
    ) -> None:
        self._store = store
        self.key_path = key_path if key_path is not None else default_secret_key_path(environ)
        self._key = key if key is not None else environ.get("CUEFLOW_SECRET_KEY")
        self._fernet: Fernet | None = None

    def __repr__(self) -> str:
        return f"SecretStore({self._store!r}, key_path={str(self.key_path)!r})"

    async def set(self, namespace: str, name: str, data: dict[str, str]) -> None:
        """Create or replace the secret."""
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
            raise TypeError("secret data must map strings to strings")
        token = self._cipher().encrypt(json.dumps(data).encode())
        await self._store.kv_put(
            SPACE,
            _key(namespace, name),
            {"namespace": namespace, "name": name, "token": token.decode()},
        )

    async def get(self, namespace: str, name: str) -> dict[str, str]:
        """Raise NotFound when there is no such secret."""
        value = await self._store.kv_get(SPACE, _key(namespace, name))
        if value is None:
            raise NotFound(f"secret {namespace}/{name} not found")
        try:
            plain = self._cipher().decrypt(value["token"].encode())
        except InvalidToken:
            raise StoreError(
                f"cannot decrypt secret {namespace}/{name}: it was stored with another key "
                f"than the one in {self._key_source()}"
            ) from None
        data: dict[str, str] = json.loads(plain)
        return data

    async def list(self, namespace: str) -> list[str]:
        """The names of the secrets in `namespace`, sorted."""
        entries = await self._store.kv_list(SPACE)
        return sorted(v["name"] for v in entries.values() if v["namespace"] == namespace)

    async def delete(self, namespace: str, name: str) -> None:
        """Raise NotFound when there is no such secret."""
        if not await self._store.kv_delete(SPACE, _key(namespace, name)):
            raise NotFound(f"secret {namespace}/{name} not found")

    def _key_source(self) -> str:
        return "the given key" if self._key is not None else str(self.key_path)

    def _cipher(self) -> Fernet:
        if self._fernet is None:
            key = self._key if self._key is not None else self._read_or_create_key_file()
            try:
                self._fernet = Fernet(key)
            except ValueError as error:
                raise StoreError(
                    f"the secret key from {self._key_source()} is not a valid key: {error}"
                ) from error
        return self._fernet

    def _read_or_create_key_file(self) -> bytes:
        try:
            return self.key_path.read_bytes().strip()
        except FileNotFoundError:
            pass
        self.key_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = Fernet.generate_key()
        # Written aside, then linked into place: a concurrent reader never sees a partial key,
        # and when two processes race, the second link fails and that one reads the winner's.
        partial = self.key_path.with_name(f".{self.key_path.name}.{os.getpid()}")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(key + b"\n")
        try:
            os.link(partial, self.key_path)
        except FileExistsError:
            return self.key_path.read_bytes().strip()
        finally:
            partial.unlink()
        return key


def _key(namespace: str, name: str) -> str:
    return f"{namespace}/{name}"
