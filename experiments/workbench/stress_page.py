"""The Stress test page: pick plans, how many futures, run in the background with progress and Cancel, read
in which futures each plan fails, download the tables. The numbers are `cpsim-plans stress`'s
(experiments/plans/stress.py); only the wording differs, in the tab's language (i18n.py): the failure boxes
are put in words here again (as experiments/plans/discovery.py `describe` does in English), and the report
downloaded is `cpsim-plans stress`'s report.md in English, the page's own words in any other language.
"""

from __future__ import annotations

import datetime
import tempfile
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import solara

from experiments.plans.plan_file import PlanError
from experiments.workbench import draft as D
from experiments.workbench.board import STRESS, board
from experiments.workbench.i18n import N_, SOURCE, _, current, number
from experiments.workbench.job_view import EarlierJobs, JobStatus, board_version, owner
from experiments.workbench.jobs import Cancelled
from experiments.workbench.page import DATA, STYLE, WORKERS, Text, _choices, _open, scenario_name
from experiments.workbench.plain import percent

stress_plans: solara.Reactive[list[str]] = solara.reactive([])
stress_children = solara.reactive("20000")
stress_futures = solara.reactive("20")
stress_repeats = solara.reactive("2")
stress_space = solara.reactive("transition")  # `cpsim-plans stress --space`
stress_notice = solara.reactive("")
stress_watching: solara.Reactive[str | None] = solara.reactive(None)  # the board entry this tab shows
SPACE_WORDS = {"transition": N_("the transition's risks"), "all": N_("everything we are unsure of")}
MAX_FUTURES = 500
RISK_WORDS = (  # experiments/plans/futures.py `transition_risks`, for the catalogue (i18n.data_texts adds them too)
    N_("years the city's pickup comes later than the plan says"),
    N_("share of the planned pickup the city actually pays"),
    N_("size of an economic shock during the transition"),
    N_("year the economic shock strikes"),
)


class StressCancelled(Cancelled):
    """The person pressed Cancel."""


class StressJob:
    """A stress test as the board runs it (board.py): outliving the page, queued behind other work. Cancel stops
    the runs under way at their next week (a flag file they look for); the finished futures x plans stay in its
    folder."""

    def __init__(self, plans: list, scenario: dict, name: str, futures: int, seeds: list[int], space: str, out: Path):
        self.plans, self.scenario, self.name, self.futures = plans, scenario, name, futures
        self.seeds, self.space, self.out = seeds, space, out
        self._stop = threading.Event()
        self._flag = Path(tempfile.gettempdir()) / f"cpsim-stress-stop-{uuid.uuid4().hex}"
        self._running = self._ended = False

    def cancel(self) -> None:
        self._stop.set()
        if self._running and not self._ended:  # a queued job leaves no flag behind: it never runs
            self._flag.touch()

    def run(self, on_progress: Callable[[float, str], None]) -> dict[str, Any]:
        from experiments.plans.stress import Stopped, run_stress  # PRIM's import takes seconds: only when run
        from experiments.plans.stress_report import write_stress

        def on_done(done: int, total: int) -> None:
            if self._stop.is_set():
                raise StressCancelled()
            on_progress(done / total, "")

        self._running = True  # before looking at _stop: a Cancel from now on also sets the flag
        try:
            if self._stop.is_set():
                raise StressCancelled()
            test = run_stress(
                self.plans,
                self.scenario,
                self.name,
                self.futures,
                self.seeds,
                self.out,
                jobs=WORKERS,
                space=self.space,
                on_done=on_done,
                stop_flag=str(self._flag),
            )
        except Stopped:
            raise StressCancelled() from None
        finally:
            self._ended = True
            self._flag.unlink(missing_ok=True)
        write_stress(test, self.out)
        return {"test": test, "folder": self.out}


def _whole(text: str, field: str, lo: int, hi: int) -> int:
    from babel.numbers import get_group_symbol

    try:
        value = int(text.replace(",", "").replace(get_group_symbol(current()), ""))
    except ValueError:
        value = lo - 1
    if not lo <= value <= hi:
        raise ValueError(
            _("{field}: {text} is not allowed; expected a whole number from {lo} to {hi}").format(
                field=field, text=repr(text), lo=lo, hi=hi
            )
        )
    return value


