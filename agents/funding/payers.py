"""The payers: the funder's withdrawal, the local government's pickup, and how a budget year's money is paced.

Both payers follow one plan (`agents.funding.plan.effective_plan`): the funder pays the plan entry's share
of each line's planned cost; the local government pays its routine share plus, when pickup happens, the
plan's pickup share of what the funder withdrew `delay` years earlier, capped by the year's local budget
(lines cut in the plan's cut order). Whether pickup happens depends on the legal anchor: a regional law makes
it reliable; under a mayoral regulation it happens with `mayoral_pickup_reliability`; with no regulation it
rests on leadership commitment (000 l.629, l.715, l.723, l.753; 001 l.140).

The payers return amounts; the funding process (`agents.funding.process`) books them in its ledger.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent

from agents.funding.plan import plan_exit_year, plan_withdrawal_start
from scenarios.schema import BUDGET_LINES, Config, FundingConfig, TransitionConfig

if TYPE_CHECKING:
    from mesa import Model

PROGRAMME_LINES = ("mentoring", "case_management_system", "outreach", "prevention")


class Funder(Agent):
    """The international organisation (UNICEF, ECPAT): pays its plan's share of each line, year by year."""

    def __init__(self, model: Model, funding: FundingConfig, plan: TransitionConfig) -> None:
        super().__init__(model)
        self.funding = funding
        self.plan = plan

    def share(self, line: str, year: int) -> float:
        """Share of the line's planned cost the funder pays in `year` (its original commitment before the plan)."""
        entry = self.plan.entry(year)
        return getattr((self.funding if entry is None else entry).funder_share, line)

    def commitment(self, year: int, planned: dict[str, float]) -> dict[str, float]:
        return {line: self.share(line, year) * planned[line] for line in BUDGET_LINES}

    def withdrawal_start_year(self) -> int | None:
        """First year the funder pays less than its original commitment on some line (None if never)."""
        return plan_withdrawal_start(self.funding, self.plan)

    def exit_year(self) -> int | None:
        """First year of the funder paying nothing, if that happens within the plan."""
        return plan_exit_year(self.plan)


class LocalGovernment(Agent):
    """The city or regency: routine budget lines, and late or partial pickup of what the funder withdraws."""

    def __init__(self, model: Model, funding: FundingConfig, plan: TransitionConfig, contract_year: float) -> None:
        super().__init__(model)
        self.funding = funding
        self.plan = plan
        self.contract_year = contract_year  # a donor contract's cost for a year: the city budgets whole posts
        self.regulation = funding.regulation
        self.pickup_years: list[int] = []  # years in which pickup actually happened

    def pickup_happens(self, draw: float) -> bool:
        """Whether the pickup happens this year; `draw` is the year's uniform (the same for every plan and
        regulation level, so they share the year's luck)."""
        if self.regulation == "regional_law":
            return True
        if self.regulation == "mayoral":
            return draw < self.funding.mayoral_pickup_reliability
        return draw < self.funding.leadership_commitment

    def pickup_share(self, line: str, year: int, funder: Funder) -> float:
        """Share of the line's planned cost picked up in `year` (before the reliability draw)."""
        delay = getattr(self.plan.pickup_delay_years, line)
        withdrawn = getattr(self.funding.funder_share, line) - funder.share(line, year - delay)
        return getattr(self.plan.pickup_share, line) * max(0.0, withdrawn)

    def commitment(self, year: int, planned: dict[str, float], funder: Funder, draw: float) -> dict[str, float]:
        picks_up = self.pickup_happens(draw)
        if picks_up and any(self.pickup_share(line, year, funder) > 0 for line in BUDGET_LINES):
            self.pickup_years.append(year)
        amounts = {}
        for line in BUDGET_LINES:
            share = getattr(self.funding.local_share, line)
            if picks_up:
                share += self.pickup_share(line, year, funder)
            amounts[line] = share * planned[line]
        amounts["worker_contracts"] = self._whole_contracts(amounts["worker_contracts"], funder, year, planned)
        entry = self.plan.entry(year)
        if entry is not None:
            amounts = cut_to_budget(amounts, entry.local_budget, self.plan.cut_order)
        return amounts

    def _whole_contracts(self, local: float, funder: Funder, year: int, planned: dict[str, float]) -> float:
        """The city budgets posts, not fractions of them: when it pays into the worker-contract line, it rounds
        the line's money (the funder's and its own) to the nearest whole contract-year. Without this, a small
        city whose line could pay 1.98 contracts would keep one, and its staff would fall far more per child
        than a large city's (scenarios/scale.py)."""
        if local <= 0 or self.contract_year <= 0:
            return local
        from_funder = funder.share("worker_contracts", year) * planned["worker_contracts"]
        whole = round((from_funder + local) / self.contract_year) * self.contract_year
        return max(0.0, whole - from_funder)

    def response_lag_years(self) -> float:
        """Mean delay before pickup across the budget lines, as the plan sets it."""
        return float(np.mean([getattr(self.plan.pickup_delay_years, line) for line in BUDGET_LINES]))


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


def planned_costs(cfg: Config, n_staff: int, n_donor: int, sessions: int) -> dict[str, float]:
    """Planned cost per budget line for a year (Rp m): what full delivery of the programme would cost."""
    return {
        "training": sessions * n_staff * cfg.training.session_cost_per_worker,
        "mentoring": 52 * n_staff * cfg.training.mentoring_cost_per_worker_week * cfg.training.mentoring,
        "case_management_system": cfg.funding.cms_cost_per_year * cfg.coordination.shared_cms,
        "outreach": cfg.funding.outreach_cost_per_year,
        "worker_contracts": 52 * n_donor * cfg.staffing.salary_per_week.donor,
        "prevention": cfg.funding.prevention_cost_per_year,
    }


def weekly_allowance(year_need: float, available: float, weeks_left: int) -> float:
    """This week's money for a line: its weekly need, paced so the year's money lasts until December."""
    return min(year_need / 52, available / weeks_left)


def affordable_contracts(available: float, salary_per_week: float, weeks_left: int, n_workers: int) -> int:
    """How many donor contracts the worker-contract line can pay until the end of the budget year."""
    cost = salary_per_week * weeks_left
    if cost <= 0:
        return n_workers
    return int(available / cost + 1e-6)
