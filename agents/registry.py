"""The civil registry's drive (step 2 of the week, beside prevention): a scenario may start with a backlog of
families without birth certificates, which the regency's drive clears (child-friendly-regency action plan,
001 l.152-159).

Over the drive's weeks the registry reaches each family without certificates with a constant weekly chance:
the one that, on its own, brings their number down to the vulnerability draw's steady level by the drive's
last week. It registers at its counter the families with no registration need pending; the ones whose
pending need it cannot settle it passes to the unit as an agency referral (mostly migrant workers' children,
001 l.52; the one-stop service, l.117), which is why registration led the unit's cases in the drive years
(l.138).
"""

from __future__ import annotations

import numpy as np

from agents.draws import Draws
from agents.family import FamilyPopulation
from scenarios.schema import Config


class CivilRegistry:
    def __init__(self, cfg: Config, families: FamilyPopulation, draws: Draws) -> None:
        pop, start = cfg.population, cfg.run.start_year
        self.draws = draws
        unregistered = len(families.unregistered())
        self.weeks: range = range(0)
        self.chance = 0.0
        if pop.unregistered_backlog > 0 and unregistered > families.unregistered_steady:
            first = 52 * max(0, pop.registry_drive_start_year - start)
            self.weeks = range(first, 52 * ((pop.registry_drive_end_year or start) - start + 1))  # 0 = first year
            self.chance = 1.0 - (max(1, families.unregistered_steady) / unregistered) ** (1.0 / len(self.weeks))

    def step(self, week: int, families: FamilyPopulation, ramp: float) -> np.ndarray:
        """This week's drive: registers the families it settles; returns those it refers to the unit. A
        referral goes through the hub's agency links, which grow after the unit opens as the agency channel's
        do (the same uniform, one per family, rescaled); the others stay pending."""
        if week not in self.weeks:
            return np.zeros(0, dtype=np.int64)
        u = self.draws.per_family("registry", week, families.n)
        unregistered = families.unregistered()
        pending = families.reached_by_registry(unregistered[u[unregistered] < self.chance])
        return pending[u[pending] < self.chance * ramp]
