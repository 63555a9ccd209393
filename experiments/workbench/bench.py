"""Speed of the workbench's Compare, as the page runs it: `python -m experiments.workbench.bench`.

Measures, at the scenario's own city size (Makassar: ~138,000 children, 2015-2024), on the server's pool of
worker processes (started once when the server starts, as `cpsim-workbench` does):
- time to first progress: from the click to the first simulated quarter reported by a worker (the progress
  bar's first move); target under 1 s;
- time to results for 2 plans x 10 repeats (target at most 20 s on 2 cores).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import time
from pathlib import Path

from experiments.workbench import draft as D
from experiments.workbench.jobs import Cancelled, CompareJob, Pool, shared_pool, timed
from experiments.workbench.local_server import CHROMIUM_ARGS, local_server


def cold_first_progress(plans: list, scenario: dict, jobs: int) -> float:
    """Seconds from the click to the first simulated quarter when the worker processes have not started."""
    pool = Pool(jobs)
    job = CompareJob(plans, scenario, [0], pool, info={"scenario": "", "overrides": ""})
    start = time.perf_counter()
    first: list[float] = []

    def on_progress(fraction: float, text: str) -> None:
        if fraction > 0 and not first:
            first.append(time.perf_counter() - start)
            job.cancel()

    with contextlib.suppress(Cancelled):
        job.run(on_progress)
    pool.shutdown()
    return first[0] if first else float("nan")


def in_browser(repeats: int, jobs: int, chromium: str = "/usr/bin/chromium") -> tuple[float, float]:
    """(seconds from the Compare click to the page's progress bar moving, to the verdicts on the page), for the
    scenario's full city, measured in chromium against a `cpsim-workbench` started here."""
    import tempfile

    from playwright.sync_api import sync_playwright

    with (
        tempfile.TemporaryDirectory(prefix="cpsim-workbench-bench-") as folder,
        local_server(Path(folder), "--jobs", str(jobs)) as server,
    ):
        url = server.url
        time.sleep(5)  # the server starts its worker processes in the background
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(120_000)
            page.goto(url)
            page.get_by_text("The plan is valid for this scenario.").wait_for()
            box = page.locator(".repeats input")
            box.fill(str(repeats))
            box.press("Enter")
            page.wait_for_timeout(500)
            start = time.perf_counter()
            page.get_by_role("button", name="Compare", exact=True).click()
            page.wait_for_function(  # the page's percentage above 0: a worker reported a simulated quarter
                "() => /Running: ([1-9][0-9]*)% done/.test(document.body.innerText)", polling=50
            )
            first = time.perf_counter() - start
            page.locator(".verdict").first.wait_for()
            total = time.perf_counter() - start
            browser.close()
        return first, total


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m experiments.workbench.bench", description=__doc__.split("\n")[0])
    p.add_argument("--scenario", default="makassar_pksai", choices=D.scenarios())
    p.add_argument("--repeats", type=int, default=10)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--plans", nargs=2, default=["funder_stays", "linear_taper_3y"])
    p.add_argument("--browser", action="store_true", help="also time it in chromium, click to verdicts on the page")
    args = p.parse_args(argv)

    scenario = D.scenario(args.scenario)
    plans = [D.to_plan(D.example(name), scenario) for name in args.plans]
    cold = cold_first_progress(plans, scenario, args.jobs)
    pool = shared_pool(args.jobs)
    start = time.perf_counter()
    pool.warm()
    warm = time.perf_counter() - start

    job = CompareJob(
        plans, scenario, list(range(args.repeats)), pool, info={"scenario": args.scenario, "overrides": ""}
    )
    comp, first, total = timed(job)
    n = scenario["population"]["n_children"]
    print(
        f"scenario {args.scenario} ({n:,} children, {scenario['run']['start_year']}-{scenario['run']['end_year'] - 1})"
    )
    print(f"cores available: {os.cpu_count()}, worker processes: {args.jobs}; load average {os.getloadavg()[0]:.1f}")
    print(f"pool start (once, when the server starts): {warm:.2f} s")
    print(f"time to first progress on a pool not yet started (a click right after the server starts): {cold:.2f} s")
    print(f"time to first progress (first simulated quarter reported): {first:.2f} s  (target < 1 s)")
    print(
        f"{len(plans)} plans x {args.repeats} repeats: results in {total:.1f} s  (target <= 20 s); "
        f"{total / (len(plans) * args.repeats) * args.jobs:.2f} s per run per process"
    )
    print("verdicts:", *comp.verdicts, sep="\n  ")
    pool.shutdown()
    if args.browser:
        first, total = in_browser(args.repeats, args.jobs)
        print(
            f"in chromium, Makassar scale, my_plan vs funder_stays x {args.repeats} repeats: progress shown "
            f"{first:.2f} s after the click, verdicts shown after {total:.1f} s"
        )


if __name__ == "__main__":
    main()
