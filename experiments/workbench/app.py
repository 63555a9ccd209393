"""The workbench's pages (Solara): Plans and Stress test (stress_page.py), for planners, and Explore, a live
Mesa `SolaraViz` run.

Every piece of state below is a `solara.reactive`, which Solara keeps per browser tab (one virtual kernel per
page), so two tabs never share a draft, a compare or its results. Runs go under the app's data folder
(`CPSIM_WORKBENCH_DATA`, set by `cpsim-workbench --data-dir`), in a folder per tab.
"""

from __future__ import annotations

import datetime
import json
import time
from pathlib import Path
from typing import Any

import solara
import solara.lab

from experiments.plans.plan_file import PlanError
from experiments.workbench import charts, plain
from experiments.workbench import draft as D
from experiments.workbench.jobs import Cancelled, CompareJob, shared_pool
from experiments.workbench.page import (
    DATA,
    EXAMPLE,
    STYLE,
    WORKERS,
    Text,
    _choices,
    _no_paths,
    _open,
    _tab_folder,
    scenario_name,
)
from experiments.workbench.stress_page import Stress
from scenarios.schema import BUDGET_LINES, EMPLOYERS
from scenarios.validate import ConfigError

PROGRESS_EVERY_S = 0.25


def _starting_draft() -> D.Draft:
    d = D.example("linear_taper_3y")
    d.name, d.description = "my_plan", "my changes to linear_taper_3y"
    return d


children_text = solara.reactive("")  # blank: the scenario's city size
repeats_text = solara.reactive("10")
baseline_choice = solara.reactive(EXAMPLE + "funder_stays")
others_choice: solara.Reactive[list[str]] = solara.reactive([])  # more plans, up to MAX_PLANS in all
MAX_PLANS = 6
start_choice = solara.reactive(EXAMPLE + "linear_taper_3y")
draft = solara.reactive(_starting_draft())
notice = solara.reactive("")
# (percent done, what is happening): read only by `CompareProgress`, so that a progress update re-renders the
# bar and not the plan's grid
progress: solara.Reactive[tuple[int, str]] = solara.reactive((0, ""))
current_job: solara.Reactive[CompareJob | None] = solara.reactive(None)


def _scenario() -> tuple[dict[str, Any] | None, str]:
    """(scenario data, '') or (None, the error in words)."""
    text = children_text.value.strip()
    try:
        n = None
        if text:
            try:
                n = int(text.replace(",", ""))
            except ValueError:
                return None, f"population.n_children: {text!r} is not allowed; expected a whole number"
        return D.scenario(scenario_name.value, n), ""
    except ConfigError as exc:
        return None, str(exc)


@solara.lab.task(prefer_threaded=True)
def compare_task(job: CompareJob, folder: Path, files: dict[str, str], label: str) -> dict[str, Any]:
    last = [0.0]

    def on_progress(fraction: float, text: str) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY_S or fraction >= 1:  # a few updates a second are enough to watch
            last[0] = now
            progress.set((round(100 * fraction), text))

    comp = job.run(on_progress)
    folder.mkdir(parents=True, exist_ok=True)
    out = {
        "plan.yaml": files["plan"].encode(),
        "results.csv": plain.csv_bytes(comp),
        "results.xlsx": plain.xlsx_bytes(comp),
        "report.md": plain.report_markdown(comp, label).encode(),
    }
    for name, data in out.items():
        (folder / name).write_bytes(data)
    (folder / "baseline.yaml").write_text(files["baseline"])
    (folder / "run_info.json").write_text(
        json.dumps({k: comp.meta[k] for k in ("baseline", "seeds", "wall_seconds", "window_start", "versions")})
    )
    return {"comp": comp, "files": out, "label": label}


# ---- Plans page ------------------------------------------------------------------------------------------
def _cell(key: str, bad: set[str], width: int = 62) -> solara.Element:
    return Cell(key, draft.value.cell(key), key in bad, width)


@solara.component
def Cell(key: str, text: str, error: bool, width: int) -> None:
    """One cell of the grid, a component of its own: when another cell changes the draft, Reacton renders only
    the cells whose text or mark changed, and a cell being typed into keeps what is not yet entered."""

    def set_text(new: str | None) -> None:
        draft.set(draft.value.with_cell(key, new or ""))

    solara.InputText(
        "",
        value=text,
        on_value=set_text,
        continuous_update=False,
        dense=True,
        hide_details=True,
        error=error,
        classes=["cell-" + key.replace(".", "-")],
        style={"width": f"{width}px", "margin": "0 2px"},
    )


