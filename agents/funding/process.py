"""Step 1 of the week, funding and budgets: money comes in by plan, is paid out by line, and sets the week's
service levels that every other process reads.

On the first week of a budget year the plan sets the posts, the funder and the local government commit their
money line by line (`agents.funding.payers`) and the ledger books it. Every week civil servants are paid from
routine payroll, donor contracts from the worker-contract line (a contract the line cannot pay to the year's
end ends now), and each programme line spends up to its weekly need, paced so the year's money lasts. The
funded share of each line is its service level this week; referral terms and partner capacity follow from
coordination, the legal anchor and the programme's shortfall (`agents.agency`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from agents.agency import ReferralTerms, capacity_factor, referral_terms
from agents.draws import Draws
from agents.funding.ledger import Ledger
from agents.funding.payers import (
    PROGRAMME_LINES,
    Funder,
    LocalGovernment,
    affordable_contracts,
    planned_costs,
    weekly_allowance,
)
from agents.funding.plan import effective_plan
from agents.training import session_weeks, sessions_in_year
from scenarios.schema import EMPLOYERS, Config

if TYPE_CHECKING:
    from mesa import Model

    from agents.workforce import Workforce

DONOR_PAYERS = ("funder", "local")  # who pays the programme lines and donor contracts, in this order


@dataclass(frozen=True)
class ServiceLevels:
    """What this week's money buys, each 0 (nothing) to 1 (fully funded) unless said otherwise."""

    mentoring: float  # funded share of the mentoring line
    cms: float  # share of the shared case-management system that works (0 where none is used)
    outreach: float  # outreach intensity: funded share x the hub's ramp-up
    prevention: float  # prevention intensity: funded share x the hub's ramp-up
    training: float  # funded share of this week's classroom session (0 in weeks without one)
    shortfall: float  # 1 - mean funded share of the programme lines the plan budgets for
    terms: ReferralTerms  # partners' referral acceptance and delay
    partner_capacity: float  # partner capacity relative to its base (coordination gains, funding losses)


class Funding:
    """The funding process: the plan, the two payers (Mesa agents), the ledger, and this week's levels."""

    def __init__(self, model: Model, cfg: Config, n_partners: int, draws: Draws) -> None:
        self.cfg = cfg
        self.plan = effective_plan(cfg)
        self.ledger = Ledger(cfg.n_weeks)
        self.funder = Funder(model, cfg.funding, self.plan)
        self.government = LocalGovernment(model, cfg.funding, self.plan, 52 * cfg.staffing.salary_per_week.donor)
        self.session_weeks = session_weeks(cfg)
        self.n_partners = n_partners
        self.draws = draws
        self.planned: dict[str, float] = {}  # this budget year's planned cost per line

    @property
    def regulation(self) -> str:
        return self.government.regulation

    def positions_in(self, year: int) -> dict[str, int]:
        """Worker positions by employer in a year: the plan's entry, or staffing.workers before its first."""
        entry = self.plan.entry(year)
        counts = self.cfg.staffing.workers if entry is None else entry.positions
        return {e: getattr(counts, e) for e in EMPLOYERS}

    def step(self, week: int, workforce: Workforce, ramp: float) -> ServiceLevels:
        cfg, ledger, weeks_left = self.cfg, self.ledger, 52 - week % 52
        if week % 52 == 0:
            self._new_budget_year(week, workforce)
        self._pay_salaries(week, workforce, weeks_left)

        funded = {}
        for line in PROGRAMME_LINES:
            need = self.planned[line]
            budget = weekly_allowance(need, ledger.available(line, DONOR_PAYERS), weeks_left)
            weekly_need = need / 52  # > 0 also for a tiny cost (5e-324 / 52 is 0)
            funded[line] = ledger.spend(week, line, budget, DONOR_PAYERS) / weekly_need if weekly_need > 0 else 0.0
        budgeted = [funded[line] for line in PROGRAMME_LINES if self.planned[line] > 0]
        shortfall = 1.0 - float(np.mean(budgeted)) if budgeted else 0.0
        cms = funded["case_management_system"] if cfg.coordination.shared_cms else 0.0
        employer_groups = sum(n > 0 for n in workforce.counts.values())
        return ServiceLevels(
            mentoring=funded["mentoring"],
            cms=cms,
            outreach=funded["outreach"] * ramp,
            prevention=funded["prevention"] * ramp,
            training=self._classroom(week, len(workforce)),
            shortfall=shortfall,
            terms=referral_terms(cfg.coordination, self.regulation, cms, self.n_partners, employer_groups),
            partner_capacity=capacity_factor(cfg.coordination, self.regulation, shortfall, ramp),
        )

    def _new_budget_year(self, week: int, workforce: Workforce) -> None:
        """The plan sets this year's posts; both payers commit their money for each line."""
        cfg = self.cfg
        year = cfg.run.start_year + week // 52
        workforce.follow_plan(self.positions_in(year), week)
        sessions = sessions_in_year(self.session_weeks, week)
        self.planned = planned_costs(cfg, sum(workforce.positions.values()), workforce.positions["donor"], sessions)
        pickup_draw = float(self.draws.keyed("pickup", year))  # the year's luck, the same for every plan
        for payer, amounts in (
            ("funder", self.funder.commitment(year, self.planned)),
            ("local", self.government.commitment(year, self.planned, self.funder, pickup_draw)),
        ):
            for line, amount in amounts.items():
                self.ledger.receive(payer, line, amount)

    def _pay_salaries(self, week: int, workforce: Workforce, weeks_left: int) -> None:
        """Civil servants (national, local) are on routine payroll, paid as they go. Donor contracts are paid
        from the worker-contract line (funder money, then local co-financing or pickup); contracts the line
        cannot pay to the end of the year end now."""
        workforce.end_contracts_beyond(self._affordable_contracts(weeks_left, len(workforce)), week)
        for employer, payroll in workforce.payroll(self.cfg.staffing.salary_per_week).items():
            if employer == "donor":
                self.ledger.spend(week, "worker_contracts", payroll, DONOR_PAYERS)
            else:
                self.ledger.receive(employer, "worker_contracts", payroll)
                self.ledger.spend(week, "worker_contracts", payroll, (employer,))

    def _classroom(self, week: int, n_workers: int) -> float:
        """The funded share of this week's classroom session (free sessions are fully funded)."""
        if week not in self.session_weeks or not n_workers:
            return 0.0
        need = self.cfg.training.session_cost_per_worker * n_workers
        return self.ledger.spend(week, "training", need, DONOR_PAYERS) / need if need > 0 else 1.0

    def _affordable_contracts(self, weeks_left: int, n_workers: int) -> int:
        available = self.ledger.available("worker_contracts", DONOR_PAYERS)
        return affordable_contracts(available, self.cfg.staffing.salary_per_week.donor, weeks_left, n_workers)

    def can_pay(self, employer: str, workforce: Workforce, week: int) -> bool:
        """Civil-service posts are always funded; a donor contract is offered for a year, so only when the line
        holds a year's pay for it (contracts already running are kept while it can pay them to the year's end:
        `_pay_salaries`). Offering contracts that only the rest of this budget year could pay would hire in
        the autumn and lay off in January."""
        if employer != "donor":
            return True
        return self._affordable_contracts(52, len(workforce)) > workforce.count("donor")
