"""Run every plan with the same seeds (common random numbers) and keep small tidy tables.

One row per plan x seed (the run summary, and the transition window's outcomes as `<outcome>_after`, from
`Results.window`) and one row per plan x seed x quarter (flows summed, stocks averaged). Runs go to a process
pool when `jobs > 1`; every run is a pure function of (config, seed) and the rows come back in plan and seed
order, so the tables do not depend on the number of processes.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor

import pandas as pd

from experiments.common.pool import run_many
from experiments.common.tables import ratio
from scenarios.schema import BUDGET_LINES, HARM_TYPES, PAYERS, Config
from sim.run import Results, run

# outcomes the plans read over the transition window (from the window's first year to the end), as `<key>_after`
WINDOW_OUTCOMES = (
    "effective_coverage",
    "children_harmed",
    "children_found",
    "children_served",
    "unmet_need",
    "resolution_rate",
    "cases_opened",
    "incidence_per_1000_child_years",
)
AFTER = "_after"

QUARTER_WEEKS = 13
FLOWS = ["cases_opened", "cases_resolved", "cases_unresolved", "cases_dropped", "exits"]
FLOWS += ["new_harm", "found_harm", "reached_harm", "served_harm", "child_weeks_in_harm"]
FLOWS += [f"spend_{payer}" for payer in PAYERS] + [f"spend_{line}" for line in BUDGET_LINES]
FLOWS += [f"spend_{payer}_{line}" for payer in PAYERS for line in BUDGET_LINES]
STOCKS = ["backlog", "waiting", "workers", "mean_skill", "mean_morale", "outreach_intensity", "prevention_intensity"]


def quarterly(weekly: pd.DataFrame, start_year: int) -> pd.DataFrame:
    """Weekly table -> one row per quarter (13 weeks): flows summed, stocks averaged."""
    w = weekly.assign(
        new_harm=weekly[[f"new_{t}" for t in HARM_TYPES]].sum(axis=1),
        found_harm=weekly[[f"detected_{t}" for t in HARM_TYPES]].sum(axis=1),
        reached_harm=weekly[[f"reached_{t}" for t in HARM_TYPES]].sum(axis=1),
        served_harm=weekly[[f"served_{t}" for t in HARM_TYPES]].sum(axis=1),
        child_weeks_in_harm=weekly.children_in_harm,
    )
    w["quarter"] = w["week"] // QUARTER_WEEKS
    q = w.groupby("quarter", as_index=False).agg({**dict.fromkeys(FLOWS, "sum"), **dict.fromkeys(STOCKS, "mean")})
    q["year"] = start_year + q["quarter"] // 4
    q["label"] = q["year"].astype(str) + "Q" + (q["quarter"] % 4 + 1).astype(str)
    q["time"] = start_year + q["quarter"] / 4 + 0.125  # mid-quarter, for plots
    closed = q[["cases_resolved", "cases_unresolved", "cases_dropped"]].sum(axis=1)
    q["closed"] = closed
    q["resolution_rate"] = ratio(q["cases_resolved"], closed)
    return q


def tables(results: Results, window_from: int | None) -> tuple[dict, pd.DataFrame]:
    """A run's row (its summary and, if a window is given, the window's outcomes as `<key>_after`) and its
    quarterly table."""
    row = dict(results.summary)
    if window_from is not None:
        run_cfg = results.config.run
        window = results.window(min(max(window_from, run_cfg.start_year), run_cfg.end_year - 1))
        row.update({f"{key}{AFTER}": window[key] for key in WINDOW_OUTCOMES})
    return row, quarterly(results.weekly, results.config.run.start_year)


def run_one(
    plan: str, config: Config, seed: int, window_from: int | None = None
) -> tuple[str, int, dict, pd.DataFrame]:
    return plan, seed, *tables(run(config, seed), window_from)


def run_plans(
    configs: dict[str, Config],
    seeds: Sequence[int],
    jobs: int = 1,
    progress: bool = False,
    pool: Executor | None = None,
    window_from: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(runs, quarters) for every plan x seed: run summaries (with the window's outcomes from `window_from`),
    and quarterly trajectories. Runs go to `pool` if given, else to a pool of `jobs` processes (none when jobs
    is 1)."""
    tasks = [(plan, cfg, seed, window_from) for plan, cfg in configs.items() for seed in seeds]
    done = run_many(run_one, tasks, jobs, pool=pool, progress="plans x seeds" if progress else None)
    runs = [{"plan": plan, **summary} for plan, _, summary, _ in done]
    quarters = [q.assign(plan=plan, seed=seed) for plan, seed, _, q in done]
    return pd.DataFrame(runs), pd.concat(quarters, ignore_index=True)