def _table(header: list[str], rows: list[tuple[str, list[solara.Element]]]) -> solara.Element:
    th = [solara.v.Html(tag="th", children=[h], style_="font-weight:normal;font-size:85%") for h in ["", *header]]
    trs = [solara.v.Html(tag="tr", children=th)]
    for label, cells in rows:
        tds = [solara.v.Html(tag="td", children=[label], style_="padding-right:8px;white-space:nowrap")]
        tds += [solara.v.Html(tag="td", children=[c]) for c in cells]
        trs.append(solara.v.Html(tag="tr", children=tds))
    return solara.v.Html(tag="table", children=trs, style_="width:auto")


@solara.component
def Editor(years: list[int], errors: list[str]) -> None:
    d = draft.value
    bad = {D.field_of(e, D.plan_path(d)) for e in errors}
    with solara.Row():
        solara.InputText("Plan name", value=d.name, on_value=lambda t: draft.set(_renamed(t)), classes=["plan-name"])
        solara.InputText(
            "One line about it",
            value=d.description,
            on_value=lambda t: draft.set(_described(t)),
            style={"min-width": "420px"},
        )
        solara.Select(
            "Legal anchor",
            value=D.ANCHOR_LABELS[d.legal_anchor],
            values=list(D.ANCHOR_LABELS.values()),
            on_value=lambda label: draft.set(_anchored(label)),
        )
    Text(
        "**Funder's share of each budget line** (0 = pays nothing, 1 = pays all), from the year given on. "
        "An empty cell keeps the year before; before the first filled year the scenario's shares apply."
    )
    _table(
        [str(y) for y in years],
        [(D.LINE_LABELS[ln], [_cell(f"funder_share.{y}.{ln}", bad) for y in years]) for ln in BUDGET_LINES],
    )
    Text(
        "**City pickup**: the share of the withdrawn money the city puts back (0 to 1), and how many years "
        "after the withdrawal it starts."
    )
    _table(
        ["share", "delay (years)"],
        [
            (D.LINE_LABELS[ln], [_cell(f"pickup.{ln}.share", bad), _cell(f"pickup.{ln}.delay_years", bad)])
            for ln in BUDGET_LINES
        ],
    )
    Text(
        "**City budget** for the programme lines (Rp million a year; empty = no limit) and **positions** by "
        "employer, from the year given on."
    )
    budget_row = [("City budget (Rp m)", [_cell(f"local_budget.{y}", bad, 70) for y in years])]
    hiring_rows = [(D.EMPLOYER_LABELS[e], [_cell(f"hiring.{y}.{e}", bad) for y in years]) for e in EMPLOYERS]
    _table([str(y) for y in years], budget_row + hiring_rows)
    Text(
        "**Cut first when the city budget is short**: budget lines, the first named cut first, separated by "
        "commas (for example `prevention, outreach`); empty = the scenario's order."
    )
    _cell(D.CUT_ORDER, bad, 520)
    if errors:
        with solara.Column(classes=["plan-errors"]):
            solara.Error(f"{len(errors)} cell(s) to fix before comparing (the same check as `cpsim-plans check`):")
            for e in errors:
                solara.Error(e, dense=True)
    else:
        solara.Success("The plan is valid for this scenario.", dense=True, classes=["plan-ok"])


def _renamed(text: str | None) -> D.Draft:
    new = D.Draft(**{**draft.value.__dict__})
    new.name = text or ""
    return new


def _described(text: str | None) -> D.Draft:
    new = D.Draft(**{**draft.value.__dict__})
    new.description = text or ""
    return new


def _anchored(label: str) -> D.Draft:
    new = D.Draft(**{**draft.value.__dict__})
    new.legal_anchor = {v: k for k, v in D.ANCHOR_LABELS.items()}[label]
    return new


@solara.component
def Results(result: dict[str, Any]) -> None:
    comp = result["comp"]
    Text(f"## Results on {result['label']}")
    Text(plain.REPEATS_NOTE.format(n=comp.meta["n_seeds"]))
    for plan in [p[0] for p in comp.meta["plans"]]:
        v = plain.verdict_text(comp, plan)
        with solara.Card(classes=["verdict"]):
            Text(f"**{v['headline']}**\n\n" + "\n".join(f"- {s}" for s in v["sentences"]))
    table = plain.summary_table(comp)
    md = ["| | " + " | ".join(table.columns) + " |", "|---" * (len(table.columns) + 1) + "|"]
    md += [f"| {label} | " + " | ".join(row) + " |" for label, row in table.iterrows()]
    Text("\n".join(md))
    Text(
        "Lines: the middle repeat; shaded bands hold 9 repeats in 10. The dotted line marks the start of "
        "the transition."
    )
    Text("### Year by year\n\n" + plain.yearly_markdown(comp))
    solara.FigureMatplotlib(charts.children_per_year(comp), format="png")
    solara.FigureMatplotlib(charts.trajectories(comp), format="png")
    solara.FigureMatplotlib(charts.cost_by_payer(comp), format="png")
    files = result["files"]
    with solara.Row(classes=["downloads"]):
        mime = {"yaml": "text/yaml", "csv": "text/csv", "md": "text/markdown"}
        for name, label in (
            ("plan.yaml", "Plan (YAML)"),
            ("results.csv", "Results (CSV)"),
            ("results.xlsx", "Results (Excel)"),
            ("report.md", "Report"),
        ):
            filename = (D.safe_name(comp.meta["plans"][1][0]) + ".yaml") if name == "plan.yaml" else name
            solara.FileDownload(
                files[name],
                filename=filename,
                label=label,
                mime_type=mime.get(name.rsplit(".", 1)[1], "application/octet-stream"),
            )


