"""The funder (UNICEF, ECPAT): yearly money by budget line, and a plan for withdrawing it.

Before the withdrawal starts the funder pays `funder_share` of each line's planned cost; from
`withdrawal_start_year` that share falls to zero at once (abrupt), in equal steps over `taper_years` (linear),
or geometrically (exponential: ~5% left after `taper_years`, nothing after twice that). 000 l.753.
A transition plan (`transition.years`), when given, replaces that shape: the funder pays the plan entry's
share of each line, year by year.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from mesa import Agent

from scenarios.schema import BUDGET_LINES, FundingConfig, TransitionConfig
from sim.ledger import Ledger

if TYPE_CHECKING:
    from sim.model import CPModel


def withdrawal_factor(funding: FundingConfig, year: int) -> float:
    """Share of its original commitment the funder still pays in `year` (1 before the withdrawal starts)."""
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


def plan_withdrawal_start(funding: FundingConfig, transition: TransitionConfig) -> int | None:
    """First plan year in which the funder pays less than its original commitment on some line."""
    for entry in transition.years:
        if any(getattr(entry.funder_share, ln) < getattr(funding.funder_share, ln) for ln in BUDGET_LINES):
            return entry.year
    return None


def plan_exit_year(transition: TransitionConfig) -> int | None:
    """Start of the final run of plan entries in which the funder pays nothing on any line."""
    exit_year = None
    for entry in reversed(transition.years):
        if any(getattr(entry.funder_share, line) > 0 for line in BUDGET_LINES):
            break
        exit_year = entry.year
    return exit_year


class Funder(Agent):
    def __init__(self, model: CPModel, funding: FundingConfig, transition: TransitionConfig | None = None) -> None:
        super().__init__(model)
        self.funding = funding
        self.transition = transition or TransitionConfig()

    def share(self, line: str, year: int) -> float:
        entry = self.transition.entry(year)
        if entry is not None:
            return getattr(entry.funder_share, line)
        if self.transition.years:  # before a plan's first entry: the original commitment
            return getattr(self.funding.funder_share, line)
        return getattr(self.funding.funder_share, line) * withdrawal_factor(self.funding, year)

    def withdrawal_start_year(self) -> int | None:
        """First year the funder pays less than its original commitment on some line (None if it never does)."""
        if not self.transition.years:
            return None if self.funding.withdrawal_shape == "none" else self.funding.withdrawal_start_year
        return plan_withdrawal_start(self.funding, self.transition)

    def exit_year(self) -> int | None:
        """First year in which the funder pays nothing, if that happens before the plan runs out."""
        if self.transition.years:
            return plan_exit_year(self.transition)
        f = self.funding
        if f.withdrawal_shape == "none":
            return None
        year = f.withdrawal_start_year
        while withdrawal_factor(f, year) > 0 and year < f.withdrawal_start_year + 200:
            year += 1
        return year

    def disburse(self, year: int, planned: dict[str, float], ledger: Ledger) -> None:
        for line in BUDGET_LINES:
            ledger.receive("funder", line, self.share(line, year) * planned[line])
