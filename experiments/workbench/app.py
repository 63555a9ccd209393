"""The workbench's pages (Solara): Plans and Stress test (stress_page.py), for planners, and Explore, a live
Mesa `SolaraViz` run.

Every piece of state below is a `solara.reactive`, which Solara keeps per browser tab (one virtual kernel per
page), so two tabs never share a draft, a compare or its results. Runs go under the app's data folder
(`CPSIM_WORKBENCH_DATA`, set by `cpsim-workbench --data-dir`), in a folder per tab.
"""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import solara
import yaml

from experiments.plans.plan_file import PlanError
from experiments.workbench import charts, drafts, plain
from experiments.workbench import draft as D
from experiments.workbench import numbers as N
from experiments.workbench.board import COMPARE, board
from experiments.workbench.editor import Editor, children_text, draft
from experiments.workbench.explore import Explore
from experiments.workbench.i18n import LANGUAGES, N_, _, current, language, speaking
from experiments.workbench.job_view import EarlierJobs, JobStatus, board_version, owner
from experiments.workbench.jobs import CompareJob, shared_pool
from experiments.workbench.page import (
    DATA,
    EXAMPLE,
    STYLE,
    WORKERS,
    Text,
    _choices,
    _open,
    scenario_name,
)
from experiments.workbench.plan_files import PlanFiles
from experiments.workbench.stress_page import Stress
from scenarios.validate import ConfigError

log = logging.getLogger("cpsim.workbench")


repeats_text = solara.reactive("10")
baseline_choice = solara.reactive(EXAMPLE + "funder_stays")
others_choice: solara.Reactive[list[str]] = solara.reactive([])  # more plans, up to MAX_PLANS in all
MAX_PLANS = 6
start_choice = solara.reactive(EXAMPLE + "linear_taper_3y")
notice = solara.reactive("")
watching: solara.Reactive[str | None] = solara.reactive(None)  # the board entry this tab shows
restored = solara.reactive(False)  # this tab has looked for the browser's saved draft


def _scenario() -> tuple[dict[str, Any] | None, str]:
    """(scenario data, '') or (None, the error in words)."""
    text = children_text.value.strip()
    try:
        n = None
        if text:
            try:
                n = N.parse(text, N.number_locale.value)
            except N.Ambiguous as exc:
                a, b = (N.shown(x, N.number_locale.value) for x in (exc.thousands, exc.decimal))
                return None, _(
                    "Children in the city: did you mean {a} or {b}? Type it as {plain}, or change Numbers."
                ).format(a=a, b=b, plain=exc.thousands)
            except N.NotANumber:
                return None, _("Children in the city: {text} is not a number; enter a whole number").format(text=text)
            if n != int(n):
                return None, _("Children in the city: {text} is not a whole number; enter a whole number").format(
                    text=text
                )
            n = int(n)
        return D.scenario(scenario_name.value, n), ""
    except ConfigError as exc:
        return None, str(exc)


def write_results(folder: Path, files: dict[str, str], label: str, lang: str) -> Callable[[Any], dict[str, Any]]:
    """What the board does with a finished comparison: write the downloads into the browser's folder, in the
    tab's language `lang` (the board's thread cannot see the tab), and keep them for the page."""

    def finish(comp: Any) -> dict[str, Any]:
        with speaking(lang):
            return write(comp)

    def write(comp: Any) -> dict[str, Any]:
        folder.mkdir(parents=True, exist_ok=True)
        out = {
            "plan.yaml": files["plan"].encode(),
            "results.csv": plain.csv_bytes(comp),
            "results.xlsx": plain.xlsx_bytes(comp, yaml.safe_load(files["plan"])),
            "report.md": plain.report_markdown(comp, label).encode(),
        }
        for name, data in out.items():
            (folder / name).write_bytes(data)
        (folder / "baseline.yaml").write_text(files["baseline"])
        meta = {k: comp.meta[k] for k in ("baseline", "seeds", "wall_seconds", "window_start", "versions")}
        (folder / "run_info.json").write_text(json.dumps(meta))
        return {"comp": comp, "files": out, "label": label}

    return finish


def _browser_folder() -> Path:
    return DATA / "runs" / D.safe_name(owner())


def _settings() -> dict[str, Any]:
    return {
        "scenario": scenario_name.value,
        "children": children_text.value,
        "repeats": repeats_text.value,
        "baseline": baseline_choice.value,
        "others": list(others_choice.value),
    }


