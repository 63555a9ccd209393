"""What the validation targets read from one run: a flat dict of numbers, small enough to send between processes.

All numeric summary KPIs, plus cases opened per year (all, harm only, by type), the closure of the cohort of
each year by its year end (all, exploitation, disability families), and harm arisen / first found by type.
"""

from __future__ import annotations

import math

from experiments.table import closed_by_year_end, count_by_year
from scenarios.schema import CASE_TYPES, HARM_TYPES
from sim.run import Results

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
