"""Search for the cheapest local-pickup schedule that keeps children as well protected as a reference plan.

The funder's withdrawal, the legal anchor, hiring, budget and cut order come from a base plan; the search
varies the local government's pickup share (0, 0.1, ..., 1) and delay (0-2 years) on every line the funder
pays for after the withdrawal starts. A candidate is feasible when, over the years from the base plan's exit
to the end, its resolution rate is at most `tolerance` (percentage points) below the reference's and its
incidence at most `tolerance` (relative) above, as mean paired differences over the same seeds; with
`keep_reach`, also the cases opened at most `tolerance` (relative) below, because a plan that cuts outreach
finds fewer children, which lightens caseloads and can raise the resolution rate. The cost to
minimise is the local government's spend over the horizon. Optuna's TPE sampler with constraints does the
search; every candidate is run on the same seeds as the reference (common random numbers).

Robust search (`Robust`): every candidate and the reference run in each of a set of sampled futures
(futures.py); in a future the candidate holds when its effective-coverage and incidence gaps there are within
the tolerance, and it is feasible when it holds in at least `share` of the futures. The cost is then its mean
over the futures.
"""

from __future__ import annotations

import dataclasses
import math
import time
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import optuna
import pandas as pd
import yaml
from tqdm import tqdm

from agents.funding.plan import plan_exit_year, plan_withdrawal_start
from experiments.common.pool import process_pool
from experiments.plans.futures import Uncertainty, future_config
from experiments.plans.plan_file import Plan, PlanError
from experiments.plans.runner import run_plans
from experiments.plans.translate import plan_config
from scenarios.schema import BUDGET_LINES, Config
from scenarios.validate import config_from_dict

SHARE_STEPS = 10  # pickup share in tenths
MAX_DELAY = 2


@dataclass(frozen=True)
class Robust:
    """The futures a robust search judges every candidate in, and the share of them it must hold in."""

    dims: list[Uncertainty]
    futures: pd.DataFrame  # futures.sample(...)
    share: float = 0.9


@dataclass
class Candidate:
    share: dict[str, float]
    delay: dict[str, int]
    cost: float  # mean local-government spend, Rp m
    coverage_gap: float  # mean paired relative fall in effective coverage (children served / harmed) after exit
    incidence_gap: float  # mean paired relative rise in incidence over the post-exit window
    reach_gap: float  # mean paired relative fall in cases opened over the post-exit window
    feasible: bool
    holds_share: float = math.nan  # robust search: share of the futures in which it holds


@dataclass
class SearchResult:
    best: Candidate | None
    trials: pd.DataFrame  # one row per trial
    reference: dict[str, float]  # the reference plan's post-exit resolution and incidence, and its cost
    searched_lines: list[str]
    exit_year: int
    seconds: float