def _reattach() -> None:
    """Once per tab: show this browser's latest stress test (a reload finds it running or done)."""
    if stress_watching.value is None:
        latest = next(iter(board().entries(owner(), STRESS)), None)
        if latest is not None:
            stress_watching.set(latest.id)


@solara.component
def Stress() -> None:
    def run() -> None:
        try:
            n_children = _whole(stress_children.value, "population.n_children", 1000, 10_000_000)
            futures = _whole(stress_futures.value, "futures", 2, MAX_FUTURES)
            repeats = _whole(stress_repeats.value, "repeats", 1, 20)
            chosen = stress_plans.value or [f"example: {p}" for p in ("funder_stays", "linear_taper_3y")]
            if not 2 <= len(chosen) <= 6:
                raise ValueError(
                    _("plans: {n} plans is not allowed; expected 2 to 6").format(n=len(chosen)),
                )
            scenario = D.scenario(scenario_name.value, n_children)
            plans = [D.to_plan(_open(c), scenario) for c in chosen]
        except (ValueError, PlanError) as exc:
            stress_notice.set(str(exc))
            return
        stress_notice.set("")
        now = datetime.datetime.now()
        out = D.inside(DATA / "runs" / D.safe_name(owner()), f"stress_{now:%Y-%m-%d_%H-%M-%S}")
        seeds = list(range(repeats))
        job = StressJob(plans, scenario, scenario_name.value, futures, seeds, stress_space.value, out)
        weeks = 52 * len(D.horizon(scenario))
        work = futures * len(plans) * repeats * weeks * n_children
        label = _("{n} futures, {time}").format(n=futures, time=f"{now:%H:%M}")
        entry = board().submit(owner(), label, job, lambda result: result, work, STRESS)
        stress_watching.set(entry.id)

    solara.use_effect(_reattach, [])
    shown = board().get(stress_watching.value, owner()) if stress_watching.value else None
    busy = shown is not None and not shown.over and board_version.value >= 0  # re-read when it ends

    solara.Title(_("cpsim workbench: stress test"))
    solara.Style(STYLE)
    Text(
        "# "
        + _("Stress test")
        + "\n"
        + _(
            "A plan that works in the future we expect may fail in others. Pick plans; each runs in many possible "
            "futures (the city's money late or short, an economic shock, everything the studies leave uncertain), "
            "and the page finds the futures in which each plan protects children less well than the first."
        )
    )
    space_names = {_(words): code for code, words in SPACE_WORDS.items()}
    with solara.Card(_("Plans and futures")):
        with solara.Row():
            solara.Select(_("Scenario"), value=scenario_name, values=D.scenarios())
            solara.InputText(_("Children in the city"), value=stress_children, classes=["stress-children"])
            solara.SelectMultiple(
                _("Plans (the first is the reference)"),
                values=stress_plans,
                all_values=_choices(),
                classes=["stress-plans"],
            )
        with solara.Row():
            solara.InputText(_("Futures"), value=stress_futures, classes=["stress-futures"])
            solara.InputText(_("Repeats in each future"), value=stress_repeats, classes=["stress-repeats"])
            solara.Select(
                _("What to vary"),
                value=_(SPACE_WORDS[stress_space.value]),
                values=list(space_names),
                on_value=lambda words: stress_space.set(space_names.get(words, "transition")),
                classes=["stress-space"],
            )
            solara.Button(
                _("Run the stress test"),
                on_click=run,
                color="primary",
                disabled=busy,
                classes=["stress-run"],
            )
        if stress_notice.value:
            solara.Warning(stress_notice.value)
        EarlierJobs(STRESS, stress_watching)
    if stress_watching.value is not None:
        JobStatus(
            stress_watching.value,
            StressResults,
            _("Cancelled: the futures already run are kept in this browser's folder."),
        )


# ---- the results in words ----------------------------------------------------------------------------------
def _value(x: float) -> str:
    """A box's limit as experiments/plans/discovery.py writes it, with the tab's decimal mark."""
    from experiments.plans.discovery import _number

    text = _number(x)
    return text if current() == SOURCE else text.translate(str.maketrans(".,", ",."))


