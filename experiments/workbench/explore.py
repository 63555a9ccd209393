"""The Explore page: one live run of the model (Mesa's `CPModel`), a quarter (or a week, or a year) at a time,
with a few levers set relative to the chosen scenario.

What a planner reads is plain and goes through `_()`: each slider says its value and what it means ("City size:
15% of the scenario's 137,932 children"), each series is named and measured as in the outcome registry
(sim/outcomes.py: `SERIES`, the weekly series the model's DataCollector reports, `LIVE`), and the x axis is in
years (the scenario's start year + weeks / 52). The page is Mesa's live-run pattern (a model in a reactive
variable, stepped in a thread, every plot redrawn through Mesa's `update_counter`), drawn by the page itself:
Mesa 3.5's `SolaraViz` labels a slider with its name only, its plots with code names and "Step", and its
controls in English. Play advances by a quarter per frame by default: drawing the plots, not the model, is
what a week costs (a year of Makassar at 15% is 0.1 s of model; see `seconds_per_year`).
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from typing import Any

import matplotlib
import solara
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, StrMethodFormatter

from experiments.workbench import draft as D
from experiments.workbench.i18n import N_, _, language, number
from sim.outcomes import OUTCOMES, PAYER_LABELS, SERIES, Outcome

AS_IS = "as in the scenario"  # the value of a select that keeps the scenario's own setting
WEEKS_A_YEAR = 52
DEFAULT_CITY = "makassar_pksai"
DEFAULT_CITY_SIZE_PCT = 15

# Step and Play advance by ... (weeks per click or per frame of Play)
ADVANCE = {"week": 1, "quarter": 13, "year": WEEKS_A_YEAR}
ADVANCE_WORDS = {"week": N_("a week"), "quarter": N_("a quarter (13 weeks)"), "year": N_("a year (52 weeks)")}
DEFAULT_ADVANCE = "quarter"
FRAME_PAUSE_S = 0.05  # between frames of Play: lets the browser draw and the Pause click through

SCENARIO_NAMES = {  # the scenarios in words (scenarios/conf/scenario/*.yaml, first comment line)
    "makassar_pksai": N_("Makassar city: PKSAI with UNICEF"),
    "gowa_pksai": N_("Gowa regency: PKSAI pilot"),
    "indonesia_cpap": N_("Indonesia: UNICEF programme against child labour (CPAP)"),
    "indonesia_ecpat": N_("Indonesia: police and ECPAT against sexual exploitation"),
    "thailand_cpms": N_("Thailand: child protection monitoring system (CPMS)"),
    "tulungagung_ult_psai": N_("Tulungagung regency: ULT PSAI"),
}
ON_OFF_WORDS = {"on": N_("on"), "off": N_("off")}
PICKUP_SHARES = ("0", "0.25", "0.5", "0.75", "1")

# units in words, for a plot's y axis (the registry's unit names, sim/outcomes.py FORMATS)
UNIT_WORDS = {
    "cases": N_("cases"),
    "children": N_("children"),
    "workers": N_("workers"),
    "share": N_("%"),
    "Rp m": N_("Rp million a week"),
    "count": N_("number"),
    "weeks": N_("weeks"),
}


@dataclass(frozen=True)
class Plot:
    """One plot of the page: a title, the live series it draws (keys of the model's DataCollector)."""

    title: str  # marked with N_, shown through _()
    keys: tuple[str, ...]


PLOTS = (
    Plot(N_("Open cases"), ("waiting", "backlog")),
    Plot(N_("Social workers in post"), ("workers",)),
    Plot(N_("Spending this week, by who pays"), ("spend_funder", "spend_local", "spend_national")),
    Plot(
        N_("Children effectively served and cases resolved, so far"),
        ("effective_coverage_to_date", "resolution_rate_to_date"),
    ),
)


def series(key: str) -> Outcome:
    """The registry's entry of a live series: the weekly series (`SERIES`) first, as the DataCollector reports a
    week's value (`cases_opened` is the week's, not the run's)."""
    entry = SERIES.get(key) or OUTCOMES.get(key)
    if entry is None:
        raise KeyError(f"{key!r} is not in sim/outcomes.py (SERIES)")
    return entry


def legend(key: str) -> str:
    """A live series in plain words: the registry's label, or for the spending by payer, who pays."""
    payer = key.removeprefix("spend_")
    if payer in PAYER_LABELS:
        return _("Paid by {payer}").format(payer=_(PAYER_LABELS[payer]))
    entry = series(key)
    return _(entry.label)


def y_label(plot: Plot) -> str:
    """The unit of a plot's series, in words (they share one)."""
    units = {series(k).unit for k in plot.keys}
    if len(units) != 1:
        raise ValueError(f"{plot.title}: series in different units {sorted(units)}")
    unit = units.pop()
    return _(UNIT_WORDS[unit]) if unit in UNIT_WORDS else _(unit)


def registry_texts() -> list[str]:
    """The registry's words this page shows (for the catalogue: experiments/workbench/i18n.py `data_texts`)."""
    texts = [series(k).label for p in PLOTS for k in p.keys if k.removeprefix("spend_") not in PAYER_LABELS]
    return [*dict.fromkeys([*texts, *PAYER_LABELS.values()])]


# the registry's words above, marked for the catalogue that `python -m experiments.workbench.i18n extract` builds
# (a test keeps them equal to `registry_texts()`; the legends themselves are read from sim/outcomes.py)
REGISTRY_WORDS = (
    N_("Waiting list"),
    N_("Backlog (waiting + active)"),
    N_("Workers"),
    N_("Effective coverage so far"),
    N_("Resolution rate so far"),
    N_("the funder"),
    N_("the city"),
    N_("the national government"),
)


def years_of(model: Any, n: int) -> list[float]:
    """The x of the DataCollector's first `n` rows: row i is collected at the end of week i + 1."""
    start = model.cfg.run.start_year
    return [start + (i + 1) / WEEKS_A_YEAR for i in range(n)]


def figure_of(model: Any, plot: Plot) -> Figure:
    """One plot of the run so far: plain names, its unit, the years of the run on the x axis."""
    df = model.datacollector.get_model_vars_dataframe()
    fig = Figure(figsize=(6.4, 3.6), dpi=80)
    ax = fig.subplots()
    x = years_of(model, len(df))
    for key in plot.keys:
        scale = 100.0 if series(key).unit == "share" else 1.0
        y = df[key].to_numpy(dtype=float) * scale if len(df) else []
        ax.plot(x, y, label=legend(key))
    start = model.cfg.run.start_year
    ax.set_xlim(start, start + model.n_weeks / WEEKS_A_YEAR)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:.0f}"))
    ax.set_xlabel(_("Year"))
    ax.set_ylabel(y_label(plot))
    if series(plot.keys[0]).unit == "share":
        ax.set_ylim(0, 100)
    else:
        ax.set_ylim(bottom=0)
        if series(plot.keys[0]).unit in ("cases", "children", "workers", "count"):
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(_(plot.title), fontsize=11)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=9, frameon=False)
    fig.subplots_adjust(left=0.12, right=0.97, bottom=0.14, top=0.9)  # fixed: tight_layout would double the cost
    return fig


