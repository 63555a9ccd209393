"""The workbench's memory over many visits: `python -m experiments.workbench.memory`.

Starts a `cpsim-workbench`, runs one compare in chromium and notes the server's resident memory; then opens
and closes `--sessions` tabs, runs `--compares` compares in all (each in a tab closed afterwards), waits until
Solara has released the closed tabs' sessions (`--cull`, the server's SOLARA_KERNEL_CULL_TIMEOUT), and notes the
memory again. The bound (issue 20): after 20 sessions and 5 compares, at most 1.5 x the memory after the first
compare. The worker processes' memory is shown too; it does not grow with visits (they keep no results).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from experiments.workbench.local_server import CHROMIUM_ARGS, local_server, rss_mb

BOUND = 1.5


def _children(pid: int) -> list[int]:
    """The server's worker processes (and their forkserver)."""
    out, todo = [], [pid]
    while todo:
        parent = todo.pop()
        try:
            kids = [int(k) for k in Path(f"/proc/{parent}/task/{parent}/children").read_text().split()]
        except OSError:
            kids = []
        out += kids
        todo += kids
    return out


def _compare(browser: object, url: str, children: int, repeats: int) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(300_000)
    page.goto(url)
    page.get_by_text("2. Edit the plan").wait_for()
    for selector, text in ((".children", str(children)), (".repeats", str(repeats))):
        box = page.locator(f"{selector} input")
        box.fill(text)
        box.press("Enter")
    page.get_by_text("The plan is valid for this scenario.").wait_for()
    page.get_by_role("button", name="Compare", exact=True).click()
    page.locator(".verdict").first.wait_for()
    page.close()


def measure(
    sessions: int = 20, compares: int = 5, cull: str = "2m", children: int = 20000, repeats: int = 2
) -> dict[str, float]:
    """Memory (MB) of the server after the first compare and after all the visits, once the sessions of the
    closed tabs were released; each browser is a new one (its own cookie), as different planners would be."""
    from playwright.sync_api import sync_playwright
    from solara.util import parse_timedelta

    with (
        tempfile.TemporaryDirectory(prefix="cpsim-workbench-memory-") as folder,
        local_server(Path(folder), env={"SOLARA_KERNEL_CULL_TIMEOUT": cull}) as server,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        start = rss_mb(server.pid)
        _compare(browser, server.url, children, repeats)
        first = rss_mb(server.pid)
        more_at = {(k + 1) * sessions // compares for k in range(compares - 1)}  # the other compares, spread out
        for i in range(sessions):
            page = browser.new_page()
            page.set_default_timeout(120_000)
            page.goto(server.url)
            page.get_by_text("2. Edit the plan").wait_for()
            page.close()
            if i in more_at:
                _compare(browser, server.url, children, repeats)
        browser.close()
        time.sleep(parse_timedelta(cull) + 10)  # Solara frees a closed tab's session after the cull timeout
        after = rss_mb(server.pid)
        workers = sum(rss_mb(pid) for pid in _children(server.pid))
    return {"start": start, "after_first_compare": first, "after_all": after, "workers": workers}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m experiments.workbench.memory", description=__doc__.split("\n")[0])
    p.add_argument("--sessions", type=int, default=20)
    p.add_argument("--compares", type=int, default=5)
    p.add_argument("--cull", default="2m", help="how soon a closed tab's session is released (the server's default)")
    args = p.parse_args(argv)
    m = measure(args.sessions, args.compares, args.cull)
    ratio = m["after_all"] / m["after_first_compare"]
    print(f"load average {os.getloadavg()[0]:.1f}; {args.sessions} tab sessions, {args.compares} compares")
    print(f"server memory at start: {m['start']:.0f} MB; after the first compare: {m['after_first_compare']:.0f} MB")
    print(f"after all visits, closed tabs released: {m['after_all']:.0f} MB ({ratio:.2f} x; bound {BOUND} x)")
    print(f"worker processes (forkserver and pool): {m['workers']:.0f} MB")


if __name__ == "__main__":
    main()
