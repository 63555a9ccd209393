"""What the validation targets read from one run: a flat dict of numbers, small enough to send between processes.
`run_jobs` runs many (scenario config, seed) jobs and keeps only these.

All numeric summary KPIs, plus cases opened per year (all, harm only, by type), the closure of the cohort of
each year by its year end (all, exploitation, disability families), and harm arisen / first found by type.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from experiments.common.pool import run_many
from experiments.common.tables import ratio
from scenarios.schema import CASE_TYPES, HARM_TYPES
from sim.run import Results, run

Job = tuple[str, Mapping[str, Any], int]  # (label, config dict, seed)

EXPLOITATION = ("economic_exploitation", "sexual_exploitation")


def observe(results: Results) -> dict[str, float]:
    cfg, cases, weekly = results.config, results.cases, results.weekly
    obs: dict[str, float] = {
        k: float(v) for k, v in results.summary.items() if isinstance(v, (int, float)) and not isinstance(v, bool)
    }
    years = range(cfg.run.start_year, cfg.run.end_year)
    groups = {
        "all": None,
        "harm": cases.case_type.isin(HARM_TYPES),
        "exploitation": cases.case_type.isin(EXPLOITATION),
        "disability": cases.family_disability,
        **{t: cases.case_type == t for t in CASE_TYPES},
    }
    for label, mask in groups.items():
        for year, n in count_by_year(cases, years, mask).items():
            obs[f"opened_{label}_{year}"] = n
        for year in years:
            share = closed_by_year_end(cases, year, cfg.run.start_year, mask)
            obs[f"closed_by_year_end_{label}_{year}"] = share if share == share else math.nan
    for t in CASE_TYPES:
        obs[f"new_{t}"] = float(weekly[f"new_{t}"].sum())
        obs[f"detected_{t}"] = float(weekly[f"detected_{t}"].sum())
    return obs


def count_by_year(cases: pd.DataFrame, years: Iterable[int], mask: pd.Series | None = None) -> dict[int, int]:
    """Cases opened in each calendar year (zero for years without any), optionally only those in `mask`."""
    opened = cases.opened_year if mask is None else cases.opened_year[mask]
    counts = opened.value_counts()
    return {int(y): int(counts.get(y, 0)) for y in years}


def closed_by_year_end(cases: pd.DataFrame, year: int, start_year: int, mask: pd.Series | None = None) -> float:
    """Share of the cases opened in `year` that were closed (any outcome) by 31 December of that year."""
    cohort = cases[cases.opened_year == year] if mask is None else cases[(cases.opened_year == year) & mask]
    end_week = 52 * (year + 1 - start_year)
    closed = (cohort.closed_week >= 0) & (cohort.closed_week < end_week)
    return ratio(closed.sum(), len(cohort))


def simulate(label: str, config: Mapping[str, Any], seed: int) -> dict[str, float]:
    logging.getLogger("MESA").setLevel(logging.WARNING)
    return observe(run(config, seed))


def run_jobs(jobs: Sequence[Job], processes: int = 2) -> list[dict[str, float]]:
    """Observables of every job, in job order (the same whatever the number of processes)."""
    return run_many(simulate, jobs, processes)