class PickupSearch:
    """Evaluates pickup schedules for a base plan against a reference plan on fixed seeds."""

    def __init__(
        self,
        base: Plan,
        reference: Plan,
        scenario: dict[str, Any],
        seeds: list[int],
        tolerance: float,
        keep_reach: bool,
        pool: Executor | None,
        robust: Robust | None = None,
    ) -> None:
        self.base, self.scenario, self.seeds, self.tolerance, self.pool = base, scenario, seeds, tolerance, pool
        self.keep_reach, self.robust = keep_reach, robust
        base_cfg = plan_config(base, scenario)
        exit_year = plan_exit_year(base_cfg.transition)
        if exit_year is None or exit_year >= base_cfg.run.end_year:
            raise PlanError(
                f"{base.path}: funder_share: the funder never leaves within the horizon; nothing to pick up"
            )
        self.exit_year = exit_year
        self.withdrawal_year = plan_withdrawal_start(base_cfg.funding, base_cfg.transition)
        runs, quarters = self._run(self._in_futures(reference.name, plan_config(reference, scenario)))
        self.reference = runs.set_index(["plan", "seed"]) if robust else runs.set_index("seed")
        self.lines = self._lines_that_matter(quarters)
        self.cache: dict[tuple, Candidate] = {}

    def _run(self, configs: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
        return run_plans(configs, self.seeds, pool=self.pool, window_from=self.exit_year)

    def _in_futures(self, name: str, config: Config) -> dict[str, Config]:
        """The plan's config, or (robust search) one per future, named `<future>` so runs pair across plans."""
        if self.robust is None:
            return {name: config}
        r = self.robust
        return {str(int(f.future)): config_from_dict(future_config(config, r.dims, f)) for _, f in r.futures.iterrows()}

    def _lines_that_matter(self, quarters: pd.DataFrame) -> list[str]:
        """Lines with any money spent after the withdrawal starts: picking up the others changes nothing."""
        after = quarters[quarters.year >= self.withdrawal_year]
        return [line for line in BUDGET_LINES if after[f"spend_{line}"].sum() > 0]

    def plan(self, share: dict[str, float], delay: dict[str, int], name: str = "candidate") -> Plan:
        full_share = {line: share.get(line, 0.0) for line in BUDGET_LINES}
        full_delay = {line: delay.get(line, 0) for line in BUDGET_LINES}
        return dataclasses.replace(self.base, name=name, pickup_share=full_share, pickup_delay_years=full_delay)

    def evaluate(self, share: dict[str, float], delay: dict[str, int]) -> Candidate:
        key = (tuple(sorted(share.items())), tuple(sorted(delay.items())))
        if key not in self.cache:
            config = plan_config(self.plan(share, delay), self.scenario)
            runs, _ = self._run(self._in_futures("candidate", config))
            index = ["plan", "seed"] if self.robust else ["seed"]
            mine, ref = runs.set_index(index), self.reference
            incidence = "incidence_per_1000_child_years_after"
            gaps = pd.DataFrame(
                {
                    "coverage": 1 - mine.effective_coverage_after / ref.effective_coverage_after,
                    "incidence": mine[incidence] / ref[incidence] - 1,
                    "reach": 1 - mine.cases_opened_after / ref.cases_opened_after,
                }
            )
            if self.robust is None:
                cov_gap, inc_gap, reach_gap = (float(gaps[c].mean()) for c in ("coverage", "incidence", "reach"))
                feasible = max(cov_gap, inc_gap, reach_gap if self.keep_reach else -1.0) <= self.tolerance
                holds_share = math.nan
            else:  # per future (mean over seeds): does it hold there? the gaps reported are the worst decile's
                per_future = gaps.groupby(level="plan").mean()
                judged = per_future if self.keep_reach else per_future.drop(columns="reach")
                holds_share = float((judged.max(axis=1) <= self.tolerance).mean())
                cov_gap, inc_gap, reach_gap = (float(per_future[c].quantile(0.9)) for c in per_future.columns)
                feasible = holds_share >= self.robust.share
            cost = float(mine.spend_local.mean())
            self.cache[key] = Candidate(share, delay, cost, cov_gap, inc_gap, reach_gap, feasible, holds_share)
        return self.cache[key]


def search(
    base: Plan,
    reference: Plan,
    scenario: dict[str, Any],
    seeds: list[int],
    *,
    trials: int = 40,
    tolerance: float = 0.02,
    keep_reach: bool = False,
    jobs: int = 1,
    sampler_seed: int = 0,
    progress: bool = False,
    robust: Robust | None = None,
) -> SearchResult:
    started = time.perf_counter()
    pool = process_pool(jobs) if jobs > 1 else None
    try:
        job = PickupSearch(base, reference, scenario, seeds, tolerance, keep_reach, pool, robust)
        study = _study(job, trials, sampler_seed, progress)
    finally:
        if pool is not None:
            pool.shutdown()
    rows = [{"trial": t.number, **t.params, **t.user_attrs} for t in study.trials]
    feasible = [c for c in job.cache.values() if c.feasible]
    best = min(feasible, key=lambda c: c.cost) if feasible else None
    ref = job.reference
    reference_kpis = {
        "effective_coverage_after": float(ref.effective_coverage_after.mean()),
        "resolution_rate_after": float(ref.resolution_rate_after.mean()),
        "incidence_per_1000_child_years_after": float(ref.incidence_per_1000_child_years_after.mean()),
        "cases_opened_after": float(ref.cases_opened_after.mean()),
        "spend_local": float(ref.spend_local.mean()),
    }
    seconds = time.perf_counter() - started
    return SearchResult(best, pd.DataFrame(rows), reference_kpis, job.lines, job.exit_year, seconds)


def _study(job: PickupSearch, trials: int, sampler_seed: int, progress: bool) -> optuna.Study:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=sampler_seed, n_startup_trials=max(1, min(10, trials // 3)))
    study = optuna.create_study(direction="minimize", sampler=sampler)
    # start from two known schedules: the base plan's own pickup, and full pickup at once (matched funding)
    study.enqueue_trial(_params(job, job.base.pickup_share, job.base.pickup_delay_years))
    study.enqueue_trial(_params(job, dict.fromkeys(BUDGET_LINES, 1.0), dict.fromkeys(BUDGET_LINES, 0)))
    bar = tqdm(total=trials, unit="trial", desc="pickup search", disable=not progress, leave=False)

    def objective(trial: optuna.Trial) -> float:
        share = {ln: trial.suggest_int(f"share_{ln}", 0, SHARE_STEPS) / SHARE_STEPS for ln in job.lines}
        delay = {ln: trial.suggest_int(f"delay_{ln}", 0, MAX_DELAY) for ln in job.lines}
        c = job.evaluate(share, delay)
        if job.robust is not None:  # feasible when it holds in enough futures
            trial.set_constraint("futures", job.robust.share - c.holds_share)
        else:  # feasible when every constraint is <= 0
            trial.set_constraint("coverage", c.coverage_gap - job.tolerance)
            trial.set_constraint("incidence", c.incidence_gap - job.tolerance)
            if job.keep_reach:
                trial.set_constraint("reach", c.reach_gap - job.tolerance)
        trial.set_user_attr("coverage_gap", c.coverage_gap)
        trial.set_user_attr("incidence_gap", c.incidence_gap)
        trial.set_user_attr("reach_gap", c.reach_gap)
        trial.set_user_attr("cost", c.cost)
        trial.set_user_attr("feasible", c.feasible)
        trial.set_user_attr("holds_share", c.holds_share)
        bar.update(1)
        return c.cost

    study.optimize(objective, n_trials=trials)
    bar.close()
    return study


def _params(job: PickupSearch, share: dict[str, float], delay: dict[str, int]) -> dict[str, int]:
    params = {}
    for line in job.lines:
        params[f"share_{line}"] = round(share[line] * SHARE_STEPS)
        params[f"delay_{line}"] = min(MAX_DELAY, delay[line])
    return params


def plan_yaml(base: Plan, best: Candidate, name: str, header: list[str]) -> str:
    """The base plan file with the pickup found, as YAML that `cpsim-plans compare` accepts."""
    data = yaml.safe_load(base.path.read_text()) or {}
    data["name"] = name
    data["description"] = f"{base.name} with the cheapest pickup found that keeps protection within tolerance"
    data["pickup"] = {
        line: {"share": best.share.get(line, 0.0), "delay_years": best.delay.get(line, 0)} for line in BUDGET_LINES
    }
    comments = "".join(f"# {line}\n" for line in header)
    return comments + yaml.safe_dump(data, sort_keys=False, default_flow_style=None, width=120)
