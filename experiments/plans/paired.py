"""Paired comparison of plans run on the same seeds: per-seed differences against a baseline plan, their mean
and 90% t-interval, KPIs over the transition window, and the resolution cliff.

Because every plan sees the same families and shocks for a given seed (common random numbers), the
difference plan - baseline is taken seed by seed; its spread is far smaller than that of unpaired runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from experiments.common.tables import ratio, t_interval

LEVEL = 0.90


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    unit: str  # share (shown in percentage points), count, weeks, rate, money (Rp m), ratio
    better: int  # +1 higher is better, -1 lower is better, 0 neither (who pays)


KPIS = (
    Kpi("effective_coverage", "Children served / harmed, whole horizon", "share", +1),
    Kpi("effective_coverage_after", "Children served / harmed, transition window", "share", +1),
    Kpi("children_served_after", "Children served, transition window", "count", +1),
    Kpi("children_found_after", "Children found, transition window", "count", +1),
    Kpi("resolution_rate", "Resolution rate, whole horizon", "share", +1),
    Kpi("resolution_after", "Resolution rate, transition window", "share", +1),
    Kpi("cases_opened_after", "Cases opened, transition window", "count", +1),
    Kpi("mean_backlog", "Mean backlog (cases)", "count", -1),
    Kpi("median_weeks_to_resolution", "Median weeks to resolution", "weeks", -1),
    Kpi("incidence_per_1000_child_years", "Incidence per 1,000 child-years", "rate", -1),
    Kpi("incidence_after", "Incidence, transition window", "rate", -1),
    Kpi("turnover_per_year", "Worker turnover per year", "share", -1),
    Kpi("spend_funder", "Cost to funder (Rp m)", "money", 0),
    Kpi("spend_local", "Cost to local government (Rp m)", "money", 0),
    Kpi("spend_national", "Cost to national government (Rp m)", "money", 0),
    Kpi("spend_total", "Cost, all payers (Rp m)", "money", 0),
    Kpi("cost_per_resolved_case", "Cost per resolved case (Rp m)", "money", -1),
    Kpi("sustainability_index", "Sustainability index (2 y after exit / before)", "ratio", +1),
)


def window_kpis(runs: pd.DataFrame, quarters: pd.DataFrame, from_year: int) -> pd.DataFrame:
    """Add effective coverage (children served / harmed), children found and served, resolution, incidence and
    cases opened over the window [from_year, end) to each run row."""
    q = quarters[quarters.year >= from_year]
    per_run = q.groupby(["plan", "seed"], as_index=False).agg(
        resolved=("cases_resolved", "sum"),
        closed=("closed", "sum"),
        harm=("new_harm", "sum"),
        children_found_after=("found_harm", "sum"),
        children_served_after=("served_harm", "sum"),
        cases_opened_after=("cases_opened", "sum"),
        n=("quarter", "size"),
    )
    out = runs.merge(per_run, on=["plan", "seed"], how="left")
    out["resolution_after"] = ratio(out.resolved, out.closed)
    out["incidence_after"] = 1000 * out.harm / (out.children * out.n / 4)
    out["effective_coverage_after"] = ratio(out.children_served_after, out.harm)
    return out.drop(columns=["resolved", "closed", "harm", "n"])


def paired_table(runs: pd.DataFrame, baseline: str, kpis: tuple[Kpi, ...] = KPIS) -> pd.DataFrame:
    """One row per plan x KPI: plan mean and interval, baseline mean, paired difference and its interval."""
    base = runs[runs.plan == baseline].set_index("seed")
    rows = []
    for plan, mine in runs.groupby("plan", sort=False):
        mine = mine.set_index("seed")
        for kpi in kpis:
            diff = (mine[kpi.key] - base[kpi.key]).dropna()
            mean, lo, hi = t_interval(mine[kpi.key], LEVEL)
            d_mean, d_lo, d_hi = t_interval(diff, LEVEL)
            rows.append(
                {
                    "plan": plan,
                    "kpi": kpi.key,
                    "label": kpi.label,
                    "unit": kpi.unit,
                    "value": mean,
                    "value_lo": lo,
                    "value_hi": hi,
                    "baseline": float(base[kpi.key].mean()),
                    "delta": d_mean,
                    "delta_lo": d_lo,
                    "delta_hi": d_hi,
                    "pairs": len(diff),
                }
            )
    return pd.DataFrame(rows)


def pooled_resolution(quarters: pd.DataFrame) -> pd.DataFrame:
    """Quarterly resolution rate per plan, pooling the cases of all seeds."""
    pooled = quarters.groupby(["plan", "quarter", "label"], sort=False, as_index=False)[
        ["cases_resolved", "closed"]
    ].sum()
    pooled["resolution_rate"] = ratio(pooled.cases_resolved, pooled.closed)
    return pooled


def cliffs(
    quarters: pd.DataFrame, baseline: str, from_year: int, threshold: float | None, drop: float
) -> dict[str, str | None]:
    """First quarter from `from_year` in which a plan's pooled resolution falls below the threshold: an
    absolute rate if given, else `drop` (a share) below the baseline plan's resolution in the same quarter.
    None when it never does."""
    pooled = pooled_resolution(quarters[quarters.year >= from_year])
    base = pooled[pooled.plan == baseline].set_index("quarter").resolution_rate
    out: dict[str, str | None] = {}
    for plan, mine in pooled.groupby("plan", sort=False):
        mine = mine.set_index("quarter")
        limit = threshold if threshold is not None else (1 - drop) * base.reindex(mine.index)
        below = mine[mine.resolution_rate < limit]
        out[plan] = str(below.label.iloc[0]) if len(below) else None
    return out
