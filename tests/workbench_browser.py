"""What the workbench's browser tests share: Debian's chromium through Playwright (the `browser` fixture of
conftest.py launches it), a workbench server of their own (experiments/workbench/local_server.py), and the
steps a planner takes on the Plans page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from experiments.workbench.local_server import CHROMIUM_ARGS

CHROMIUM = Path("/usr/bin/chromium")
WAIT_MS = 150_000  # generous: the page must answer while a compare keeps both cores busy

playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
if not CHROMIUM.exists():
    pytest.skip("chromium is not installed at /usr/bin/chromium (apt-get install chromium)", allow_module_level=True)


def launch() -> Iterator[object]:
    """Chromium, for the `browser` fixture of conftest.py."""
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def type_into(page: object, selector: str, text: str) -> None:
    box = page.locator(f"{selector} input")
    box.fill(text)
    box.press("Enter")


def open_small_city(where: object, url: str, name: str, repeats: int) -> object:
    """A new page (of a browser, or of a browser context) on Plans, set to a 20,000-child city."""
    page = where.new_page(viewport={"width": 1400, "height": 1000}) if hasattr(where, "contexts") else where.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(url)
    page.get_by_text("2. Edit the plan").wait_for()
    type_into(page, ".children", "20000")
    type_into(page, ".plan-name", name)
    type_into(page, ".repeats", str(repeats))
    page.get_by_text("The plan is valid for this scenario.").wait_for()
    return page
