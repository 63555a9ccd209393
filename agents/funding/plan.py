"""The funding-transition plan in force: one path for the funder's withdrawal and the local pickup.

A config either carries a plan (`transition.years`, written by `cpsim-plans`) or the simple withdrawal
parameters of the `funding` section (shape, start year, taper, pickup share and delay). `effective_plan`
compiles the simple parameters into a plan, year by year over the horizon, so the funder and the local
government read one kind of plan whatever the user wrote (000 l.753: a gradual handover).
"""

from __future__ import annotations

import math
from functools import cache

from scenarios.schema import (
    BUDGET_LINES,
    Config,
    EmployerCounts,
    FundingConfig,
    LineValues,
    LineYears,
    TransitionConfig,
    TransitionYear,
)

NO_BUDGET_LIMIT = math.inf


def withdrawal_factor(funding: FundingConfig, year: int) -> float:
    """Share of its original commitment the funder still pays in `year` (1 before the withdrawal starts):
    nothing from the start year (abrupt), equal steps over `taper_years` (linear), or geometric decay with ~5%
    left after `taper_years` and nothing after twice that (exponential)."""
    shape, start, taper = funding.withdrawal_shape, funding.withdrawal_start_year, funding.taper_years
    if shape == "none" or year < start:
        return 1.0
    years_in = year - start + 1
    if shape == "abrupt" or taper <= 0:
        return 0.0
    if shape == "linear":
        return max(0.0, 1.0 - years_in / taper)
    if years_in >= 2 * taper:  # exponential
        return 0.0
    return math.exp(-3.0 * years_in / taper)


def effective_plan(cfg: Config) -> TransitionConfig:
    """The plan the run follows: the config's own, or the one compiled from the funding section."""
    return cfg.transition if cfg.transition.years else _compiled(_key(cfg))


def _key(cfg: Config) -> tuple:
    f, s = cfg.funding, cfg.staffing.workers
    shares = tuple(getattr(f.funder_share, line) for line in BUDGET_LINES)
    return (
        cfg.run.start_year,
        cfg.run.end_year,
        shares,
        (s.national, s.local, s.donor),
        f.withdrawal_shape,
        f.withdrawal_start_year,
        f.taper_years,
        f.pickup_share,
        f.pickup_delay_years,
    )


@cache
def _compiled(key: tuple) -> TransitionConfig:
    start, end, shares, staff, shape, w_start, taper, pickup, delay = key
    funding = FundingConfig(withdrawal_shape=shape, withdrawal_start_year=w_start, taper_years=taper)
    years = []
    for year in range(start, end):
        factor = withdrawal_factor(funding, year)
        years.append(
            TransitionYear(
                year=year,
                funder_share=LineValues(*(share * factor for share in shares)),
                local_budget=NO_BUDGET_LIMIT,
                positions=EmployerCounts(*staff),
            )
        )
    return TransitionConfig(
        years=years,
        pickup_share=LineValues(*(pickup for _ in BUDGET_LINES)),
        pickup_delay_years=LineYears(*(delay for _ in BUDGET_LINES)),
    )


def plan_withdrawal_start(funding: FundingConfig, plan: TransitionConfig) -> int | None:
    """First plan year in which the funder pays less than its original commitment on some line."""
    for entry in plan.years:
        if any(getattr(entry.funder_share, ln) < getattr(funding.funder_share, ln) for ln in BUDGET_LINES):
            return entry.year
    return None


def plan_exit_year(plan: TransitionConfig) -> int | None:
    """Start of the final run of plan entries in which the funder pays nothing on any line."""
    exit_year = None
    for entry in reversed(plan.years):
        if any(getattr(entry.funder_share, line) > 0 for line in BUDGET_LINES):
            break
        exit_year = entry.year
    return exit_year
