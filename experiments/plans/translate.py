"""Plan -> model config: a scenario's config with the plan written into its `transition` section.

The plan's year-by-year changes become full plan entries (every line, every employer), one per year in which
something changes, starting at the scenario's first year with the scenario's own funder shares and positions.
So a plan that says nothing about a year keeps the year before; a plan with no years keeps the funder in.
"""

from __future__ import annotations

import copy
from typing import Any

from experiments.plans.plan_file import Plan, PlanError
from scenarios.schema import BUDGET_LINES, EMPLOYERS, Config, TransitionYear
from scenarios.validate import ConfigError, config_from_dict


def plan_config(plan: Plan, scenario: dict[str, Any]) -> Config:
    """The scenario's config with the plan applied; raises PlanError naming the plan file and field."""
    base = config_from_dict(scenario)
    first, last = base.run.start_year, base.run.end_year - 1
    for section in ("funder_share", "local_budget", "hiring"):
        for year in getattr(plan, section):
            if not first <= year <= last:
                raise PlanError(
                    f"{plan.path}: {section}.{year}: year outside the horizon; expected a year in "
                    f"[{first}, {last}] (scenario {base.run.name})"
                )

    shares = {line: getattr(base.funding.funder_share, line) for line in BUDGET_LINES}
    positions = {e: getattr(base.staffing.workers, e) for e in EMPLOYERS}
    budget = TransitionYear().local_budget  # no limit until the plan sets one
    entries = []
    for year in sorted(plan.years() | {first}):
        shares.update(plan.funder_share.get(year, {}))
        positions.update(plan.hiring.get(year, {}))
        budget = plan.local_budget.get(year, budget)
        for line, share in shares.items():
            routine = getattr(base.funding.local_share, line)
            if share + routine > 1.0 + 1e-9:
                raise PlanError(
                    f"{plan.path}: funder_share.{year}.{line}: {share:g} is not allowed; expected at most "
                    f"{1 - routine:g} (the scenario's local government already pays {routine:g} of this line)"
                )
        entries.append(
            {"year": year, "funder_share": dict(shares), "local_budget": budget, "positions": dict(positions)}
        )

    data = copy.deepcopy(scenario)
    data["transition"] = {
        "years": entries,
        "pickup_share": dict(plan.pickup_share),
        "pickup_delay_years": dict(plan.pickup_delay_years),
    }
    if plan.cut_order:
        data["transition"]["cut_order"] = list(plan.cut_order)
    if plan.legal_anchor is not None:
        data.setdefault("funding", {})["regulation"] = plan.legal_anchor
    try:
        return config_from_dict(data)
    except ConfigError as exc:
        raise PlanError(f"{plan.path}: {exc}") from None