def _restore() -> None:
    """Once per tab: bring back what this browser last typed."""
    if restored.value:
        return
    restored.set(True)
    saved = drafts.load(DATA, owner())
    if saved is not None:
        d, settings = saved
        draft.set(d)
        choices = set(_choices())
        if settings.get("scenario") in D.scenarios():
            scenario_name.set(settings["scenario"])
        children_text.set(str(settings.get("children", "")))
        repeats_text.set(str(settings.get("repeats", "10")))
        if settings.get("baseline") in choices:
            baseline_choice.set(settings["baseline"])
        others_choice.set([c for c in settings.get("others", []) if c in choices])
    if watching.value is None:  # re-attach to this browser's latest compare
        latest = next(iter(board().entries(owner(), COMPARE)), None)
        watching.set(latest.id if latest is not None else None)


def _autosave() -> None:
    if restored.value:
        try:
            drafts.save(DATA, owner(), draft.value, _settings())
        except OSError as exc:
            log.warning("draft not saved: %s", exc.strerror or exc)


# ---- Plans page ------------------------------------------------------------------------------------------
@solara.component
def Results(result: dict[str, Any]) -> None:
    comp = result["comp"]
    Text("## " + _("Results on {city}").format(city=result["label"]))
    Text(plain.repeats_note(comp.meta["n_seeds"]))
    for plan in [p[0] for p in comp.meta["plans"]]:
        v = plain.verdict_text(comp, plan)
        with solara.Card(classes=["verdict"]):
            Text(f"**{v['headline']}**\n\n" + "\n".join(f"- {s}" for s in v["sentences"]))
    table = plain.summary_table(comp)
    md = ["| | " + " | ".join(table.columns) + " |", "|---" * (len(table.columns) + 1) + "|"]
    md += [f"| {label} | " + " | ".join(row) + " |" for label, row in table.iterrows()]
    Text("\n".join(md))
    Text(
        _(
            "Lines: the middle repeat; shaded bands hold 9 repeats in 10. The dotted line marks the start of "
            "the transition."
        )
    )
    Text("### " + _("Year by year") + "\n\n" + plain.yearly_markdown(comp))
    solara.FigureMatplotlib(charts.children_per_year(comp), format="png")
    solara.FigureMatplotlib(charts.trajectories(comp), format="png")
    solara.FigureMatplotlib(charts.cost_by_payer(comp), format="png")
    files = result["files"]
    with solara.Row(classes=["downloads"]):
        mime = {"yaml": "text/yaml", "csv": "text/csv", "md": "text/markdown"}
        for name, label in (
            ("plan.yaml", _("Plan (YAML)")),
            ("results.csv", _("Results (CSV)")),
            ("results.xlsx", _("Results (Excel)")),
            ("report.md", _("Report")),
        ):
            filename = (D.safe_name(comp.meta["plans"][1][0]) + ".yaml") if name == "plan.yaml" else name
            solara.FileDownload(
                files[name],
                filename=filename,
                label=label,
                mime_type=mime.get(name.rsplit(".", 1)[1], "application/octet-stream"),
            )


