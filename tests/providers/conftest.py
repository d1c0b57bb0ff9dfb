"""Fixtures: emulated clusters, a SQLite store, and provider contexts that record actions."""

from __future__ import annotations

import pytest

from cueflow import clusters
from cueflow.providers.base import ProviderContext
from cueflow.testing.doubles import provider_context
from cueflow.testing.fixtures import emulator, kv, registry  # noqa: F401


@pytest.fixture
def ctx(registry: clusters.ClusterRegistry) -> ProviderContext:  # noqa: F811
    """A context for run `run1` in namespace `default`, with the emulator as default cluster."""
    return provider_context(clusters=registry)


@pytest.fixture
def bare_ctx() -> ProviderContext:
    """A context without clusters or secrets."""
    return provider_context()
