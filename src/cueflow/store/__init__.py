"""Durable state: runs, workflows, definitions, step logs, requests and key-value documents.

The rest of cueflow codes against the `Store` protocol; `SqlStore` implements it on SQLite
(the default, in the cueflow home directory) or PostgreSQL; `SecretStore` keeps encrypted
secrets in it. `SqlStore` and `SecretStore` are loaded on first use, so that importing the
engine does not load SQLAlchemy or the cryptography library.
"""

from typing import TYPE_CHECKING, Any

from cueflow.store.base import (
    Conflict,
    LogLine,
    NotFound,
    Record,
    Request,
    Store,
    StoreError,
)
from cueflow.store.home import cueflow_home, default_store_url
from cueflow.store.wakeup import notify_engine, wakeup_socket_path

if TYPE_CHECKING:
    from cueflow.store.secrets import SecretStore, default_secret_key_path
    from cueflow.store.sql import SqlStore

_LAZY = {
    "SecretStore": "cueflow.store.secrets",
    "default_secret_key_path": "cueflow.store.secrets",
    "SqlStore": "cueflow.store.sql",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


__all__ = [
    "Conflict",
    "LogLine",
    "NotFound",
    "Record",
    "Request",
    "SecretStore",
    "SqlStore",
    "Store",
    "StoreError",
    "cueflow_home",
    "default_secret_key_path",
    "default_store_url",
    "notify_engine",
    "wakeup_socket_path",
]