@solara.component
def Plans() -> None:
    scenario_data, scenario_error = _scenario()
    d = draft.value
    errors = solara.use_memo(
        lambda: D.check(d, scenario_data) if scenario_data is not None else [],
        [d, scenario_name.value, children_text.value],
    )
    years = sorted(set(D.horizon(scenario_data)) | d.years()) if scenario_data else sorted(d.years())
    solara.use_effect(_restore, [])
    solara.use_effect(
        _autosave,
        [d, scenario_name.value, children_text.value, repeats_text.value, baseline_choice.value, others_choice.value],
    )
    shown = board().get(watching.value, owner()) if watching.value else None
    busy = shown is not None and not shown.over and board_version.value >= 0  # re-read when a compare ends

    def compare() -> None:
        try:
            n = int(repeats_text.value)
            if not 2 <= n <= 100:
                raise ValueError
        except ValueError:
            notice.set(
                _("Repeats: {value} is not allowed; enter a whole number from 2 to 100").format(
                    value=repr(repeats_text.value)
                )
            )
            return
        if len(others_choice.value) > MAX_PLANS - 2:
            notice.set(
                _(
                    "Also compare: {n} plans is too many; choose at most {most} (up to {all} plans in one compare)"
                ).format(n=len(others_choice.value), most=MAX_PLANS - 2, all=MAX_PLANS)
            )
            return
        try:
            base_draft = _open(baseline_choice.value)
            compared = [base_draft, draft.value, *(_open(choice) for choice in others_choice.value)]
            plans = [D.to_plan(d, scenario_data) for d in compared]
        except PlanError as exc:
            notice.set(str(exc))
            return
        names = [p.name for p in plans]
        repeated = next((n for i, n in enumerate(names) if n in names[:i]), None)
        if repeated is not None:
            notice.set(
                _("Two of the plans compared are both named {name}; compare each plan once").format(name=repeated)
            )
            return
        notice.set("")
        job = CompareJob(
            plans,
            scenario_data,
            list(range(n)),
            shared_pool(WORKERS),
            info={"scenario": scenario_name.value, "overrides": ""},
        )
        now = datetime.datetime.now()
        folder = D.inside(_browser_folder(), f"{now:%Y-%m-%d_%H-%M-%S}_{D.safe_name(draft.value.name)}")
        n_children = scenario_data["population"]["n_children"]
        size = _("{n} children").format(n=f"{n_children:,}")
        files = {"plan": D.to_yaml(draft.value), "baseline": D.to_yaml(base_draft)}
        finish = write_results(folder, files, f"{scenario_name.value} ({size})", current())
        work = len(plans) * n * 52 * len(D.horizon(scenario_data)) * n_children
        entry = board().submit(owner(), f"{draft.value.name}, {now:%H:%M}", job, finish, work, COMPARE)
        watching.set(entry.id)

    solara.Title(_("cpsim workbench: plans"))
    solara.Style(STYLE)
    Text(
        "# "
        + _("Plans")
        + "\n"
        + _(
            "Write a funding-transition plan (when the funder pays less, what the city picks up), then "
            "compare it with another plan on the same simulated city."
        )
    )
    with solara.Card(_("1. City and plan to start from")):
        with solara.Row():
            solara.Select(_("Scenario"), value=scenario_name, values=D.scenarios())
            solara.InputText(
                _("Children in the city"), value=children_text, classes=["children"], placeholder=_("the scenario's")
            )
        if scenario_error:
            solara.Error(scenario_error)
        PlanFiles(errors)
    with solara.Card(_("2. Edit the plan")):
        Editor(years, errors)
    with solara.Card(_("3. Compare")):
        with solara.Row():
            solara.Select(_("Compare with"), value=baseline_choice, values=_choices())
            solara.SelectMultiple(
                _("Also compare (up to {n})").format(n=MAX_PLANS - 2),
                values=others_choice,
                all_values=_choices(),
                classes=["others"],
            )
            solara.InputText(_("Repeats (more: surer, slower)"), value=repeats_text, classes=["repeats"])
            solara.Button(
                _("Compare"), on_click=compare, color="primary", disabled=bool(errors) or busy or not scenario_data
            )
        if notice.value:
            solara.Warning(notice.value)
        EarlierJobs(COMPARE, watching)
    if watching.value is not None:
        JobStatus(watching.value, Results, _("Cancelled: nothing was kept."))


@solara.component
def Layout(children: list | None = None) -> solara.Element:
    """Solara's app layout with the pages named in the bar (its default names the first one 'Home') and the
    language switch. The language is the tab's (`i18n.language`, a per-tab reactive): moving between the pages
    keeps it, another tab has its own."""
    _route, routes_here = solara.use_route()
    names = {name: code for code, name in LANGUAGES.items()}
    with solara.AppLayout(navigation=False, children=children or []) as main, solara.AppBar():
        for route in routes_here:
            with solara.Link(solara.resolve_path(route)):
                solara.Button(
                    _(route.label), text=True, dark=True, classes=[f"nav-{route.label.lower().replace(' ', '-')}"]
                )
        solara.v.Spacer()
        solara.Select(
            _("Language"),
            values=list(names),
            value=LANGUAGES.get(language.value, LANGUAGES["en"]),
            on_value=lambda name: language.set(names.get(name, "en")),
            dense=True,
            classes=["language"],
            style={"max-width": "220px", "margin-top": "18px"},
        )
    return main


routes = [  # labels in English (the nav buttons' classes), shown in the tab's language by Layout
    solara.Route(path="/", component=Plans, label=N_("Plans"), layout=Layout),
    solara.Route(path="stress", component=Stress, label=N_("Stress test")),
    solara.Route(path="explore", component=Explore, label=N_("Explore")),
]
