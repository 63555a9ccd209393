"""The planner's yearly table: per plan and year, who pays what for which line, what the city spends against the
budget its plan gives it, and the children harmed, found and served that year, each with its 90% interval over
the paired seeds.

Built from the quarterly tables of `runner.py` (four quarters make a year), so it costs no extra simulation.
Long, tidy form: one row per plan x year x indicator x line x payer, with mean, low and high (the mean's 90%
t-interval over seeds; low = high where the value does not vary, as for money a plan fixes).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from experiments.common.tables import t_interval
from scenarios.schema import BUDGET_LINES, PAYERS, Config, TransitionYear
from sim.outcomes import OUTCOMES

LEVEL = 0.90
ALL = "all"
NO_LIMIT = TransitionYear().local_budget  # a plan year's budget at this default is "no limit" (schema)

# children counted per year, from the quarterly flows (harm types only)
CHILDREN = {
    "children_harmed": "new_harm",
    "children_found": "found_harm",
    "children_reached": "reached_harm",
    "children_served": "served_harm",
}
LABELS = {
    "spend": "Spending (Rp m)",
    "city_budget": "City budget for the programme (Rp m; plan)",
    "city_budget_used": "City spending / city budget",
    **{key: OUTCOMES[key].label for key in (*CHILDREN, "unmet_need", "effective_coverage", "child_years_in_harm")},
    "workers": "Workers in post (mean)",
    "waiting": "Cases waiting for a worker (mean)",
}


def per_seed(quarters: pd.DataFrame, configs: dict[str, Config]) -> pd.DataFrame:
    """One row per plan x seed x year x indicator x line x payer with its value (whole years only)."""
    flows = [c for c in quarters.columns if c.startswith("spend_") or c in CHILDREN.values()]
    flows.append("child_weeks_in_harm")
    grouped = quarters.groupby(["plan", "seed", "year"], sort=False)
    years = grouped[flows].sum().join(grouped[["workers", "waiting"]].mean()).join(grouped.size().rename("quarters"))
    years = years[years.quarters == 4].drop(columns="quarters").reset_index()
    rows: list[pd.DataFrame] = []

    def add(indicator: str, values: pd.Series, line: str = "", payer: str = "") -> None:
        rows.append(years[["plan", "seed", "year"]].assign(indicator=indicator, line=line, payer=payer, value=values))

    for payer in PAYERS:
        for line in BUDGET_LINES:
            add("spend", years[f"spend_{payer}_{line}"], line, payer)
        add("spend", years[f"spend_{payer}"], ALL, payer)
    add("spend", years[[f"spend_{p}" for p in PAYERS]].sum(axis=1), ALL, ALL)
    budget = pd.Series(
        [city_budget(configs[plan], year) for plan, year in zip(years.plan, years.year, strict=True)],
        index=years.index,
    )
    add("city_budget", budget, ALL, "local")
    add("city_budget_used", years.spend_local / budget, ALL, "local")
    for key, column in CHILDREN.items():
        add(key, years[column])
    add("unmet_need", years.new_harm - years.served_harm)
    add("effective_coverage", years.served_harm / years.new_harm.where(years.new_harm > 0))
    add("child_years_in_harm", years.child_weeks_in_harm / 52)
    add("workers", years.workers)
    add("waiting", years.waiting)
    return pd.concat(rows, ignore_index=True)


def city_budget(config: Config, year: int) -> float:
    """The Rp m a year the plan lets the city put into the programme in `year` (NaN: no limit, or no plan)."""
    entry = config.transition.entry(year)
    if entry is None or entry.local_budget >= NO_LIMIT:
        return math.nan
    return float(entry.local_budget)


def yearly_table(quarters: pd.DataFrame, configs: dict[str, Config]) -> pd.DataFrame:
    """plan, year, indicator, line, payer, mean, low, high (the mean's 90% interval over seeds)."""
    keys = ["plan", "year", "indicator", "line", "payer"]
    rows = []
    for key, group in per_seed(quarters, configs).groupby(keys, sort=False):
        mean, low, high = t_interval(group.value, LEVEL)
        if not math.isnan(mean) and np.ptp(group.value.dropna()) == 0:
            low = high = mean  # the same in every seed (money a plan fixes)
        rows.append((*key, mean, low, high))
    return pd.DataFrame(rows, columns=[*keys, "mean", "low", "high"])