def describe(test: Any, plan: str) -> str:
    """Where `plan` fails, in words: experiments/plans/discovery.py `describe` in the tab's language (in English,
    the same sentence)."""
    box = test.boxes[plan][0]
    held = float(test.robustness.set_index("plan").holds_share[plan])
    share = percent(1 - held)
    if box is None:
        return _("holds in every future sampled") if held == 1 else _("fails in every future sampled")
    if not box.limits:
        return _("fails in {share} of futures, with no region where failures gather").format(share=share)
    dims = {u.name: u for u in test.dims}
    parts = []
    for name, (lo, hi) in box.limits.items():
        u = dims.get(name)
        words = _(u.about) if u is not None and u.kind == "risk" else name
        if u is not None and u.whole:
            lo, hi = float(np.ceil(lo - 1e-9)), float(np.floor(hi + 1e-9))
        column = test.futures[name]
        if np.isclose(lo, column.min()):
            parts.append(_("{what} is at most {value}").format(what=words, value=_value(hi)))
        elif np.isclose(hi, column.max()):
            parts.append(_("{what} is at least {value}").format(what=words, value=_value(lo)))
        else:
            parts.append(_("{what} is between {low} and {high}").format(what=words, low=_value(lo), high=_value(hi)))
    return _(
        "fails in {density} of futures where {where} (these {n} futures hold {coverage} of its failures; it fails "
        "in {share} of all)"
    ).format(
        density=percent(box.density),
        where=_(" and ").join(parts),
        n=box.futures,
        coverage=percent(box.coverage),
        share=share,
    )


def headline(test: Any) -> list[str]:
    """experiments/plans/stress_report.py `headline` in the tab's language."""
    first = test.meta["plans"][0]
    return [
        _("**{plan}** holds against {first} in {share} of futures; it {where}.").format(
            plan=r.plan, first=first, share=percent(r.holds_share), where=describe(test, r.plan)
        )
        for r in test.robustness.itertuples()
        if r.plan != first
    ]


def _million(x: float) -> str:
    return _("Rp {amount} million").format(amount=number(x))


def robustness_markdown(test: Any) -> str:
    """The page's table: per plan, where it holds, its coverage and who pays."""
    first = test.meta["plans"][0]
    header = [
        _("Plan"),
        _("Holds in"),
        _("Coverage, average"),
        _("Coverage, worst 10%"),
        _("City pays"),
        _("Funder pays"),
    ]
    rows = ["| " + " | ".join(header) + " |", "|---" * len(header) + "|"]
    for r in test.robustness.itertuples():
        held = _("(reference)") if r.plan == first else _("{share} of futures").format(share=percent(r.holds_share))
        cells = [
            r.plan,
            held,
            percent(r.effective_coverage_mean),
            percent(r.effective_coverage_worst_decile),
            _million(r.spend_local_mean),
            _million(r.spend_funder_mean),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def report_markdown(test: Any) -> str:
    """The report in the tab's language (outside English; in English, `cpsim-plans stress`'s report.md)."""
    m = test.meta
    parts = [
        "# " + _("Stress test: {plans} on {scenario}").format(plans=", ".join(m["plans"]), scenario=m["scenario"]),
        "",
        _(
            "{futures} futures x {repeats} repeats (the same for every plan and future). A plan holds in a future "
            "when the share of harmed children it effectively serves from {start} on is no more than {tolerance} "
            "below {first}'s and harm no more than {tolerance} above."
        ).format(
            futures=m["futures"],
            repeats=len(m["seeds"]),
            start=m["window_start"],
            tolerance=percent(m["tolerance"]),
            first=m["plans"][0],
        ),
        "",
        "## " + _("Where each plan fails"),
        "",
        *(f"- {line}" for line in headline(test)),
        "",
        "## " + _("Robustness"),
        "",
        robustness_markdown(test),
        "",
    ]
    return "\n".join(parts)


@solara.component
def StressResults(result: dict[str, Any]) -> None:
    test, folder = result["test"], result["folder"]
    Text("## " + _("Where each plan fails") + "\n\n" + "\n".join(f"- {line}" for line in headline(test)))
    Text(robustness_markdown(test))
    for plan in test.meta["plans"][1:]:
        solara.Image((folder / "figures" / f"failures_{plan}.png").read_bytes(), width="600px")
    report = (folder / "report.md").read_bytes() if current() == SOURCE else report_markdown(test).encode()
    with solara.Row(classes=["stress-downloads"]):
        solara.FileDownload(
            (folder / "robustness.csv").read_bytes(), filename="robustness.csv", label=_("Robustness (CSV)")
        )
        solara.FileDownload(report, filename="report.md", label=_("Report"))
