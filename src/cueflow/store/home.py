"""Where local state lives: the cueflow home directory and the default SQLite URL.

Kept apart from `sql.py` so that callers needing only paths do not load SQLAlchemy.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def cueflow_home(environ: Mapping[str, str] = os.environ) -> Path:
    """The directory holding the default database and the secret key: `$CUEFLOW_HOME`, else
    `~/.cueflow`."""
    configured = environ.get("CUEFLOW_HOME")
    return Path(configured).expanduser() if configured else Path.home() / ".cueflow"


def default_store_url(environ: Mapping[str, str] = os.environ) -> str:
    """The SQLite database in the cueflow home directory."""
    return f"sqlite+aiosqlite:///{cueflow_home(environ) / 'cueflow.db'}"
