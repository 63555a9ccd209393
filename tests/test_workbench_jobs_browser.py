"""Compares outlive the page, in a real browser (Debian's chromium driven by Playwright): a reload during a
compare finds it again and shows its results, with the draft as typed; a second browser sees its place in the
queue; Cancel frees the cores within 5 s and the server logs one line for it."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from workbench_browser import WAIT_MS, open_small_city, type_into

from experiments.workbench.local_server import local_server

pytestmark = pytest.mark.slow  # a real browser against a running workbench
expect = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed").expect


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _cpu_seconds(pids: list[int]) -> float:
    """CPU time used so far by these processes (utime + stime)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def test_reload_during_a_compare_finds_it_and_the_draft_again(browser: object, tmp_path: Path) -> None:
    with local_server(tmp_path) as server:
        url = server.url
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = open_small_city(context, url, "kept_plan", 4)
        type_into(page, ".cell-funder_share-2021-outreach", "0.3")
        page.get_by_text("The plan is valid for this scenario.").wait_for()
        page.get_by_role("button", name="Compare", exact=True).click()
        page.get_by_text("Running:").wait_for()
        page.reload()
        page.get_by_text("Results on makassar_pksai").wait_for(timeout=WAIT_MS)
        expect(page.locator(".plan-name input")).to_have_value("kept_plan")  # expect() waits for the restore
        expect(page.locator(".cell-funder_share-2021-outreach input")).to_have_value("0.3")
        expect(page.locator(".children input")).to_have_value("20000")
        # a new tab of the same browser finds the same compare; another browser does not
        again = context.new_page()
        again.set_default_timeout(WAIT_MS)
        again.goto(url)
        again.get_by_text("Results on makassar_pksai").wait_for()
        stranger = browser.new_page()
        stranger.set_default_timeout(WAIT_MS)
        stranger.goto(url)
        stranger.get_by_text("2. Edit the plan").wait_for()
        stranger.wait_for_timeout(1500)
        assert "Results on" not in stranger.locator("body").inner_text()
        assert stranger.locator(".plan-name input").input_value() != "kept_plan"
        context.close()
        stranger.close()


def test_second_browser_waits_in_the_queue_and_cancel_frees_the_cores(browser: object, tmp_path: Path) -> None:
    with local_server(tmp_path) as server:
        url = server.url
        first = open_small_city(browser, url, "long_plan", 40)
        first.get_by_role("button", name="Compare", exact=True).click()
        first.get_by_text("Running:").wait_for()
        second = open_small_city(browser, url, "next_plan", 2)
        second.get_by_role("button", name="Compare", exact=True).click()
        second.get_by_text("Waiting: 1 compare(s) ahead of yours").wait_for()
        second.get_by_role("button", name="Cancel").click()
        second.get_by_text("Cancelled: nothing was kept.").wait_for()

        first.get_by_text(re.compile(r"about \d+ (s|min) left")).wait_for()  # a time estimate shows
        clicked = time.monotonic()
        first.get_by_role("button", name="Cancel").click()
        first.get_by_text("Cancelled: nothing was kept.").wait_for(timeout=5000)
        assert time.monotonic() - clicked < 5
        workers = _descendants(server.pid)
        before = _cpu_seconds(workers)
        time.sleep(2)
        busy = _cpu_seconds(workers) - before
        assert busy < 0.5, f"workers used {busy:.2f} s of CPU in the 2 s after Cancel"
        lines = [line for line in server.log().splitlines() if "cancelled" in line]
        assert len(lines) == 2 and all("Traceback" not in line for line in lines), lines
        assert "Traceback" not in server.log()
        first.close()
        second.close()
