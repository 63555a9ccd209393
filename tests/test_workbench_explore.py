"""The Explore page explains itself: sliders say their value in words, series carry the outcome registry's
plain names and units, the x axis is in years, the tab has a plain title, and a simulated year takes seconds.
One test drives the page in Chromium (Debian's, through Playwright)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from experiments.workbench.local_server import Server  # noqa: E402

pytest.importorskip("solara", reason="solara is not installed (the workbench extra)")

from experiments.workbench import draft as D  # noqa: E402
from experiments.workbench import explore as E  # noqa: E402
from experiments.workbench import i18n  # noqa: E402
from sim.outcomes import LIVE, PAYER_LABELS, SERIES  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MAKASSAR_CHILDREN = D.scenario("makassar_pksai")["population"]["n_children"]


@pytest.fixture(scope="module")
def weeks_run() -> object:
    """The page's default model, three weeks on."""
    model = E.model_class()(**E.DEFAULT_SETTINGS)
    for _ in range(3):
        model.step()
    return model


# ---- labels ----------------------------------------------------------------------------------------------------
def test_every_plotted_series_is_live_and_named_in_plain_words() -> None:
    for plot in E.PLOTS:
        assert E.y_label(plot)  # one unit per plot, in words
        for key in plot.keys:
            assert key in LIVE, f"{key} is not reported by the model's DataCollector"
            words = E.legend(key)
            assert "_" not in words and words != key
            payer = key.removeprefix("spend_")
            expected = f"Paid by {PAYER_LABELS[payer]}" if payer in PAYER_LABELS else SERIES[key].label
            assert words == expected  # the registry's words, not the page's own
    assert E.legend("backlog") == "Backlog (waiting + active)"
    assert E.y_label(E.PLOTS[3]) == "%"  # shares are drawn in per cent


def test_sliders_and_selects_say_their_values() -> None:
    makassar = D.scenario("makassar_pksai")
    texts = E.settings_texts(E.DEFAULT_SETTINGS, makassar)
    children = f"{MAKASSAR_CHILDREN:,}"
    assert texts["city_size_pct"] == (
        f"City size: 15% of the scenario's {children} children ({round(MAKASSAR_CHILDREN * 0.15):,} children)"
    )
    assert texts["local_workers_pct"].startswith("Local government workers: 100% of the scenario's 15 posts (")
    halved = E.settings_texts({**E.DEFAULT_SETTINGS, "local_workers_pct": 50}, makassar)["local_workers_pct"]
    model = E.model_class()(**{**E.DEFAULT_SETTINGS, "local_workers_pct": 50})
    assert halved.endswith(f"({model.cfg.staffing.workers.local} at this city size)")  # the posts as run

    assert E.choices("city", makassar)["makassar_pksai"] == "Makassar city: PKSAI with UNICEF"
    assert set(E.choices("city", makassar)) == set(D.scenarios())
    assert E.choices("pickup_share", makassar)[E.AS_IS] == "as in the scenario (40% of it)"
    assert E.choices("hub", makassar) == {E.AS_IS: "as in the scenario (on)", "on": "on", "off": "off"}
    assert [E.ADVANCE[k] for k in ("week", "quarter", "year")] == [1, 13, 52]


def test_the_page_builds_no_text_inside_underscore() -> None:
    path = ROOT / "experiments" / "workbench" / "explore.py"
    assert i18n.dynamic(path) == []
    marked = {text for text, _line in i18n.marked(path)}
    assert {"City size: {pct}% of the scenario's {n} children ({k} children)", "Year", "Open cases"} <= marked
    assert "Paid by the funder" not in marked and set(E.registry_texts()) >= {"Backlog (waiting + active)", "the city"}
    assert set(E.REGISTRY_WORDS) == set(E.registry_texts()) and set(E.REGISTRY_WORDS) <= marked


# ---- the x axis and the model ---------------------------------------------------------------------------------
def test_x_axis_is_in_years(weeks_run: object) -> None:
    start = weeks_run.cfg.run.start_year
    fig = E.figure_of(weeks_run, E.PLOTS[0])
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Year" and "Step" not in ax.get_xlabel()
    x = ax.get_lines()[0].get_xdata()
    assert list(x) == pytest.approx([start + 1 / 52, start + 2 / 52, start + 3 / 52])
    assert ax.get_xlim() == pytest.approx((start, start + weeks_run.n_weeks / 52))
    fig.canvas.draw()
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert ticks[:2] == [str(start), str(start + 1)]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Waiting list", "Backlog (waiting + active)"]
    svg = E.image_of(weeks_run, E.PLOTS[2]).decode()
    assert "Paid by the city" in svg and "spend_local" not in svg and f">{start + 1}<" in svg