def _cancel() -> None:
    if current_job.value is not None:
        current_job.value.cancel()


@solara.component
def CompareProgress() -> None:
    """The progress bar, its words and Cancel: the only component that reads `progress`, so that the updates
    of a running compare re-render these few widgets and leave the plan's grid alone. With reacton's fast
    renderer (REACTON_FAST=1, set by `cpsim-workbench`) nothing else is touched; a grid cell set back to its
    last rendered value would drop text typed into it but not yet entered."""
    percent, text = progress.value
    with solara.Column(classes=["compare-progress"]):
        solara.ProgressLinear(percent or True)
        with solara.Row(style={"align-items": "center"}):
            solara.Text(f"Running: {text} ({percent}%)")
            solara.Button("Cancel", on_click=_cancel, color="error", outlined=True)


@solara.component
def Plans() -> None:
    scenario_data, scenario_error = _scenario()
    d = draft.value
    errors = solara.use_memo(
        lambda: D.check(d, scenario_data) if scenario_data is not None else [],
        [d, scenario_name.value, children_text.value],
    )
    years = sorted(set(D.horizon(scenario_data)) | d.years()) if scenario_data else sorted(d.years())
    running = compare_task.pending

    def start_from() -> None:
        try:
            draft.set(_open(start_choice.value))
            notice.set("")
        except PlanError as exc:
            notice.set(str(exc))

    def save() -> None:
        try:
            D.save(draft.value, DATA)
            notice.set(f"Saved as {D.safe_name(draft.value.name)} (open it again under 'saved: ').")
        except (OSError, ValueError) as exc:
            notice.set(f"Could not save: {exc}")

    def compare() -> None:
        try:
            n = int(repeats_text.value)
            if not 2 <= n <= 100:
                raise ValueError
        except ValueError:
            notice.set(f"repeats: {repeats_text.value!r} is not allowed; expected a whole number from 2 to 100")
            return
        if len(others_choice.value) > MAX_PLANS - 2:
            notice.set(
                f"also compare: {len(others_choice.value)} plans is not allowed; expected at most {MAX_PLANS - 2} "
                f"(up to {MAX_PLANS} plans in one compare)"
            )
            return
        try:
            base_draft = _open(baseline_choice.value)
            drafts = [base_draft, draft.value, *(_open(choice) for choice in others_choice.value)]
            plans = [D.to_plan(d, scenario_data) for d in drafts]
        except PlanError as exc:
            notice.set(str(exc))
            return
        names = [p.name for p in plans]
        repeated = next((n for i, n in enumerate(names) if n in names[:i]), None)
        if repeated is not None:
            notice.set(f"name: {repeated!r} is used by two of the plans compared; expected each plan once")
            return
        notice.set("")
        job = CompareJob(
            plans,
            scenario_data,
            list(range(n)),
            shared_pool(WORKERS),
            info={"scenario": scenario_name.value, "overrides": ""},
        )
        current_job.set(job)
        stamp = datetime.datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
        folder = D.inside(_tab_folder(), f"{stamp}_{D.safe_name(draft.value.name)}")
        size = f"{scenario_data['population']['n_children']:,} children"
        files = {"plan": D.to_yaml(draft.value), "baseline": D.to_yaml(base_draft)}
        progress.set((0, "Starting the runs"))
        compare_task(job, folder, files, f"{scenario_name.value} ({size})")

    solara.Title("cpsim workbench: plans")
    solara.Style(STYLE)
    Text(
        "# Plans\nWrite a funding-transition plan (when the funder pays less, what the city picks up), then "
        "compare it with another plan on the same simulated city."
    )
    with solara.Card("1. City and plan to start from"):
        with solara.Row():
            solara.Select("Scenario", value=scenario_name, values=D.scenarios())
            solara.InputText(
                "Children in the city", value=children_text, classes=["children"], placeholder="the scenario's"
            )
            solara.Select("Start from", value=start_choice, values=_choices())
            solara.Button("Open", on_click=start_from, outlined=True)
        if scenario_error:
            solara.Error(scenario_error)
    with solara.Card("2. Edit the plan"):
        Editor(years, errors)
    with solara.Card("3. Compare"):
        with solara.Row():
            solara.Select("Compare with", value=baseline_choice, values=_choices())
            solara.SelectMultiple(
                f"Also compare (up to {MAX_PLANS - 2})", values=others_choice, all_values=_choices(), classes=["others"]
            )
            solara.InputText("Repeats (more: surer, slower)", value=repeats_text, classes=["repeats"])
            solara.Button(
                "Compare", on_click=compare, color="primary", disabled=bool(errors) or running or not scenario_data
            )
            solara.Button("Save plan", on_click=save, outlined=True, disabled=bool(errors))
        if notice.value:
            solara.Warning(notice.value)
        if running:
            CompareProgress()
        elif compare_task.error:
            if isinstance(compare_task.exception, Cancelled):
                solara.Info("Cancelled: nothing was kept.")
            else:
                solara.Error(f"The compare failed: {_no_paths(str(compare_task.exception))}")
    if compare_task.finished and compare_task.value is not None:
        Results(compare_task.value)


