"""The Optuna study behind `hydra/sweeper=optuna`: ask for a batch of trials, run them as one launch of the
configured launcher (each trial is a job of the sweep, with its own job dir and sweep point), tell Optuna the
values they returned, and at the end log the best trial in one line and write it to `optimization_results.yaml`
in the sweep dir, as Hydra's Optuna plugin does.

A trial whose value is NaN (the objective has no value for any of the job's seeds, or the point failed) is told
to Optuna as failed: it is never the best, and the sweep goes on, as a failed point does in a basic sweep. A job
that raised ends the sweep, as in Hydra's basic sweeper.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna
import yaml
from hydra.core.utils import JobReturn
from optuna.trial import FrozenTrial, Trial, TrialState

from hydra_plugins.cpsim_optuna_sweeper._space import Space
from scenarios.files import excerpt
from sim.outputs import atomic_file

log = logging.getLogger("cpsim")
RESULTS = "optimization_results.yaml"

Launch = Callable[[Sequence[Sequence[str]], int], Sequence[JobReturn]]  # (job overrides, first job number)


@dataclass(frozen=True)
class Plan:
    """What the study optimises and how many trials it asks for at once."""

    objective: str
    direction: str  # "minimize" or "maximize"
    n_trials: int
    n_jobs: int  # trials per launch


def run_study(plan: Plan, space: Space, sampler: Any, launch: Launch) -> optuna.Study:
    """Every trial of the plan, a batch of `n_jobs` at a time; the job numbers are the trial numbers."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # its INFO lines repeat ours, in another format
    study = optuna.create_study(sampler=sampler, direction=plan.direction)
    log.info(
        "Optuna: %d trials of %s (%s), %d at a time, %s",
        plan.n_trials,
        plan.objective,
        plan.direction,
        plan.n_jobs,
        type(sampler).__name__,
    )
    while len(study.trials) < plan.n_trials:
        first = len(study.trials)  # a new study: trial n is job n
        trials = [study.ask(space.distributions) for _ in range(min(plan.n_jobs, plan.n_trials - first))]
        returns = launch([space.overrides(t.params) for t in trials], first)
        for trial, ret in zip(trials, returns, strict=True):
            tell(study, trial, ret, plan.objective)
    return study


def tell(study: optuna.Study, trial: Trial, ret: JobReturn, objective: str) -> None:
    value = ret.return_value  # a job that raised raises here
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(
            f"job {trial.number} returned {excerpt(value)}, not a number; hydra/sweeper=optuna needs "
            "objective=<outcome> (cpsim's jobs then return its mean over their seeds)"
        )
    if math.isfinite(value):
        study.tell(trial, float(value))
        log.info("trial %d: %s %s", trial.number, objective, f"{value:.6g}")
    else:
        study.tell(trial, state=TrialState.FAIL)
        log.warning("trial %d: %s has no value (NaN); counted as a failed trial", trial.number, objective)


def report(study: optuna.Study, plan: Plan, sweep_dir: Path) -> dict[str, Any]:
    """The best trial, logged in one line and written to the sweep dir's optimization_results.yaml (with every
    trial's job, values and state)."""
    done = [t for t in study.trials if t.state == TrialState.COMPLETE]
    best = study.best_trial if done else None
    results: dict[str, Any] = {
        "name": "optuna",
        "objective": plan.objective,
        "direction": plan.direction,
        "best_params": dict(best.params) if best else None,
        "best_value": best.value if best else None,
        "best_job": best.number if best else None,
        "trials": [_trial(t) for t in study.trials],
    }
    if best is None:
        log.warning("Best parameters: none; no trial of %d gave %s a value", len(study.trials), plan.objective)
    else:
        log.info(
            "Best parameters: %s; Best value: %s (%s, %s; job %d, %d of %d trials with a value)",
            best.params,
            best.value,
            plan.objective,
            plan.direction,
            best.number,
            len(done),
            len(study.trials),
        )
    with atomic_file(Path(sweep_dir) / RESULTS) as tmp:
        tmp.write_text(yaml.safe_dump(results, sort_keys=False))
    return results


def _trial(t: FrozenTrial) -> dict[str, Any]:
    return {"job": t.number, "params": dict(t.params), "value": t.value, "state": t.state.name.lower()}