def image_of(model: Any, plot: Plot) -> bytes:
    """The plot as SVG with its words as text (searchable, sharp at any size; cheaper to draw than a PNG)."""
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        out = io.BytesIO()
        figure_of(model, plot).savefig(out, format="svg")
    return out.getvalue()


def progress_text(model: Any) -> str:
    weeks = model.week
    if weeks == 0:
        return _("Not started: press ▶ Play or Step.")
    year = model.cfg.run.start_year + (weeks - 1) // WEEKS_A_YEAR
    text = _("Simulated to week {week} of {year} ({weeks} of {total} weeks).").format(
        week=(weeks - 1) % WEEKS_A_YEAR + 1, year=year, weeks=number(weeks), total=number(model.n_weeks)
    )
    return text if model.running else text + " " + _("The run has reached its horizon: press Reset to run again.")


# ---- the model ------------------------------------------------------------------------------------------------


def explore_model_class() -> type:
    """CPModel driven by the Explore page's controls, each relative to the chosen scenario so that no slider
    silently replaces a scenario's own value. The scenario is named `city`: Mesa's tools that rebuild a model
    (SolaraViz's Reset) pass their own `scenario` object (mesa.experimental.scenarios), which CPModel would
    take for a name; it is ignored here."""
    from sim.model import CPModel

    class ExploreModel(CPModel):
        def __init__(
            self,
            city: str = DEFAULT_CITY,
            rng: int | None = 0,
            scenario: Any = None,
            city_size_pct: int = DEFAULT_CITY_SIZE_PCT,
            local_workers_pct: int = 100,
            donor_workers_pct: int = 100,
            mentoring: str = AS_IS,
            pickup_share: str = AS_IS,
            hub: str = AS_IS,
        ):
            self.settings = {
                "city": city,
                "city_size_pct": city_size_pct,
                "local_workers_pct": local_workers_pct,
                "donor_workers_pct": donor_workers_pct,
                "mentoring": mentoring,
                "pickup_share": pickup_share,
                "hub": hub,
            }
            base = D.scenario(city)
            workers = base["staffing"]["workers"]
            overrides: dict[str, Any] = {
                "population__n_children": children_at(base, city_size_pct),
                "staffing__workers__local": round(workers["local"] * local_workers_pct / 100),
                "staffing__workers__donor": round(workers["donor"] * donor_workers_pct / 100),
            }
            if mentoring != AS_IS:
                overrides["training__mentoring"] = mentoring == "on"
            if hub != AS_IS:
                overrides["coordination__hub"] = hub == "on"
            if pickup_share != AS_IS:
                overrides["funding__pickup_share"] = float(pickup_share)
            super().__init__(scenario=city, rng=rng, **overrides)

    return ExploreModel


