"""The local government: routine budget lines, and late or partial pickup of what the funder withdraws.

Pickup replaces `pickup_share` of the money the funder withdrew `pickup_delay_years` earlier. Whether it
happens in a given year depends on the legal anchor: a regional law makes it reliable (and binds agencies to
referrals); under a mayoral regulation it happens with `mayoral_pickup_reliability`; with no regulation it
rests on leadership commitment (000 l.715, l.723; 001 l.140).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent

from agents.funder import Funder
from sim.config import BUDGET_LINES, FundingConfig
from sim.ledger import Ledger

if TYPE_CHECKING:
    from sim.model import CPModel


class LocalGovernment(Agent):
    def __init__(self, model: CPModel, funding: FundingConfig) -> None:
        super().__init__(model)
        self.funding = funding
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
        lagged = year - self.funding.pickup_delay_years
        withdrawn = getattr(self.funding.funder_share, line) - funder.share(line, lagged)
        return self.funding.pickup_share * max(0.0, withdrawn)

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
        for line in BUDGET_LINES:
            share = getattr(self.funding.local_share, line)
            if picks_up:
                share += self.pickup_share(line, year, funder)
            ledger.receive("local", line, share * planned[line])
