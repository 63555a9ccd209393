"""The local government: routine budget lines, and late or partial pickup of what the funder withdraws.

Pickup replaces `pickup_share` of the money the funder withdrew `pickup_delay_years` earlier. Whether it
happens in a given year depends on the legal anchor: a regional law makes it reliable (and binds agencies to
referrals); under a mayoral regulation it happens with `mayoral_pickup_reliability`; with no regulation it
rests on leadership commitment (000 l.715, l.723; 001 l.140).

Under a transition plan (`transition.years`) the pickup share and delay are set per line, and the year's
local budget caps the programme money: when routine shares plus pickup exceed it, lines are cut in the plan's
cut order (the first listed loses its money first).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent

from agents.funder import Funder
from scenarios.schema import BUDGET_LINES, FundingConfig, TransitionConfig
from sim.ledger import Ledger

if TYPE_CHECKING:
    from sim.model import CPModel


def cut_to_budget(amounts: dict[str, float], budget: float, cut_order: list[str]) -> dict[str, float]:
    """Reduce line amounts until they fit the budget, emptying lines in cut order (unlisted lines last)."""
    excess = sum(amounts.values()) - budget
    if excess <= 0:
        return amounts
    cut = dict(amounts)
    order = [*cut_order, *(line for line in BUDGET_LINES if line not in cut_order)]
    for line in order:
        take = min(cut[line], excess)
        cut[line] -= take
        excess -= take
        if excess <= 0:
            break
    return cut


class LocalGovernment(Agent):
    def __init__(self, model: CPModel, funding: FundingConfig, transition: TransitionConfig | None = None) -> None:
        super().__init__(model)
        self.funding = funding
        self.transition = transition or TransitionConfig()
        self.regulation = funding.regulation
        self.pickup_years: list[int] = []  # years in which pickup actually happened

    def pickup_happens(self, rng: np.random.Generator) -> bool:
        draw = rng.random()  # always drawn, so the stream stays aligned across regulation levels
        if self.regulation == "regional_law":
            return True
        if self.regulation == "mayoral":
            return draw < self.funding.mayoral_pickup_reliability
        return draw < self.funding.leadership_commitment

    def pickup_share(self, line: str, year: int, funder: Funder) -> float:
        """Share of the line's planned cost picked up in `year` (before the reliability draw)."""
        share, delay = self.funding.pickup_share, self.funding.pickup_delay_years
        if self.transition.years:
            share = getattr(self.transition.pickup_share, line)
            delay = getattr(self.transition.pickup_delay_years, line)
        withdrawn = getattr(self.funding.funder_share, line) - funder.share(line, year - delay)
        return share * max(0.0, withdrawn)

    def disburse(
        self,
        year: int,
        planned: dict[str, float],
        funder: Funder,
        ledger: Ledger,
        rng: np.random.Generator,
    ) -> None:
        picks_up = self.pickup_happens(rng)
        if picks_up and any(self.pickup_share(line, year, funder) > 0 for line in BUDGET_LINES):
            self.pickup_years.append(year)
        amounts = {}
        for line in BUDGET_LINES:
            share = getattr(self.funding.local_share, line)
            if picks_up:
                share += self.pickup_share(line, year, funder)
            amounts[line] = share * planned[line]
        entry = self.transition.entry(year)
        if entry is not None:
            amounts = cut_to_budget(amounts, entry.local_budget, self.transition.cut_order)
        for line in BUDGET_LINES:
            ledger.receive("local", line, amounts[line])
