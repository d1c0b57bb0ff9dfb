"""The local wake-up channel of the engine that holds a store's engine lock.

That engine listens on a Unix socket next to the SQLite file (`<database>.sock`; for
PostgreSQL, one socket per store URL in the cueflow home directory). A process that has
recorded a request or stored a run connects to it: the engine then takes the
pending requests and adopts new runs at once, with no polling. The store stays the truth:
a lost wake-up only delays the work until the engine next starts.
"""

from __future__ import annotations

import hashlib
import os
import socket
import tempfile
from pathlib import Path

from cueflow.store.home import cueflow_home

_MAX_SOCKET_PATH = 100
"""Unix socket paths are limited to about 104-108 bytes; longer ones move to the temp dir."""


def wakeup_socket_path(store_url_or_home: str | os.PathLike[str]) -> Path | None:
    """The wake-up socket for a store URL or a cueflow home directory (its default
    database); None for an in-memory SQLite store, which no other process can reach."""
    text = os.fspath(store_url_or_home)
    if "://" not in text:
        path = Path(text).expanduser() / "cueflow.db.sock"
    elif text.startswith("sqlite"):
        database = text.partition(":///")[2].partition("?")[0]
        if not database or database == ":memory:":
            return None
        path = Path(f"{Path(database).expanduser()}.sock")
    else:
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        path = cueflow_home() / f"engine-{digest}.sock"
    if len(os.fsencode(path)) > _MAX_SOCKET_PATH:
        digest = hashlib.sha256(os.fsencode(path.absolute())).hexdigest()[:16]
        path = Path(tempfile.gettempdir()) / f"cueflow-{digest}.sock"
    return path


def notify_engine(store_url_or_home: str | os.PathLike[str]) -> bool:
    """Wake the engine running this store's runs; False when no engine listens (the
    request then waits in the store for the next engine to start)."""
    path = wakeup_socket_path(store_url_or_home)
    if path is None:
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(2.0)
        try:  # the connection itself is the wake-up: the engine reads nothing from it
            client.connect(os.fspath(path))
        except OSError:  # no socket, or a stale one whose engine died
            return False
    return True
