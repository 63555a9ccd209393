"""The workbench in a real browser: Debian's chromium driven by Playwright against `cpsim-workbench`.

Plans: an invalid cell shows `cpsim-plans check`'s message, fixing it clears it, a compare on a small city shows
the verdict, and the downloaded plan passes `cpsim-plans check`. Explore: a slider, Reset and Step change the
plot. Set CPSIM_SCREENSHOTS=docs to refresh the README's screenshots.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from experiments.workbench.local_server import Server

pytestmark = pytest.mark.slow  # a real browser against a running workbench

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
WAIT_MS = 150_000  # generous: the page must answer while a compare keeps both cores busy

expect = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed").expect
pytest.importorskip("solara", reason="solara is not installed (the workbench extra)")
if not CHROMIUM.exists():
    pytest.skip("chromium is not installed at /usr/bin/chromium (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def server(workbench_server: Server) -> str:
    return workbench_server.url


def _screenshot(page: object, name: str, height: int = 1000) -> None:
    """With CPSIM_SCREENSHOTS=docs, the README's picture of this page (tall enough to hold all of it: the page
    scrolls inside its own frame, which a full-page screenshot does not unroll)."""
    folder = os.environ.get("CPSIM_SCREENSHOTS")
    if folder:
        page.set_viewport_size({"width": 1400, "height": height})
        page.wait_for_timeout(1000)  # let the layout settle at the new size
        page.screenshot(path=str(ROOT / folder / name))


def _offline(page: object, server: str) -> list[str]:
    """What the page asks for outside the server, or the server does not have (none when it works without
    internet), filled as the page loads."""
    away: list[str] = []
    page.on("request", lambda r: None if r.url.startswith((server, "data:", "blob:")) else away.append(r.url))
    page.on("response", lambda r: away.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return away


def _type(page: object, selector: str, text: str) -> None:
    box = page.locator(f"{selector} input")
    box.fill(text)
    box.press("Enter")


def test_plans_page_edit_check_compare_download(server: str, browser: object, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page.set_default_timeout(WAIT_MS)
    away = _offline(page, server)
    page.goto(server)
    page.get_by_text("2. Edit the plan").wait_for()
    _type(page, ".children", "20000")  # a small city: the compare takes seconds
    _type(page, ".cell-funder_share-2021-outreach", "1.5")
    message = "Outreach, 2021: 1.5 is more than all of it; enter a share between 0 and 1"  # plain words, no paths
    page.get_by_text(message).wait_for()
    # expect() waits: the page sends each widget's change on its own, so the text may arrive before the button's
    expect(page.get_by_role("button", name="Compare", exact=True)).to_be_disabled()
    _type(page, ".cell-funder_share-2021-outreach", "0.5")
    page.get_by_text("The plan is valid for this scenario.").wait_for()
    expect(page.get_by_text(message)).to_have_count(0)

    _type(page, ".cell-cut_order", "prevention, salaries")  # the cut order is checked as cpsim-plans does
    page.get_by_text("Cut first: salaries is not a budget line").wait_for()
    _type(page, ".cell-cut_order", "prevention, Outreach")
    page.get_by_text("The plan is valid for this scenario.").wait_for()

    _type(page, ".repeats", "3")
    page.locator(".others").click()  # a third plan, side by side on the same repeats
    page.get_by_role("option", name="example: abrupt_exit").click()
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Compare", exact=True).click()
    page.get_by_text("Results on makassar_pksai (20,000 children)").wait_for()
    verdicts = page.locator(".verdict")
    assert verdicts.count() == 3
    assert "my_plan" in verdicts.nth(1).inner_text() and "funder_stays" in verdicts.nth(1).inner_text()
    assert "abrupt_exit" in verdicts.nth(2).inner_text() and "Why: " in verdicts.nth(2).inner_text()
    page.get_by_text("Year by year").wait_for()  # who pays and the children, year by year, for each plan
    text = page.locator("body").inner_text()
    assert "pp" not in text.split() and "t-interval" not in text and str(Path.home()) not in text
    _screenshot(page, "workbench_plans.png", height=3500)

    with page.expect_download() as csv_download:
        page.get_by_role("button", name="Results (CSV)").click()
    csv = tmp_path / csv_download.value.suggested_filename
    csv_download.value.save_as(csv)
    results = pd.read_csv(csv)
    assert set(results.plan) == {"funder_stays", "my_plan", "abrupt_exit"} and (results.repeats == 3).all()

    with page.expect_download() as yaml_download:
        page.locator(".downloads").get_by_role("button", name="Plan (YAML)").click()
    plan_file = tmp_path / yaml_download.value.suggested_filename
    yaml_download.value.save_as(plan_file)
    assert plan_file.name == "my_plan.yaml"
    check = subprocess.run(
        [sys.executable, "-m", "experiments.plans.cli", "check", str(plan_file), "--scenario", "makassar_pksai"],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr
    assert check.stdout.startswith("ok: my_plan")
    assert away == [], f"outside the server or missing: {away[:3]}"
    assert yaml.safe_load(plan_file.read_text())["cut_order"] == ["prevention", "outreach"]
    page.close()


def test_stress_page_runs_futures_and_says_where_a_plan_fails(server: str, browser: object, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page.set_default_timeout(WAIT_MS)
    away = _offline(page, server)
    page.goto(server + "stress")
    page.get_by_text("Plans and futures").wait_for()
    _type(page, ".stress-futures", "1")  # bad input: one line, nothing runs
    page.get_by_role("button", name="Run the stress test").click()
    page.get_by_text("futures: '1' is not allowed; expected a whole number from 2 to 500").wait_for()
    _type(page, ".stress-futures", "4")
    _type(page, ".stress-repeats", "1")
    page.get_by_role("button", name="Run the stress test").click()
    page.get_by_text(re.compile("Running:|Where each plan fails")).first.wait_for()
    page.reload()  # the stress test runs on the server: the reloaded page finds it again
    page.get_by_text("Where each plan fails").wait_for()
    text = page.locator("body").inner_text()
    assert "linear_taper_3y holds against funder_stays in" in text and "(reference)" in text
    assert str(Path.home()) not in text
    _screenshot(page, "workbench_stress.png", height=1800)
    with page.expect_download() as download:
        page.get_by_role("button", name="Robustness (CSV)").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    robustness = pd.read_csv(saved)
    assert list(robustness.plan) == ["funder_stays", "linear_taper_3y"]
    assert 0 <= robustness.holds_share.iloc[1] <= 1
    assert away == [], f"outside the server or missing: {away[:3]}"
    page.close()


def test_explore_page_slider_step_changes_the_plot(server: str, browser: object) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(WAIT_MS)
    away = _offline(page, server)
    page.goto(server + "explore")
    page.locator(".explore-city-size-pct-value").wait_for()
    plots = page.locator("img")
    plots.first.wait_for()
    before = plots.first.get_attribute("src")

    slider = page.get_by_role("slider").nth(1)  # local government workers (after city size)
    slider.focus()
    for _ in range(4):
        slider.press("ArrowRight")
    page.get_by_text("Local government workers: 140% of the scenario's").wait_for()
    page.get_by_role("button", name="Reset").click()
    page.get_by_text("The settings have changed").wait_for(state="detached")
    for _ in range(3):
        page.get_by_role("button", name="Step", exact=True).click()  # a quarter each
    page.get_by_text("Simulated to week 39 of 2015").wait_for()
    page.wait_for_function(
        "([sel, old]) => { const i = document.querySelector(sel); return i && i.getAttribute('src') !== old; }",
        arg=["img", before],
    )
    assert plots.first.get_attribute("src") != before
    assert away == [], f"outside the server or missing: {away[:3]}"
    if os.environ.get("CPSIM_SCREENSHOTS"):  # a year and more makes a better picture
        for _ in range(5):  # a quarter each
            page.get_by_role("button", name="Step", exact=True).click()
        page.get_by_text("Simulated to week 52 of 2016").wait_for()
        _screenshot(page, "workbench_explore.png")
    page.close()


def _open_small_city(browser: object, server: str, name: str, repeats: int) -> object:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(WAIT_MS)
    page.goto(server)
    page.get_by_text("2. Edit the plan").wait_for()
    _type(page, ".children", "20000")
    _type(page, ".plan-name", name)
    _type(page, ".repeats", str(repeats))
    page.get_by_text("The plan is valid for this scenario.").wait_for()
    return page


def test_progress_cancel_responsive_and_two_tabs_apart(server: str, browser: object) -> None:
    page = _open_small_city(browser, server, "long_plan", 40)
    page.get_by_role("button", name="Compare", exact=True).click()
    page.get_by_text("Running:").wait_for()
    page.get_by_role("button", name="Cancel").wait_for()
    # the page still answers while the runs go on, and a cell typed into while progress comes in keeps its text
    for line, value in (("outreach", "2"), ("training", "3"), ("mentoring", "4")):
        page.get_by_text("Running:").wait_for()
        _type(page, f".cell-pickup-{line}-share", value)
        page.get_by_text(f"{line.capitalize()}, city pickup share: {value} is more than all of it").wait_for()
    page.get_by_role("button", name="Cancel").click()
    page.get_by_text("Cancelled: nothing was kept.").wait_for()
    page.close()

    tabs = {name: _open_small_city(browser, server, name, 2) for name in ("plan_a", "plan_b")}
    _type(tabs["plan_b"], ".cell-funder_share-2021-outreach", "0.1")  # different plans in the two tabs
    for tab in tabs.values():
        tab.get_by_role("button", name="Compare", exact=True).click()
    for name, tab in tabs.items():
        tab.get_by_text("Results on makassar_pksai").wait_for()
        other = "plan_b" if name == "plan_a" else "plan_a"
        text = tab.locator("body").inner_text()
        assert f"{name} " in text and other not in text
        tab.close()
