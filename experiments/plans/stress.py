"""The stress test: run every plan in every sampled future on the same seeds, and find where each plan fails.

Plan files -> configs -> futures (futures.py) -> every future x plan checked -> runs (one resumable sweep point
each, sim/point.py) -> per future: does each plan hold against the first? -> robustness table, PRIM boxes of
the failing futures (discovery.py), report.

In a future, a plan "holds" when, averaged over the seeds, its effective coverage over the transition window
is no more than `tolerance` (a share of the first plan's) below the first plan's, and its incidence no more
than `tolerance` above: the verdict's rule (verdict.py) read in one future at a time. Regret is the best
plan's coverage in that future minus the plan's own.

Output folder: `points/` (one sweep point per future x plan: re-running the same command after a kill redoes
only the missing ones), `design.json` (the settings: a different design in the same folder is refused), and,
once every point is done, futures.parquet, robustness.csv, report.md, report.html and figures/.
"""

from __future__ import annotations

import functools
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.common.cluster import ClusterExecutor, ClusterSettings
from experiments.common.pool import run_many
from experiments.plans.compare import plan_configs, window_start
from experiments.plans.discovery import FailureBox, describe, discover
from experiments.plans.futures import Uncertainty, future_config, sample, uncertainties
from experiments.plans.plan_file import Plan, PlanError
from experiments.plans.runner import AFTER
from experiments.sweeps.claim import lock_sweep
from scenarios.schema import Config
from scenarios.validate import ConfigError, config_from_dict
from sim.outputs import atomic_file, package_versions
from sim.ownership import LOCK, MARKER, mark_created
from sim.point import POINT_DIR, point_key, run_point
from sim.run import Results, run

JUDGED = ("effective_coverage", "incidence_per_1000_child_years", "children_served", "unmet_need")
KEPT = [f"{k}{AFTER}" for k in JUDGED] + ["spend_funder", "spend_local", "spend_national", "spend_total"]


@dataclass
class StressTest:
    futures: pd.DataFrame  # one row per future x plan x seed: the sampled values and the outcomes
    robustness: pd.DataFrame  # one row per plan
    boxes: dict[str, tuple[FailureBox | None, str]]  # per plan (not the first): its failure box and in words
    dims: list[Uncertainty]
    meta: dict[str, Any]


def design(
    plans: list[Plan], scenario: dict[str, Any], name: str, n: int, sampler_seed: int, space: str
) -> tuple[dict[str, Config], list[Uncertainty], pd.DataFrame, dict[tuple[int, str], dict[str, Any]], int]:
    """Configs of every future x plan, each checked before anything runs (PlanError names the bad one)."""
    configs = plan_configs(plans, scenario)
    start = window_start(configs)
    dims = uncertainties(name, next(iter(configs.values())), start, space)
    table = sample(dims, n, sampler_seed)
    points: dict[tuple[int, str], dict[str, Any]] = {}
    for _, future in table.iterrows():
        for plan, config in configs.items():
            data = future_config(config, dims, future)
            try:
                config_from_dict(data)
            except ConfigError as exc:
                raise PlanError(f"future {int(future.future)} of plan {plan}: {exc}") from None
            points[(int(future.future), plan)] = data
    return configs, dims, table, points, start


class Stopped(BaseException):
    """The stress test's stop flag was set (the workbench's Cancel): a run under way ends at its next week. A
    BaseException, so that `run_point` does not record the point as failed: it is simply not there, and the
    same test run again redoes it."""


def _stop_check(flag: str) -> Callable[[int, int], None]:
    def check(week: int, n_weeks: int) -> None:
        if os.path.exists(flag):
            raise Stopped()

    return check


def _with_window(config: Config, seed: int, window_from: int, stop_flag: str | None = None) -> Results:
    """A run whose summary also holds the transition window's outcomes (`<key>_after`); it stops (`Stopped`)
    at the first week after the file `stop_flag` appears."""
    res = run(config, seed, progress=_stop_check(stop_flag) if stop_flag else None)
    window = res.window(min(max(window_from, config.run.start_year), config.run.end_year - 1))
    res.summary.update({f"{k}{AFTER}": window[k] for k in JUDGED})
    return res


def _run_point(
    data: dict[str, Any], seeds: list[int], job_dir: Path, params: dict[str, Any], start: int, stop_flag: str | None
) -> dict:
    simulate = functools.partial(_with_window, window_from=start, stop_flag=stop_flag)
    return run_point(data, seeds, job_dir, params, simulate=simulate)


