"""Prevention: primary (awareness campaigns) and secondary (early intervention for at-risk families).

Both scale with how much of the prevention line is funded this week. Awareness rises toward 1 with the
campaign and drifts back to each family's starting level without it (000 l.611); early intervention reaches
a number of families with two or more vulnerabilities per year and lowers their hazard for a while.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agents.family import FamilyPopulation
from scenarios.schema import Config, PreventionConfig

if TYPE_CHECKING:
    from agents.draws import Draws
    from sim.metrics import WeeklyMetrics


def prevent(fam: FamilyPopulation, prev: PreventionConfig, intensity: float, week: int, draws: Draws) -> int:
    """This week's prevention; returns how many families got an early intervention. Each at-risk family is
    reached with the chance that gives the funded number a week on average, so more money reaches the same
    families and more (one uniform per at-risk family a week)."""
    fam.update_awareness(
        prev.awareness_gain_per_week * intensity, prev.awareness_decay_per_week, prev.protection_lag_weeks
    )
    expected = prev.early_intervention_families_per_year / 52 * intensity
    if expected <= 0 or len(fam.at_risk) == 0:
        return 0
    u = draws.per_family("early_intervention", week, len(fam.at_risk))
    chosen = fam.at_risk[u < expected / len(fam.at_risk)]
    fam.protect(chosen, week + prev.early_intervention_weeks)
    return len(chosen)


class Prevention:
    """Step 2 of the week: awareness campaigns and early intervention, as far as the prevention line is funded."""

    FEEDS = ("early_interventions",)

    def __init__(self, cfg: Config, families: FamilyPopulation, metrics: WeeklyMetrics, draws: Draws) -> None:
        self.prevention = cfg.prevention
        self.families = families
        self.metrics = metrics
        self.draws = draws

    def step(self, week: int, intensity: float) -> None:
        k = prevent(self.families, self.prevention, intensity, week, self.draws)
        if k:
            self.metrics.early_interventions[week] = k
