"""Fixtures: emulated clusters on loopback, a SQLite store and a registry that knows them."""

from cueflow.testing.fixtures import emulator, kv, registry  # noqa: F401
