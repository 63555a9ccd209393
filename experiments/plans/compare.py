"""Compare plans: plan files -> configs -> paired runs -> KPI table, yearly table, cliffs, verdicts -> files.

`compare_plans` does the work and returns a `PlanComparison`; `write_comparison` writes it atomically
(`<out>.partial/` renamed to `<out>/` when complete) with the plans, their resolved configs, the seeds and
package versions next to the tables and the report.
"""

from __future__ import annotations

import dataclasses
import json
import platform
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from agents.funding.plan import plan_withdrawal_start
from experiments.plans.figures import plot_comparison
from experiments.plans.paired import cliffs, paired_table
from experiments.plans.plan_file import Plan, PlanError
from experiments.plans.report import html_report, kpi_matrix, markdown_report, terminal_table
from experiments.plans.runner import run_plans
from experiments.plans.translate import plan_config
from experiments.plans.verdict import verdict
from experiments.plans.yearly import yearly_table
from scenarios.schema import Config
from sim.outputs import atomic_dir, package_versions


@dataclass
class PlanComparison:
    runs: pd.DataFrame  # one row per plan x seed: summary KPIs + transition-window KPIs
    quarters: pd.DataFrame  # one row per plan x seed x quarter
    yearly: pd.DataFrame  # one row per plan x year x indicator x line x payer: mean, low, high over seeds
    table: pd.DataFrame  # one row per plan x KPI: value, paired difference and intervals
    matrix: pd.DataFrame  # the same as printable strings, KPIs x plans
    verdicts: list[str]
    configs: dict[str, Config]
    meta: dict[str, Any]


def plan_configs(plans: list[Plan], scenario: dict[str, Any]) -> dict[str, Config]:
    configs: dict[str, Config] = {}
    for plan in plans:
        if plan.name in configs:
            raise PlanError(f"{plan.path}: name: {plan.name!r} is used by another plan; expected a unique name")
        configs[plan.name] = plan_config(plan, scenario)
    return configs


def window_start(configs: dict[str, Config]) -> int:
    """The transition window opens when the first plan's funder starts to withdraw (or at the start)."""
    starts = [plan_withdrawal_start(c.funding, c.transition) for c in configs.values()]
    first = next(iter(configs.values())).run.start_year
    return min((s for s in starts if s is not None), default=first)


def compare_plans(
    plans: list[Plan],
    scenario: dict[str, Any],
    seeds: list[int],
    *,
    jobs: int = 1,
    progress: bool = False,
    tolerance: float = 0.02,
    cliff_threshold: float | None = None,
    cliff_drop: float = 0.10,
    info: dict[str, Any] | None = None,
    runner: Callable[[dict[str, Config], list[int], int], tuple[pd.DataFrame, pd.DataFrame]] | None = None,
) -> PlanComparison:
    """`runner(configs, seeds, window_from) -> (runs, quarters)` replaces `run_plans` (e.g. the workbench's,
    with progress and cancel); it must return the same tables in the same order."""
    configs = plan_configs(plans, scenario)
    baseline = plans[0].name
    start = window_start(configs)
    started = time.perf_counter()
    if runner is None:
        runs, quarters = run_plans(configs, seeds, jobs=jobs, progress=progress, window_from=start)
    else:
        runs, quarters = runner(configs, list(seeds), start)
    wall_seconds = time.perf_counter() - started
    table = paired_table(runs, baseline)
    cliff = cliffs(quarters, baseline, start, cliff_threshold, cliff_drop)
    names = [p.name for p in plans]
    versions = package_versions()
    meta = {
        **(info or {}),
        "baseline": baseline,
        "seeds": list(seeds),
        "n_seeds": len(seeds),
        "jobs": jobs,
        "wall_seconds": round(wall_seconds, 1),
        "window_start": start,
        "tolerance": tolerance,
        "cliff_threshold": cliff_threshold,
        "cliff_drop": cliff_drop,
        "cliffs": cliff,
        "plans": [(p.name, str(p.path), p.description) for p in plans],
        "versions": versions,
        "versions_line": ", ".join(f"{k} {v}" for k, v in versions.items()),
        "platform": platform.platform(),
        "command": " ".join(sys.argv),
    }
    verdicts = [verdict(table, name, baseline, cliff[name], tolerance) for name in names]
    matrix = kpi_matrix(table, names, baseline, cliff)
    return PlanComparison(runs, quarters, yearly_table(quarters, configs), table, matrix, verdicts, configs, meta)


def terminal_report(comp: PlanComparison) -> str:
    m = comp.meta
    head = (
        f"Plans vs {m['baseline']} on scenario {m['scenario']}, {m['n_seeds']} paired seeds; "
        f"paired difference [90% interval]; transition window from {m['window_start']}"
    )
    return "\n".join([head, "", terminal_table(comp.matrix), "", "Verdicts:", *(f"  {v}" for v in comp.verdicts)])


def write_comparison(comp: PlanComparison, out: Path, plans: list[Plan]) -> Path:
    out = Path(out)
    with atomic_dir(out) as partial:
        (partial / "plans").mkdir()
        (partial / "configs").mkdir()
        comp.runs.to_parquet(partial / "runs.parquet", index=False)
        comp.quarters.to_parquet(partial / "quarters.parquet", index=False)
        comp.table.to_parquet(partial / "comparison.parquet", index=False)
        comp.yearly.to_csv(partial / "yearly.csv", index=False)
        for plan in plans:
            shutil.copyfile(plan.path, partial / "plans" / f"{plan.name}.yaml")
            config = yaml.safe_dump(dataclasses.asdict(comp.configs[plan.name]), sort_keys=False)
            (partial / "configs" / f"{plan.name}.yaml").write_text(config)
        plot_comparison(comp.runs, comp.quarters, comp.yearly, comp.meta["window_start"], partial / "figures")
        (partial / "report.md").write_text(markdown_report(comp.matrix, comp.verdicts, comp.yearly, comp.meta))
        html = html_report(comp.matrix, comp.verdicts, comp.yearly, comp.meta, partial / "figures")
        (partial / "report.html").write_text(html)
        (partial / "verdicts.txt").write_text("\n".join(comp.verdicts) + "\n")
        (partial / "run_info.json").write_text(json.dumps(comp.meta, indent=2, default=str))
    return out
