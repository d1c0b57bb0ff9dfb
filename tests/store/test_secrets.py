"""Secrets are encrypted at rest with a key kept outside the database."""

from __future__ import annotations

import stat
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from cueflow.store import NotFound, SecretStore, SqlStore, StoreError, default_secret_key_path

PLAIN = {"Authorization": "Bearer very-secret-token-4711", "user-name": "alice-admin"}


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[SqlStore]:
    store = SqlStore(f"sqlite+aiosqlite:///{tmp_path / 'cueflow.db'}")
    await store.open()
    try:
        yield store
    finally:
        await store.close()


async def test_set_get_list_delete(store: SqlStore, tmp_path: Path):
    secrets = SecretStore(store, tmp_path / "secret.key", environ={})
    await secrets.set("default", "api", PLAIN)
    await secrets.set("default", "db", {"password": "p"})
    await secrets.set("other", "api", {"k": "v"})
    await secrets.set("default", "db", {"password": "changed"})

    assert await secrets.get("default", "api") == PLAIN
    assert await secrets.get("default", "db") == {"password": "changed"}
    assert await secrets.list("default") == ["api", "db"]
    assert await secrets.list("other") == ["api"]
    assert await secrets.list("none") == []

    await secrets.delete("default", "api")
    assert await secrets.list("default") == ["db"]
    with pytest.raises(NotFound, match="default/api"):
        await secrets.get("default", "api")
    with pytest.raises(NotFound):
        await secrets.delete("default", "api")


async def test_database_never_holds_plaintext(store: SqlStore, tmp_path: Path):
    secrets = SecretStore(store, tmp_path / "secret.key", environ={})
    await secrets.set("default", "api", PLAIN)

    stored = await store.kv_list("secrets")
    dumped = repr(stored)
    for text in [*PLAIN, *PLAIN.values()]:
        assert text not in dumped
    assert await secrets.get("default", "api") == PLAIN


async def test_sqlite_files_never_hold_plaintext(sqlite_store: SqlStore, tmp_path: Path):
    secrets = SecretStore(sqlite_store, tmp_path / "secret.key", environ={})
    await secrets.set("default", "api", PLAIN)
    files = list(tmp_path.glob("cueflow.db*"))
    assert files
    raw = b"".join(path.read_bytes() for path in files)
    assert b"secrets" in raw  # the row is there...
    for text in [*PLAIN, *PLAIN.values()]:
        assert text.encode() not in raw  # ...but not readable


async def test_key_file_is_created_private_on_first_use(sqlite_store: SqlStore, tmp_path: Path):
    key_path = tmp_path / "home" / "secret.key"
    secrets = SecretStore(sqlite_store, key_path, environ={})
    assert not key_path.exists()
    await secrets.set("default", "api", PLAIN)
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    Fernet(key_path.read_bytes().strip())  # a valid key

    again = SecretStore(sqlite_store, key_path, environ={})
    assert await again.get("default", "api") == PLAIN
    assert list(key_path.parent.iterdir()) == [key_path]


async def test_key_from_environment_wins_and_creates_no_file(
    sqlite_store: SqlStore, tmp_path: Path
):
    key = Fernet.generate_key().decode()
    environ = {"CUEFLOW_SECRET_KEY": key, "CUEFLOW_HOME": str(tmp_path / "home")}
    secrets = SecretStore(sqlite_store, environ=environ)
    assert secrets.key_path == tmp_path / "home" / "secret.key"
    await secrets.set("default", "api", PLAIN)
    assert not secrets.key_path.exists()
    assert await SecretStore(sqlite_store, key=key).get("default", "api") == PLAIN


async def test_wrong_or_invalid_key_is_a_clear_error(sqlite_store: SqlStore, tmp_path: Path):
    await SecretStore(sqlite_store, key=Fernet.generate_key()).set("default", "api", PLAIN)
    with pytest.raises(StoreError, match="cannot decrypt secret default/api"):
        await SecretStore(sqlite_store, key=Fernet.generate_key()).get("default", "api")
    with pytest.raises(StoreError, match="not a valid key"):
        await SecretStore(sqlite_store, key="too-short").get("default", "api")


async def test_data_must_be_strings(sqlite_store: SqlStore):
    secrets = SecretStore(sqlite_store, key=Fernet.generate_key())
    with pytest.raises(TypeError):
        await secrets.set("default", "api", {"port": 80})  # type: ignore[dict-item]


def test_default_key_path_follows_cueflow_home(tmp_path: Path):
    assert default_secret_key_path({"CUEFLOW_HOME": str(tmp_path)}) == tmp_path / "secret.key"
    assert default_secret_key_path({}) == Path.home() / ".cueflow" / "secret.key"
