"""One city at any size: a scenario's per-city counts follow its number of children.

A scenario writes its counts for one city: staff posts, supervisors, partner capacities, yearly programme
costs, early interventions a year, and a transition plan's posts and budgets. Those counts are for
`population.reference_children` children. Running the scenario with another `population.n_children` runs the
same city at that size, not a new city: every per-city count is multiplied by n_children / reference_children.
Per-child, per-case and per-worker quantities (hazards, detection chances, work per case, salaries, caseload
norms) are left as they are.

Rounding keeps a small city sensible: staff posts are integers, shared out over employers by largest
remainder so their total is the scaled total rounded, and an employer with posts keeps at least one.
Supervisors are full-time posts and may be a fraction (a part-time or shared supervisor): supervision works
through the ratio of supervisors to workers, which rounding would change in a small city. A partner that
exists keeps a capacity of at least one case a week: a partner is at least one person, and a partner scaled
below that would take weeks over every case and queue referrals for months where the full city's serves them
in days. Costs and budgets are continuous.

`at_size` returns the config of the city as run, with reference_children set to n_children, so scaling it
again changes nothing, and the resolved config a run records reproduces the run.
"""

from __future__ import annotations

import dataclasses
import math

from scenarios.schema import EMPLOYERS, PARTNER_AGENCIES, Config, EmployerCounts

UNLIMITED_BUDGET = 1e9  # a plan's local budget at or above this means "no limit" (the schema's default)


def scale_of(cfg: Config) -> float:
    """The factor a run applies to the scenario's per-city counts (1 when they are for this size)."""
    pop = cfg.population
    return pop.n_children / pop.reference_children if pop.reference_children else 1.0


def at_size(cfg: Config) -> Config:
    """The city of `cfg` at its own number of children (see the module docstring)."""
    s = scale_of(cfg)
    if s == 1.0:
        return cfg
    staffing = dataclasses.replace(
        cfg.staffing,
        workers=posts(cfg.staffing.workers, s),
        supervisors=s * cfg.staffing.supervisors,
    )
    capacity = cfg.coordination.agency_capacity_per_week
    scaled = {a: partner_capacity(getattr(capacity, a), s) for a in PARTNER_AGENCIES}
    coordination = dataclasses.replace(
        cfg.coordination, agency_capacity_per_week=dataclasses.replace(capacity, **scaled)
    )
    funding = dataclasses.replace(
        cfg.funding,
        cms_cost_per_year=s * cfg.funding.cms_cost_per_year,
        outreach_cost_per_year=s * cfg.funding.outreach_cost_per_year,
        prevention_cost_per_year=s * cfg.funding.prevention_cost_per_year,
    )
    prevention = dataclasses.replace(
        cfg.prevention, early_intervention_families_per_year=s * cfg.prevention.early_intervention_families_per_year
    )
    years = [
        dataclasses.replace(
            entry,
            positions=posts(entry.positions, s),
            local_budget=entry.local_budget if entry.local_budget >= UNLIMITED_BUDGET else s * entry.local_budget,
        )
        for entry in cfg.transition.years
    ]
    return dataclasses.replace(
        cfg,
        population=dataclasses.replace(cfg.population, reference_children=cfg.population.n_children),
        staffing=staffing,
        coordination=coordination,
        funding=funding,
        prevention=prevention,
        transition=dataclasses.replace(cfg.transition, years=years),
    )


def partner_capacity(capacity: float, s: float) -> float:
    """A partner's weekly capacity scaled by `s`; one that exists keeps at least one case a week."""
    return max(1.0, s * capacity) if capacity > 0 else 0.0


def posts(counts: EmployerCounts, s: float) -> EmployerCounts:
    """Posts by employer scaled by `s`: the scaled total, rounded, shared out by largest remainder; an employer
    with posts keeps at least one."""
    exact = {e: s * getattr(counts, e) for e in EMPLOYERS}
    out = {e: math.floor(x) for e, x in exact.items()}
    total = round(sum(exact.values()))
    by_remainder = sorted(EMPLOYERS, key=lambda e: (-(exact[e] - out[e]), EMPLOYERS.index(e)))
    for e in by_remainder[: max(0, total - sum(out.values()))]:
        out[e] += 1
    for e in EMPLOYERS:
        if getattr(counts, e) > 0:
            out[e] = max(1, out[e])
    return EmployerCounts(**out)
