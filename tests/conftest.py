"""Core tests use the fixtures of ``hub.testing`` (loaded as a pytest plugin).

``browser``: headless Chromium, one per test process for every suite that needs it (two
Playwright instances cannot run in one process). It is the system's /usr/bin/chromium
(``HUB_CHROMIUM`` overrides), never a downloaded build; without it browser tests are
skipped locally and fail in CI.
"""
import os
import shutil

import pytest

from hub.testing import need_service

CHROMIUM = os.environ.get("HUB_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        need_service("Chromium", f"{CHROMIUM} not found (Debian package 'chromium')")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"])
        yield browser
        browser.close()
