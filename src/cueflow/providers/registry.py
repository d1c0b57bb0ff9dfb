"""The provider packages a run can import: the built-in ones plus installed plugins.

Third-party packages register under the entry-point group `cueflow.providers`
(`base.ENTRY_POINT_GROUP`); each entry point names a `ProviderPackage` or a
callable returning one (see docs/providers.md). Nothing is registered at
import time: `default_packages()` builds a fresh set, with its own state
(rate limiters, emails in flight), for the engine to keep.
"""

from __future__ import annotations

import importlib
import logging
from importlib import metadata
from typing import Any, Protocol

from cueflow.providers import config, email, http, kube, metrics, op, time, util
from cueflow.providers.base import ENTRY_POINT_GROUP, ProviderPackage

__all__ = ["KeyValue", "PluginError", "default_packages", "plugin_packages"]

log = logging.getLogger(__name__)


class PluginError(Exception):
    """An entry point in `cueflow.providers` does not provide a usable package."""


class KeyValue(Protocol):
    """The store's key-value space (configs are kept there when no cluster is set)."""

    async def kv_put(self, space: str, key: str, value: dict[str, Any]) -> None: ...
    async def kv_get(self, space: str, key: str) -> dict[str, Any] | None: ...
    async def kv_list(self, space: str) -> dict[str, dict[str, Any]]: ...
    async def kv_delete(self, space: str, key: str) -> bool: ...


def _builtin_package() -> ProviderPackage | None:
    try:
        builtin = importlib.import_module("cueflow.providers.builtin")
    except ImportError:
        return None
    package: ProviderPackage = builtin.package()
    return package


def plugin_packages(group: str = ENTRY_POINT_GROUP) -> dict[str, ProviderPackage]:
    """The packages installed distributions register under `group`, by import path."""
    found: dict[str, ProviderPackage] = {}
    for entry in metadata.entry_points(group=group):
        try:
            loaded = entry.load()
            package = loaded() if callable(loaded) else loaded
        except Exception as exc:  # a broken plugin must name itself, whatever it raised
            raise PluginError(f'provider plugin "{entry.name}" ({entry.value}) failed to load: '
                              f"{exc}") from exc
        if not isinstance(package, ProviderPackage):
            raise PluginError(f'provider plugin "{entry.name}" ({entry.value}) gave '
                              f"{type(package).__name__}, not a ProviderPackage")
        found[package.path] = package
    return found


def default_packages(
    *, kv: KeyValue | None = None, http_timeout: float = http.DEFAULT_TIMEOUT
) -> dict[str, ProviderPackage]:
    """Every built-in package and every plugin, by import path (`vela/kube`, ...).

    `kv` keeps configs when the run has no default cluster; `http_timeout` is the seconds
    an HTTP request may take when the template sets no `request.timeout`. A plugin may not
    replace a built-in package; it is skipped with a warning.
    """
    http_provider = http.HttpProvider(http_timeout)
    email_provider = email.EmailProvider()
    config_provider = config.ConfigProvider(kv)
    builtin = _builtin_package()
    packages = [
        kube.package(), http.package(http_provider), email.package(email_provider),
        time.package(), util.package(), metrics.package(), config.package(config_provider),
        op.package(http_provider=http_provider, email_provider=email_provider,
                   config_provider=config_provider,
                   builtin_functions=builtin.functions if builtin else None),
    ]
    if builtin is not None:
        packages.append(builtin)
    found = {package.path: package for package in packages}
    for path, package in plugin_packages().items():
        if path in found:
            log.warning("provider plugin for %s ignored: it is a built-in package", path)
            continue
        found[path] = package
    return found