def children_at(base: dict[str, Any], city_size_pct: int) -> int:
    return max(1000, round(base["population"]["n_children"] * city_size_pct / 100))


DEFAULT_SETTINGS: dict[str, Any] = {
    "city": DEFAULT_CITY,
    "city_size_pct": DEFAULT_CITY_SIZE_PCT,
    "local_workers_pct": 100,
    "donor_workers_pct": 100,
    "mentoring": AS_IS,
    "pickup_share": AS_IS,
    "hub": AS_IS,
}

_EXPLORE_MODEL: type | None = None


def model_class() -> type:
    global _EXPLORE_MODEL
    if _EXPLORE_MODEL is None:
        _EXPLORE_MODEL = explore_model_class()
    return _EXPLORE_MODEL


def seconds_per_year(settings: dict[str, Any] | None = None, advance: str = DEFAULT_ADVANCE) -> dict[str, float]:
    """What a simulated year costs on this computer at the page's settings: the model alone, and the model with
    the page's plots drawn as Play draws them (every `advance`), SVG included."""
    model = model_class()(**(settings or DEFAULT_SETTINGS))
    t = time.perf_counter()
    for _week in range(WEEKS_A_YEAR):
        model.step()
    alone = time.perf_counter() - t
    model = model_class()(**(settings or DEFAULT_SETTINGS))
    t = time.perf_counter()
    for _frame in range(WEEKS_A_YEAR // ADVANCE[advance]):
        for _week in range(ADVANCE[advance]):
            model.step()
        for plot in PLOTS:
            image_of(model, plot)
    return {"model": alone, "with_plots": time.perf_counter() - t}


# ---- the page -------------------------------------------------------------------------------------------------


def settings_texts(settings: dict[str, Any], base: dict[str, Any]) -> dict[str, str]:
    """Each slider's value in words, relative to the scenario `base`."""
    from scenarios.scale import posts
    from scenarios.schema import EmployerCounts

    workers = base["staffing"]["workers"]
    n = base["population"]["n_children"]
    pct = settings["city_size_pct"]
    asked = {e: round(workers[e] * settings.get(f"{e}_workers_pct", 100) / 100) for e in ("local", "donor")}
    reference = base["population"].get("reference_children") or n
    run = posts(EmployerCounts(**{**workers, **asked}), children_at(base, pct) / reference)
    post_words = _("{pct}% of the scenario's {n} posts ({k} at this city size)")
    return {
        "city_size_pct": _("City size: {pct}% of the scenario's {n} children ({k} children)").format(
            pct=pct, n=number(n), k=number(children_at(base, pct))
        ),
        "local_workers_pct": _("Local government workers: {posts}").format(
            posts=post_words.format(pct=settings["local_workers_pct"], n=number(workers["local"]), k=run.local)
        ),
        "donor_workers_pct": _("Donor-paid workers: {posts}").format(
            posts=post_words.format(pct=settings["donor_workers_pct"], n=number(workers["donor"]), k=run.donor)
        ),
    }


def _as_is(words: str) -> str:
    return _("as in the scenario ({value})").format(value=words)


def choices(key: str, base: dict[str, Any]) -> dict[str, str]:
    """A select's options: value -> words (the scenario's own value named in "as in the scenario")."""
    if key == "city":
        return {
            name: _(SCENARIO_NAMES[name]) if name in SCENARIO_NAMES else name.replace("_", " ")
            for name in D.scenarios()
        }
    if key == "pickup_share":
        own = base["funding"]["pickup_share"]
        shares = {s: _("{pct}% of it").format(pct=round(float(s) * 100)) for s in PICKUP_SHARES}
        return {AS_IS: _as_is(_("{pct}% of it").format(pct=round(own * 100))), **shares}
    own = bool(base["training"]["mentoring"] if key == "mentoring" else base["coordination"]["hub"])
    return {AS_IS: _as_is(_(ON_OFF_WORDS["on" if own else "off"])), **{v: _(w) for v, w in ON_OFF_WORDS.items()}}


SELECT_TITLES = {
    "city": N_("Scenario"),
    "mentoring": N_("Training: mentoring of new workers"),
    "pickup_share": N_("Funding: share of withdrawn money the city picks up"),
    "hub": N_("Coordination: integrated hub"),
}
SLIDERS = {  # key: (min, max, step)
    "city_size_pct": (5, 100, 5),
    "local_workers_pct": (0, 200, 10),
    "donor_workers_pct": (0, 200, 10),
}


@solara.component
def WordsSelect(key: str, settings: solara.Reactive[dict], base: dict[str, Any]) -> None:
    words = choices(key, base)
    value_of = {w: v for v, w in words.items()}

    def pick(shown: str) -> None:
        settings.set({**settings.value, key: value_of.get(shown, AS_IS)})

    solara.Select(
        _(SELECT_TITLES[key]),
        values=list(words.values()),
        value=words.get(settings.value[key], next(iter(words.values()))),
        on_value=pick,
        classes=[f"explore-{key.replace('_', '-')}"],
    )


@solara.component
def ValueSlider(key: str, settings: solara.Reactive[dict], text: str) -> None:
    low, high, step = SLIDERS[key]
    solara.Text(text, classes=[f"explore-{key.replace('_', '-')}-value"], style={"font-size": "0.9rem"})
    solara.SliderInt(
        "",
        value=settings.value[key],
        min=low,
        max=high,
        step=step,
        on_value=lambda v: settings.set({**settings.value, key: v}),
        thumb_label=True,
    )


@solara.component
def PlotView(model: Any, plot: Plot) -> None:
    """A plot, redrawn when Mesa's `update_counter` moves (each Step, each frame of Play), on Reset, or in another
    language."""
    import reacton.ipywidgets as rw
    from mesa.visualization.utils import update_counter

    image = solara.use_memo(lambda: image_of(model, plot), [update_counter.value, id(model), language.value])
    rw.Image(value=image, format="svg+xml", layout={"width": "100%", "height": "auto"})  # SVG: sharp at any width


@solara.component
def Progress(model: Any) -> None:
    from mesa.visualization.utils import update_counter

    update_counter.get()
    solara.Text(progress_text(model), classes=["explore-progress"])


@solara.component
def RunButtons(model: Any, playing: solara.Reactive[bool], reset: Any, step: Any) -> None:
    """Reset, Play / Pause and Step; redrawn with the plots, so that they know when the run is over."""
    from mesa.visualization.utils import update_counter

    update_counter.get()
    running = model.running
    with solara.Row(justify="space-between", style={"flex-wrap": "wrap", "row-gap": "8px"}):  # long words wrap
        solara.Button(_("Reset"), color="primary", on_click=reset, classes=["explore-reset"])
        solara.Button(
            _("❚❚ Pause") if playing.value else _("▶ Play"),
            color="primary",
            on_click=lambda: playing.set(not playing.value),
            disabled=not running,
            classes=["explore-play"],
        )
        solara.Button(
            _("Step"), color="primary", on_click=step, disabled=playing.value or not running, classes=["explore-step"]
        )


@solara.component
def Explore() -> None:
    from mesa.visualization.utils import force_update

    cls = model_class()
    model = solara.use_reactive(solara.use_memo(lambda: cls(**DEFAULT_SETTINGS), []))
    settings = solara.use_reactive(dict(DEFAULT_SETTINGS))
    advance = solara.use_reactive(DEFAULT_ADVANCE)
    playing = solara.use_reactive(False)
    error = solara.use_reactive("")
    base = solara.use_memo(lambda: D.scenario(settings.value["city"]), [settings.value["city"]])

    def advance_once() -> None:
        m = model.value
        for _week in range(ADVANCE[advance.value]):
            if not m.running:
                break
            m.step()
        force_update()

    def play() -> None:
        try:
            while playing.value and model.value.running:
                advance_once()
                time.sleep(FRAME_PAUSE_S)
        except Exception as exc:  # noqa: BLE001 - shown on the page, the run stops
            error.set(_("The run stopped: {error}").format(error=str(exc)))
        playing.set(False)

    solara.lab.use_task(play, dependencies=[playing.value], prefer_threaded=True)

    def step() -> None:
        try:
            advance_once()
        except Exception as exc:  # noqa: BLE001
            error.set(_("The run stopped: {error}").format(error=str(exc)))

    def reset() -> None:
        playing.set(False)
        error.set("")
        try:
            model.set(cls(**settings.value))
        except Exception as exc:  # noqa: BLE001 - a setting the scenario refuses
            error.set(_("These settings cannot run: {error}").format(error=str(exc)))
        force_update()

    changed = getattr(model.value, "settings", DEFAULT_SETTINGS) != settings.value
    advance_words = {k: _(w) for k, w in ADVANCE_WORDS.items()}
    advance_of = {w: k for k, w in advance_words.items()}

    solara.Title(_("cpsim workbench: explore"))
    solara.AppBarTitle(_("Explore: one run of the model"))
    with solara.Sidebar(), solara.Column():
        with solara.Card(_("Run")):
            RunButtons(model.value, playing, reset, step)
            solara.Select(
                _("Step and Play advance by"),
                values=list(advance_words.values()),
                value=advance_words[advance.value],
                on_value=lambda w: advance.set(advance_of.get(w, DEFAULT_ADVANCE)),
                classes=["explore-advance"],
            )
            Progress(model.value)
            if error.value:
                solara.Error(error.value)
        with solara.Card(_("Settings")):
            solara.Text(_("Sizes are relative to the scenario. Change a setting, then press Reset to run with it."))
            WordsSelect("city", settings, base)
            texts = settings_texts(settings.value, base)
            for key in SLIDERS:
                ValueSlider(key, settings, texts[key])
            for key in ("mentoring", "pickup_share", "hub"):
                WordsSelect(key, settings, base)
            if changed:
                solara.Warning(_("The settings have changed: press Reset to start a run with them."), dense=True)
    with solara.ColumnsResponsive(12, large=6):
        for plot in PLOTS:
            PlotView(model.value, plot)
