"""The Stress test page: pick plans, how many futures, run in the background with progress and Cancel, read
in which futures each plan fails, download the tables. The numbers are `cpsim-plans stress`'s
(experiments/plans/stress.py); only the wording differs.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import solara
import solara.lab

from experiments.plans.plan_file import PlanError
from experiments.workbench import draft as D
from experiments.workbench.page import STYLE, WORKERS, Text, _choices, _open, _tab_folder, scenario_name

stress_plans: solara.Reactive[list[str]] = solara.reactive([])
stress_children = solara.reactive("20000")
stress_futures = solara.reactive("20")
stress_repeats = solara.reactive("2")
stress_space = solara.reactive("the transition's risks")
stress_notice = solara.reactive("")
stress_progress: solara.Reactive[tuple[int, str]] = solara.reactive((0, ""))
cancel_requested = solara.reactive(False)
SPACE_WORDS = {"the transition's risks": "transition", "everything we are unsure of": "all"}
MAX_FUTURES = 500


class StressCancelled(Exception):
    """The person pressed Cancel."""


def _whole(text: str, field: str, lo: int, hi: int) -> int:
    try:
        value = int(text.replace(",", ""))
    except ValueError:
        value = lo - 1
    if not lo <= value <= hi:
        raise ValueError(f"{field}: {text!r} is not allowed; expected a whole number from {lo} to {hi}")
    return value


@solara.lab.task(prefer_threaded=True)
def stress_task(plans: list, scenario: dict, name: str, futures: int, seeds: list[int], space: str, out: Path) -> Any:
    from experiments.plans.stress import run_stress  # PRIM's import takes seconds: only when a test runs
    from experiments.plans.stress_report import write_stress

    def on_done(done: int, total: int) -> None:
        if cancel_requested.value:
            raise StressCancelled()
        stress_progress.set((round(100 * done / total), f"{done} of {total} futures x plans"))

    test = run_stress(plans, scenario, name, futures, seeds, out, jobs=WORKERS, space=space, on_done=on_done)
    write_stress(test, out)
    return {"test": test, "folder": out}


@solara.component
def Stress() -> None:
    def run() -> None:
        try:
            n_children = _whole(stress_children.value, "population.n_children", 1000, 10_000_000)
            futures = _whole(stress_futures.value, "futures", 2, MAX_FUTURES)
            repeats = _whole(stress_repeats.value, "repeats", 1, 20)
            chosen = stress_plans.value or [f"example: {p}" for p in ("funder_stays", "linear_taper_3y")]
            if not 2 <= len(chosen) <= 6:
                raise ValueError(f"plans: {len(chosen)} plans is not allowed; expected 2 to 6")
            scenario = D.scenario(scenario_name.value, n_children)
            plans = [D.to_plan(_open(c), scenario) for c in chosen]
        except (ValueError, PlanError) as exc:
            stress_notice.set(str(exc))
            return
        stress_notice.set("")
        cancel_requested.set(False)
        stamp = datetime.datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
        out = D.inside(_tab_folder(), f"stress_{stamp}")
        stress_progress.set((0, "Checking every future"))
        space = SPACE_WORDS[stress_space.value]
        stress_task(plans, scenario, scenario_name.value, futures, list(range(repeats)), space, out)

    solara.Title("cpsim workbench: stress test")
    solara.Style(STYLE)
    Text(
        "# Stress test\nA plan that works in the future we expect may fail in others. Pick plans; each runs in "
        "many possible futures (the city's money late or short, an economic shock, everything the studies "
        "leave uncertain), and the page finds the futures in which each plan protects children less well than "
        "the first."
    )
    with solara.Card("Plans and futures"):
        with solara.Row():
            solara.Select("Scenario", value=scenario_name, values=D.scenarios())
            solara.InputText("Children in the city", value=stress_children, classes=["stress-children"])
            solara.SelectMultiple(
                "Plans (the first is the reference)",
                values=stress_plans,
                all_values=_choices(),
                classes=["stress-plans"],
            )
        with solara.Row():
            solara.InputText("Futures", value=stress_futures, classes=["stress-futures"])
            solara.InputText("Repeats in each future", value=stress_repeats, classes=["stress-repeats"])
            solara.Select("What to vary", value=stress_space, values=list(SPACE_WORDS))
            solara.Button("Run the stress test", on_click=run, color="primary", disabled=stress_task.pending)
        if stress_notice.value:
            solara.Warning(stress_notice.value)
        if stress_task.pending:
            percent, text = stress_progress.value
            solara.ProgressLinear(percent or True)
            with solara.Row():
                solara.Text(f"Running: {text} ({percent}%)")
                solara.Button("Cancel", on_click=lambda: cancel_requested.set(True), color="error", outlined=True)
        elif stress_task.error:
            if isinstance(stress_task.exception, StressCancelled):
                solara.Info("Cancelled: the futures already run are kept in this tab's folder.")
            else:
                solara.Error(f"The stress test failed: {stress_task.exception}")
    if stress_task.finished and stress_task.value is not None:
        StressResults(stress_task.value)


@solara.component
def StressResults(result: dict[str, Any]) -> None:
    from experiments.plans.stress_report import headline

    test, folder = result["test"], result["folder"]
    first = test.meta["plans"][0]
    Text("## Where each plan fails\n\n" + "\n".join(f"- {line}" for line in headline(test)))
    rows = ["| Plan | Holds in | Coverage, average | Coverage, worst 10% | City pays | Funder pays |", "|---" * 6 + "|"]
    for r in test.robustness.itertuples():
        held = "(reference)" if r.plan == first else f"{r.holds_share:.0%} of futures"
        rows.append(
            f"| {r.plan} | {held} | {r.effective_coverage_mean:.0%} | {r.effective_coverage_worst_decile:.0%} | "
            f"Rp {r.spend_local_mean:,.0f} million | Rp {r.spend_funder_mean:,.0f} million |"
        )
    Text("\n".join(rows))
    for plan in test.meta["plans"][1:]:
        solara.Image((folder / "figures" / f"failures_{plan}.png").read_bytes(), width="600px")
    with solara.Row(classes=["stress-downloads"]):
        for name, label in (("robustness.csv", "Robustness (CSV)"), ("report.md", "Report")):
            solara.FileDownload((folder / name).read_bytes(), filename=name, label=label)
