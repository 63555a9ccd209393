"""Paired comparison of plans run on the same seeds: per-seed differences against a baseline plan, their mean
and 90% t-interval, and the resolution cliff. The KPIs are outcomes of the registry (sim/outcomes.py), over
the whole horizon or the transition window (computed by `Results.window` when the plans run).

Because every plan sees the same families and shocks for a given seed (common random numbers), the
difference plan - baseline is taken seed by seed; its spread is far smaller than that of unpaired runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from experiments.common.tables import ratio, t_interval
from experiments.plans.runner import AFTER
from sim.outcomes import OUTCOMES

LEVEL = 0.90


@dataclass(frozen=True)
class Kpi:
    key: str  # an outcome's key, with AFTER for its value over the transition window
    label: str
    unit: str  # the outcome's unit (sim/outcomes.py)
    better: int  # +1 higher is better, -1 lower is better, 0 neither (who pays)

    @classmethod
    def of(cls, key: str, window: bool = False) -> Kpi:
        """An outcome of the registry, over the whole horizon or the transition window."""
        o = OUTCOMES[key]
        span = "transition window" if window else "whole horizon" if o.windowed else ""
        return cls(key + AFTER if window else key, f"{o.label}, {span}" if span else o.label, o.unit, o.better)


KPIS = (
    Kpi.of("effective_coverage"),
    Kpi.of("effective_coverage", window=True),
    Kpi.of("children_served", window=True),
    Kpi.of("children_found", window=True),
    Kpi.of("children_harmed", window=True),
    Kpi.of("unmet_need", window=True),
    Kpi.of("resolution_rate"),
    Kpi.of("resolution_rate", window=True),
    Kpi.of("cases_opened", window=True),
    Kpi.of("mean_backlog"),
    Kpi.of("median_weeks_to_resolution"),
    Kpi.of("incidence_per_1000_child_years"),
    Kpi.of("incidence_per_1000_child_years", window=True),
    Kpi.of("turnover_per_year"),
    Kpi.of("spend_funder"),
    Kpi.of("spend_local"),
    Kpi.of("spend_national"),
    Kpi.of("spend_total"),
    Kpi.of("cost_per_resolved_case"),
    Kpi.of("sustainability_index"),
)


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