def run_stress(
    plans: list[Plan],
    scenario: dict[str, Any],
    name: str,
    n_futures: int,
    seeds: list[int],
    out: Path,
    *,
    jobs: int = 2,
    tolerance: float = 0.02,
    sampler_seed: int = 0,
    space: str = "all",
    progress: bool = False,
    on_done: Callable[[int, int], None] | None = None,
    cluster: ClusterSettings | None = None,
    stop_flag: str | None = None,
) -> StressTest:
    """`on_done(done, total)` after each future x plan (a page's progress bar; raising in it cancels the
    future x plans not yet begun). Once the file `stop_flag` exists, the runs under way stop too, at their
    next week, and this raises `Stopped` (local processes only: a cluster's nodes may not see the file).
    With `cluster`, the runs go to a SLURM job array (experiments/common/cluster.py) instead of `jobs` local
    processes; their logs go to `out/.submitit/`."""
    configs, dims, table, points, start = design(plans, scenario, name, n_futures, sampler_seed, space)
    settings = {
        "scenario": name,
        "plans": [p.name for p in plans],
        "plan_configs": {k: point_key(c, seeds, "plan") for k, c in configs.items()},
        "futures": n_futures,
        "seeds": seeds,
        "sampler_seed": sampler_seed,
        "space": space,
    }
    _claim(out, settings)
    with lock_sweep(out, "--out"):  # one process writes a stress test's folder at a time
        started = time.perf_counter()
        tasks = []
        for (future, plan), data in points.items():
            params = {"future": future, "plan": plan}
            tasks.append((data, seeds, out / "points" / f"{future:05d}_{plan}", params, start, stop_flag))
        pool = ClusterExecutor(out / ".submitit", cluster) if cluster is not None else None
        label = "futures x plans" if progress else None
        done = run_many(_run_point, tasks, jobs, pool=pool, progress=label, on_done=on_done)
        failed = [t[3] for t, d in zip(tasks, done, strict=True) if d["status"] == "failed"]
        if failed:
            first = failed[0]
            raise PlanError(f"{len(failed)} runs failed (first: {first}); run the same command again to retry them")
        runs = pd.concat([pd.read_parquet(t[2] / POINT_DIR / "runs.parquet") for t in tasks], ignore_index=True)
        futures = runs[["future", "plan", "seed", *KEPT]].merge(table, on="future")
        robustness, fails = robustness_table(futures, [p.name for p in plans], tolerance)
        x = table.drop(columns="future")
        about = {u.name: u.about if u.kind == "risk" else u.name for u in dims}
        integers = frozenset(u.name for u in dims if u.whole)
        boxes = {}
        for plan in [p.name for p in plans][1:]:
            box = discover(x, fails[plan])
            boxes[plan] = (box, describe(box, fails[plan], about, x, integers))
        meta = {
            **settings,
            "tolerance": tolerance,
            "window_start": start,
            "dimensions": len(dims),
            "wall_seconds": round(time.perf_counter() - started, 1),
            "versions": package_versions(),
        }
        return StressTest(futures, robustness, boxes, dims, meta)


def robustness_table(
    futures: pd.DataFrame, plans: list[str], tolerance: float
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Per plan: share of futures in which it holds against the first plan, mean and worst-decile effective
    coverage, regret against the best plan of each future, and costs; and, per plan, which futures fail."""
    cov, inc = f"effective_coverage{AFTER}", f"incidence_per_1000_child_years{AFTER}"
    means = futures.groupby(["future", "plan"], sort=False)[KEPT].mean()
    coverage = means[cov].unstack("plan")[plans]
    incidence = means[inc].unstack("plan")[plans]
    first = plans[0]
    holds = coverage.ge(coverage[first] * (1 - tolerance), axis=0) & incidence.le(
        incidence[first] * (1 + tolerance), axis=0
    )
    regret = coverage.max(axis=1).to_numpy()[:, None] - coverage
    rows = []
    for plan in plans:
        mine = means.xs(plan, level="plan")
        rows.append(
            {
                "plan": plan,
                "holds_share": float(holds[plan].mean()) if plan != first else np.nan,
                "effective_coverage_mean": float(coverage[plan].mean()),
                "effective_coverage_worst_decile": float(coverage[plan].quantile(0.1)),
                "regret_mean": float(regret[plan].mean()),
                "regret_max": float(regret[plan].max()),
                "spend_local_mean": float(mine.spend_local.mean()),
                "spend_funder_mean": float(mine.spend_funder.mean()),
                "spend_total_mean": float(mine.spend_total.mean()),
            }
        )
    return pd.DataFrame(rows), {plan: ~holds[plan].to_numpy() for plan in plans}


def _claim(out: Path, settings: dict[str, Any]) -> None:
    """Use `out` for this design: new, empty, or holding the same design (a resume); else refuse."""
    marker = out / "design.json"
    if marker.exists():
        if json.loads(marker.read_text()) != json.loads(json.dumps(settings)):
            raise PlanError(
                f"--out: {out} holds another stress test's design; expected a new folder, or the same command"
            )
        mark_created(out)  # a stress folder from before markers: its design.json says it is ours
        return
    if out.exists() and any(p.name not in (LOCK, MARKER) for p in out.iterdir()):
        raise PlanError(f"--out: {out} already holds files; expected a new or empty folder, or the same command")
    out.mkdir(parents=True, exist_ok=True)
    mark_created(out)
    with atomic_file(marker) as tmp:
        tmp.write_text(json.dumps(settings, indent=2))
