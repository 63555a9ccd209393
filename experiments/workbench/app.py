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
from experiments.workbench.editor import Editor, draft
from experiments.workbench.explore import Explore
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
from scenarios.validate import ConfigError

PROGRESS_EVERY_S = 0.25


children_text = solara.reactive("")  # blank: the scenario's city size
repeats_text = solara.reactive("10")
baseline_choice = solara.reactive(EXAMPLE + "funder_stays")
others_choice: solara.Reactive[list[str]] = solara.reactive([])  # more plans, up to MAX_PLANS in all
MAX_PLANS = 6
start_choice = solara.reactive(EXAMPLE + "linear_taper_3y")
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