# ---- Explore page ----------------------------------------------------------------------------------------
AS_IS = "as in the scenario"


def explore_model_class() -> type:
    """CPModel driven by the Explore page's controls, each relative to the chosen scenario so that no slider
    silently replaces a scenario's own value. The scenario is named `city`: on Reset, Mesa 3.5's SolaraViz
    passes its own `scenario` object (mesa.experimental.scenarios), which CPModel would take for a name."""
    from sim.model import CPModel

    class ExploreModel(CPModel):
        def __init__(
            self,
            city: str = "makassar_pksai",
            rng: int | None = 0,
            scenario: Any = None,
            city_size_pct: int = 15,
            local_workers_pct: int = 100,
            donor_workers_pct: int = 100,
            mentoring: str = AS_IS,
            pickup_share: str = AS_IS,
            hub: str = AS_IS,
        ):
            base = D.scenario(city)
            workers = base["staffing"]["workers"]
            overrides: dict[str, Any] = {
                "population__n_children": max(1000, round(base["population"]["n_children"] * city_size_pct / 100)),
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


_EXPLORE_MODEL: type | None = None


@solara.component
def Explore() -> None:
    from mesa.visualization import Slider, SolaraViz, make_plot_component

    global _EXPLORE_MODEL
    if _EXPLORE_MODEL is None:
        _EXPLORE_MODEL = explore_model_class()
    model_class = _EXPLORE_MODEL
    model = solara.use_memo(lambda: model_class(), [])
    on_off = [AS_IS, "on", "off"]
    params = {
        "rng": 0,
        "city": {"type": "Select", "value": "makassar_pksai", "values": D.scenarios(), "label": "Scenario"},
        "city_size_pct": Slider("City size %", 15, 5, 100, 5),
        "local_workers_pct": Slider("Staffing: local %", 100, 0, 200, 10),
        "donor_workers_pct": Slider("Staffing: donor %", 100, 0, 200, 10),
        "mentoring": {"type": "Select", "value": AS_IS, "values": on_off, "label": "Training: mentoring"},
        "pickup_share": {
            "type": "Select",
            "value": AS_IS,
            "values": [AS_IS, "0", "0.25", "0.5", "0.75", "1"],
            "label": "Funding: share of withdrawn money the city picks up",
        },
        "hub": {"type": "Select", "value": AS_IS, "values": on_off, "label": "Coordination: integrated hub"},
    }
    solara.Title("cpsim workbench: explore")
    SolaraViz(
        model,
        components=[
            make_plot_component(["backlog"]),
            make_plot_component(["workers"]),
            make_plot_component(["spend_funder", "spend_local", "spend_national"]),
            make_plot_component(["effective_coverage_to_date", "resolution_rate_to_date"]),
        ],
        model_params=params,
        name="cpsim: one run, week by week (sizes in % of the scenario's; change a control, then Reset)",
        play_interval=50,
    )


@solara.component
def Layout(children: list | None = None) -> solara.Element:
    """Solara's app layout with the two pages named in the bar (its default names the first one 'Home')."""
    _, routes_here = solara.use_route()
    with solara.AppLayout(navigation=False, children=children or []) as main, solara.AppBar():
        for route in routes_here:
            with solara.Link(solara.resolve_path(route)):
                solara.Button(
                    route.label, text=True, dark=True, classes=[f"nav-{route.label.lower().replace(' ', '-')}"]
                )
    return main


routes = [
    solara.Route(path="/", component=Plans, label="Plans", layout=Layout),
    solara.Route(path="stress", component=Stress, label="Stress test"),
    solara.Route(path="explore", component=Explore, label="Explore"),
]
