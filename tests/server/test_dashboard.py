"""The dashboard in a real browser (Debian's Chromium through Playwright)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
async def page() -> AsyncIterator[Any]:
    """A browser page; without Chromium or Playwright the test is skipped, except in CI,
    whose setup installs both."""
    missing = None
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        missing = "playwright is not installed"
    if missing is None and not CHROMIUM.exists():
        missing = f"{CHROMIUM} is not installed"
    if missing is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(missing)
        pytest.skip(missing)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM))
        try:
            yield await browser.new_page()
        finally:
            await browser.close()


async def test_a_suspended_run_is_resumed_from_the_dashboard(live, page, greet, run_yaml):
    from playwright.async_api import expect

    await live.post_yaml("/api/v1/runs", greet + "---\n" + run_yaml("gate", "greet:web", "suspend"))
    await page.goto(str(live.client.base_url))
    row = page.locator('#runs tr[data-run="default/gate"]')
    await expect(row).to_contain_text("suspending")
    await row.click()

    await expect(page.locator("#run-title")).to_have_text("default/gate")
    await expect(page.locator('#steps tr[data-step="s1-suspend"]')).to_contain_text("suspending")
    await expect(page.locator("#logs")).to_contain_text("Hello, web!")
    await page.get_by_role("button", name="Resume").click()

    await expect(page.locator("#run-phase")).to_have_text("succeeded")
    await expect(page.locator('#steps tr[data-step="s1-suspend"]')).to_contain_text("succeeded")
    await expect(row).to_contain_text("succeeded")
    assert await page.get_by_role("button", name="Resume").is_disabled()
