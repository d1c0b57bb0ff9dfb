"""Durable state: runs, workflows, definitions, step logs, requests and key-value documents.

The rest of cueflow codes against the `Store` protocol; `SqlStore` implements it on SQLite
(the default, in the cueflow home directory) or PostgreSQL; `SecretStore` keeps encrypted
secrets in it.
"""

from cueflow.store.base import (
    Conflict,
    LogLine,
    NotFound,
    Record,
    Request,
    Store,
    StoreError,
)
from cueflow.store.secrets import SecretStore, default_secret_key_path
from cueflow.store.sql import SqlStore, cueflow_home, default_store_url

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
]
