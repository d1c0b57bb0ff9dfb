"""Fixtures of the end-to-end tests; the machinery is in `e2e_world`."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # test modules import `e2e_world`

from e2e_world import Inbox, World, running_world, smtp_server

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@pytest.fixture
def mail() -> Iterator[Inbox]:
    with smtp_server() as inbox:
        yield inbox


@pytest.fixture
async def world(tmp_path: Path, mail: Inbox) -> AsyncIterator[World]:
    async with running_world(tmp_path, mail) as running:
        yield running
