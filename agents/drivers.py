"""Exogenous drivers, fixed before the run: the economy's stress (trend and scheduled shocks), the school year,
and the hub's opening and ramp-up. Nothing in the city changes them; every process reads this week's values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scenarios.schema import CASE_TYPES, Config


@dataclass(frozen=True)
class Week:
    """One week's drivers."""

    stress: np.ndarray  # economic stress multiplier per case type
    detection: float  # multiplier on every detection channel (a shock may close schools and stop visits)
    season: np.ndarray  # multiplier per case type on the hazard and on the schools' channel (1 on average)
    ramp: float  # how far the hub has grown toward full strength (0 before it opens, 1 at full strength)


@dataclass(frozen=True)
class Drivers:
    stress: np.ndarray  # (weeks, case types)
    detection: np.ndarray  # (weeks,)
    season: np.ndarray  # (weeks, case types)
    ramp: np.ndarray  # (weeks,)

    @classmethod
    def from_config(cls, cfg: Config) -> Drivers:
        stress, detection = shocks_by_week(cfg)
        return cls(stress, detection, season_by_week(cfg), ramp_by_week(cfg))

    def step(self, week: int) -> Week:
        return Week(self.stress[week], float(self.detection[week]), self.season[week], float(self.ramp[week]))


def shocks_by_week(cfg: Config) -> tuple[np.ndarray, np.ndarray]:
    """Economic stress multiplier for each week and case type (a yearly trend plus scheduled shocks, each
    reaching the case types it names), and each week's detection multiplier (a shock may close schools and
    stop home visits)."""
    years = cfg.run.start_year + np.arange(cfg.n_weeks) / 52.0
    trend = (1.0 + cfg.economy.stress_trend_per_year) ** np.floor(years - cfg.run.start_year)
    stress = np.repeat(trend[:, None], len(CASE_TYPES), axis=1)
    detection = np.ones(cfg.n_weeks)
    for shock in cfg.economy.shocks:
        on = (years >= shock.year) & (years < shock.year + shock.duration_years)
        reached = np.isin(np.array(CASE_TYPES), shock.harm_types)
        stress[np.ix_(on, reached)] *= 1.0 + shock.magnitude
        detection[on] *= shock.detection_factor
    # round so the hazard matvec is only redone when stress really changes
    return np.round(stress, 6), detection


def season_by_week(cfg: Config) -> np.ndarray:
    """Each week's multiplier on each case type's hazard and on the schools' (agency) channel finding it, 1 on
    average over a year: pupils drop out between school years and schools notice them when they do not come
    back at the school year's start; the other types have no season."""
    harm = cfg.harm
    season = np.ones((cfg.n_weeks, len(CASE_TYPES)))
    weeks = harm.school_year_start_weeks
    in_window = (np.arange(cfg.n_weeks) % 52 - (harm.school_year_start_week - 1)) % 52 < weeks
    share = harm.dropout_at_school_year_start
    season[:, CASE_TYPES.index("school_dropout")] = np.where(
        in_window, share * 52 / weeks, (1.0 - share) * 52 / (52 - weeks)
    )
    return season


def ramp_by_week(cfg: Config) -> np.ndarray:
    """How far the hub has grown toward full strength each week: 0 before it opens, then linearly to 1 over
    `ramp_up_years` (outreach, prevention, its agency links and the partner capacity it coordinates)."""
    coord = cfg.coordination
    opening = coord.opening_year or cfg.run.start_year
    years = cfg.run.start_year + np.arange(cfg.n_weeks) / 52.0 - opening
    if coord.ramp_up_years < 1 / 52:  # under a week: open at full strength
        return (years >= 0).astype(np.float64)
    return np.clip(years / coord.ramp_up_years, 0.0, 1.0)