def test_the_model_class_keeps_its_settings_and_reports_the_plotted_series(weeks_run: object) -> None:
    assert weeks_run.settings == E.DEFAULT_SETTINGS
    df = weeks_run.datacollector.get_model_vars_dataframe()
    assert len(df) == 3 and {k for p in E.PLOTS for k in p.keys} <= set(df.columns)
    assert E.progress_text(weeks_run) == f"Simulated to week 3 of 2015 (3 of {weeks_run.n_weeks} weeks)."
    other = E.model_class()(
        city="gowa_pksai", city_size_pct=50, mentoring="on", hub="off", pickup_share="0.25", scenario=object()
    )
    assert other.cfg.run.name == "gowa_pksai" and other.cfg.training.mentoring and not other.cfg.coordination.hub
    assert other.cfg.funding.pickup_share == 0.25
    assert E.progress_text(other) == "Not started: press ▶ Play or Step."


def test_seconds_per_simulated_year_at_the_page_defaults(capsys: pytest.CaptureFixture) -> None:
    """A printout: the model alone, and with the page's four plots drawn at each frame of Play (a quarter)."""
    cost = E.seconds_per_year()
    with capsys.disabled():
        print(
            f"\nExplore, makassar_pksai at {E.DEFAULT_CITY_SIZE_PCT}%: a simulated year takes {cost['model']:.2f} s "
            f"of model, {cost['with_plots']:.2f} s with the plots; load average {os.getloadavg()[0]:.2f} "
            f"on {os.cpu_count()} cores"
        )
    assert cost["model"] < cost["with_plots"]


# ---- in Chromium -----------------------------------------------------------------------------------------------
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
WAIT_MS = 150_000  # generous: other browser tests and compares may keep both cores busy


@pytest.fixture(scope="module")
def server(workbench_server: Server) -> str:
    return workbench_server.url


SVG_TEXTS = """async () => Promise.all([...document.querySelectorAll('img')].map(async (i) => {
    const r = await fetch(i.src); return await r.text(); }))"""


@pytest.mark.slow
def test_explore_in_chromium_shows_values_plain_names_years_and_title(server: str) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    if not CHROMIUM.exists():
        pytest.skip("chromium is not installed at /usr/bin/chromium")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(WAIT_MS)
            page.goto(server + "explore")
            value = page.locator(".explore-city-size-pct-value")
            value.wait_for()
            assert page.title() == "cpsim workbench: explore"
            assert value.inner_text().startswith(f"City size: 15% of the scenario's {MAKASSAR_CHILDREN:,} children")
            slider = page.get_by_role("slider").first  # city size
            slider.focus()
            slider.press("ArrowRight")
            page.get_by_text("City size: 20% of the scenario's").wait_for()
            page.get_by_text("The settings have changed: press Reset").wait_for()
            page.get_by_role("button", name="Reset").click()
            page.get_by_text("The settings have changed").wait_for(state="detached")  # the run has them now
            page.get_by_text("Not started: press ▶ Play or Step.").wait_for()
            page.get_by_role("button", name="Step", exact=True).click()  # a quarter
            page.get_by_text("Simulated to week 13 of 2015").wait_for()
            page.wait_for_function(
                "() => document.querySelectorAll('img').length >= 4",
            )
            svgs = "\n".join(page.evaluate(SVG_TEXTS))
            for words in ("Paid by the funder", "Backlog (waiting + active)", "Effective coverage so far", "Year"):
                assert words in svgs
            assert ">2016<" in svgs and ">Step<" not in svgs and "spend_funder" not in svgs
            assert page.get_by_text("PAGE 0").count() == 0 and page.get_by_text("Page 0").count() == 0
            if os.environ.get("CPSIM_SCREENSHOTS"):
                page.get_by_role("button", name="▶ Play").click()
                page.get_by_text("Simulated to week 52 of 2016").wait_for()
                page.get_by_role("button", name="❚❚ Pause").click()
                page.wait_for_timeout(1000)
                page.screenshot(path=str(ROOT / os.environ["CPSIM_SCREENSHOTS"] / "workbench_explore.png"))
        finally:
            browser.close()
