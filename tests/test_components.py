"""Unit behaviour of the pieces: population, withdrawal shapes, referral terms, agencies, assignment."""

from __future__ import annotations

import numpy as np
import pytest

from agents.agency import referral_terms
from agents.draws import Draws
from agents.family import FamilyPopulation
from agents.funding.plan import withdrawal_factor
from agents.hub import assignments
from scenarios.schema import CoordinationConfig, FundingConfig
from scenarios.validate import config_from_dict
from sim.model import CPModel


def test_population_matches_published_vulnerability_shares() -> None:
    cfg = config_from_dict({})
    pop = FamilyPopulation(cfg, Draws(0))
    assert pop.n_children == 137_932
    by_count = np.bincount(pop.vuln_count, weights=pop.children)[1:] / pop.n_children
    np.testing.assert_allclose(by_count, [0.7205, 0.2666, 0.0128], atol=0.006)
    # the number of flags set equals the vulnerability count
    bits = np.unpackbits(pop.vuln_mask[:, None], axis=1).sum(axis=1)
    assert (bits == pop.vuln_count).all()


@pytest.mark.parametrize(
    ("shape", "taper", "expected"),
    [
        ("none", 3, [1, 1, 1, 1, 1]),
        ("abrupt", 3, [1, 0, 0, 0, 0]),
        ("linear", 3, [1, 2 / 3, 1 / 3, 0, 0]),
    ],
)
def test_withdrawal_shapes(shape: str, taper: float, expected: list[float]) -> None:
    f = FundingConfig(withdrawal_shape=shape, withdrawal_start_year=2021, taper_years=taper)
    got = [withdrawal_factor(f, y) for y in range(2020, 2025)]
    np.testing.assert_allclose(got, expected)


def test_exponential_withdrawal_decays_then_stops() -> None:
    f = FundingConfig(withdrawal_shape="exponential", withdrawal_start_year=2021, taper_years=3)
    got = [withdrawal_factor(f, y) for y in range(2020, 2028)]
    assert got[0] == 1 and all(a > b for a, b in zip(got[1:6], got[2:7], strict=False))
    assert got[-1] == 0


def test_coordination_raises_acceptance_and_shortens_delay() -> None:
    weak = CoordinationConfig(hub=False, sop=False, mou=False)
    strong = CoordinationConfig(hub=True, sop=True, mou=True)
    t_weak = referral_terms(weak, "none", cms_level=0.0, n_partners=8)
    t_strong = referral_terms(strong, "regional_law", cms_level=1.0, n_partners=8)
    assert t_strong.acceptance > t_weak.acceptance
    assert t_strong.mean_delay_weeks < t_weak.mean_delay_weeks
    # overlapping roles of several employer groups cost acceptance
    one_group = referral_terms(strong, "mayoral", False, 8, n_employer_groups=1).acceptance
    assert referral_terms(strong, "mayoral", False, 8, n_employer_groups=3).acceptance < one_group
    # more actors without a hub make referral harder
    assert referral_terms(weak, "none", False, 8).acceptance < referral_terms(weak, "none", False, 4).acceptance


def test_agency_serves_at_most_its_capacity_and_skips_closed_cases() -> None:
    model = CPModel(config=config_from_dict({"population": {"n_children": 1000}}), rng=0)
    police = model.partners[2]
    police.capacity_per_week = 2
    for case in range(6):
        assert police.offer(case, 0, 1.0, 0.0, u_accept=0.5, u_delay=0.5)
    assert police.serve(0, lambda c: c != 0) == [1, 2]  # case 0 closed meanwhile: skipped, no slot used
    assert police.serve(1, lambda c: True) == [3, 4]
    assert police.queue_length == 1


def test_hub_assigns_high_severity_first_and_respects_cap() -> None:
    waiting = np.arange(5)
    high = np.array([False, True, False, True, False])
    opened = np.array([0, 3, 1, 2, 4])
    caseloads = np.array([1, 2])
    plenty = np.array([100.0, 100.0])
    pairs = assignments(waiting, high, opened, caseloads, 3, plenty, np.ones(5))
    assert [case for case, _ in pairs] == [3, 1, 0]  # high severity first (oldest first), then the oldest low
    per_worker = np.bincount([w for _, w in pairs], minlength=2)
    assert (caseloads + per_worker <= 3).all()


def test_a_worker_takes_a_case_only_when_its_hours_fit() -> None:
    """Staff time binds: a case goes to the worker with most free hours if it fits there; a big case that fits
    nowhere waits while a smaller one behind it is taken; nobody is given more hours than they have."""
    waiting = np.arange(4)
    high = np.array([True, False, False, False])
    opened = np.array([0, 1, 2, 3])
    hours = np.array([6.0, 2.0, 2.0, 2.0])
    free = np.array([5.0, 3.0])
    pairs = assignments(waiting, high, opened, np.zeros(2), 25, free, hours)
    assert pairs == [(1, 0), (2, 0), (3, 1)]  # the 6-hour case fits nowhere and waits
    taken = np.bincount([w for _, w in pairs], weights=[hours[c] for c, _ in pairs], minlength=2)
    assert (taken <= free).all()
    assert assignments(waiting, high, opened, np.zeros(2), 25, np.array([1.0, 1.5]), hours) == []


def test_an_episode_harms_its_index_child_and_a_share_of_the_siblings() -> None:
    """Neglect is household-wide; sexual exploitation harms the one child (the documented rule)."""
    from agents.family import FamilyPopulation
    from scenarios.schema import CASE_TYPES, Config

    cfg = Config()
    fam = FamilyPopulation(cfg, Draws(0))
    fam.onset_threshold[:] = 0.0  # every family starts an episode this week; the type follows the hazards
    new, kinds = fam.draw_episodes(0, np.ones(len(CASE_TYPES)), np.ones(len(CASE_TYPES)), 0.3, 0.4, 0.3, 0.02)
    harmed, children = fam.harmed[new], fam.children[new]
    neglect, sexual = kinds == CASE_TYPES.index("neglect"), kinds == CASE_TYPES.index("sexual_exploitation")
    assert (harmed[neglect] == children[neglect]).all()
    assert (harmed[sexual] == 1).all()
    assert ((harmed >= 1) & (harmed <= children)).all()


def test_a_resolved_registration_case_registers_the_family_and_lowers_its_trafficking_risk() -> None:
    """Missing birth certificates raise trafficking risk (001 l.138): registering the children removes the flag,
    the registration need and that extra risk, and nothing else."""
    from agents.family import BIT, REGISTRATION
    from scenarios.schema import CASE_TYPES

    cfg = config_from_dict({"population": {"n_children": 20_000}})
    fam = FamilyPopulation(cfg, Draws(0))
    f = int(np.flatnonzero(fam.vuln_mask & BIT["no_birth_certificate"])[0])
    before = fam.base_hazard[f].copy()
    fam.episode[f], fam.known[f] = REGISTRATION, True
    fam.cases_closed(np.array([f]), np.array([True]), week=10, recurrence_window=52)
    assert not fam.vuln_mask[f] & BIT["no_birth_certificate"]
    after = fam.base_hazard[f]
    sexual = CASE_TYPES.index("sexual_exploitation")
    assert after[sexual] == pytest.approx(before[sexual] / cfg.harm.no_birth_certificate_trafficking_risk)
    assert after[REGISTRATION] == pytest.approx(before[REGISTRATION] * cfg.harm.registered_registration_need)
    others = [i for i in range(len(CASE_TYPES)) if i not in (sexual, REGISTRATION)]
    np.testing.assert_allclose(after[others], before[others])
    # an unresolved registration case leaves the family unregistered
    g = int(np.flatnonzero(fam.vuln_mask & BIT["no_birth_certificate"])[0])
    fam.episode[g], fam.known[g] = REGISTRATION, True
    fam.cases_closed(np.array([g]), np.array([False]), week=10, recurrence_window=52)
    assert fam.vuln_mask[g] & BIT["no_birth_certificate"]


def test_the_registry_registers_families_at_its_counter_and_returns_the_pending_needs_for_the_unit() -> None:
    """The civil registry's drive registers a family with no registration need pending, and one whose need the
    unit already has (the case goes on); a family whose need is pending but hidden is returned, unregistered,
    for the registry to pass to the unit (001 l.52, l.117)."""
    from agents.family import BIT, NO_EPISODE, REGISTRATION

    fam = FamilyPopulation(config_from_dict({"population": {"n_children": 20_000}}), Draws(0))
    unregistered = np.flatnonzero(fam.vuln_mask & BIT["no_birth_certificate"])
    fam.episode[unregistered] = NO_EPISODE
    quiet, hidden, taken_up = (int(f) for f in unregistered[:3])
    fam.episode[[hidden, taken_up]] = REGISTRATION
    fam.known[taken_up] = True
    referred = fam.reached_by_registry(np.array([quiet, hidden, taken_up]))
    assert referred.tolist() == [hidden]
    assert fam.vuln_mask[hidden] & BIT["no_birth_certificate"] and fam.episode[hidden] == REGISTRATION
    for registered in (quiet, taken_up):
        assert not fam.vuln_mask[registered] & BIT["no_birth_certificate"]
    assert fam.episode[quiet] == NO_EPISODE and fam.episode[taken_up] == REGISTRATION


def test_families_already_out_of_school_have_the_configured_drop_out_need() -> None:
    """A family whose children are already out of school has fewer left to drop out: its drop-out hazard is
    `out_of_school_dropout_need` times what it would otherwise be, and nothing else changes."""
    from agents.family import BIT
    from scenarios.schema import CASE_TYPES

    def hazards(need: float) -> tuple[np.ndarray, np.ndarray]:
        cfg = config_from_dict({"population": {"n_children": 20_000}, "harm": {"out_of_school_dropout_need": need}})
        fam = FamilyPopulation(cfg, Draws(0))
        return fam.base_hazard, (fam.vuln_mask & BIT["out_of_school"]) > 0

    low, out = hazards(0.2)
    full, _ = hazards(1.0)
    dropout = CASE_TYPES.index("school_dropout")
    np.testing.assert_allclose(low[out, dropout], 0.2 * full[out, dropout])
    np.testing.assert_allclose(low[~out], full[~out])
    others = [i for i in range(len(CASE_TYPES)) if i != dropout]
    np.testing.assert_allclose(low[:, others], full[:, others])


def test_the_city_budgets_whole_contracts() -> None:
    """Its pickup of the worker-contract line rounds the line's money to whole contract-years."""
    from agents.funding.payers import Funder, LocalGovernment
    from agents.funding.plan import effective_plan

    cfg = config_from_dict({"population": {"n_children": 1000}, "funding": {"regulation": "regional_law"}})
    model = CPModel(config=cfg, rng=0)
    plan = effective_plan(cfg)
    year_cost = 52 * cfg.staffing.salary_per_week.donor
    gov = LocalGovernment(model, cfg.funding, plan, year_cost)
    funder = Funder(model, cfg.funding, plan)
    planned = dict.fromkeys(("training", "mentoring", "case_management_system", "outreach", "prevention"), 0.0)
    planned["worker_contracts"] = 3 * year_cost
    start = cfg.funding.withdrawal_start_year  # a linear taper over 3 years; pickup 0.4 of it, a year late

    def contracts(year: int) -> float:
        local = gov.commitment(year, planned, funder, draw=0.0)["worker_contracts"]
        return (funder.share("worker_contracts", year) * planned["worker_contracts"] + local) / year_cost

    assert contracts(start + 2) == pytest.approx(1.0)  # the funder pays none, the city 0.4 x 2/3 of 3 = 0.8: one
    assert contracts(start + 1) == pytest.approx(1.0)  # the funder pays 1, the city 0.4 x 1/3 of 3 = 0.4: still one
    assert gov._whole_contracts(0.0, funder, start + 1, planned) == 0.0  # a city that pays nothing rounds nothing


def test_a_donor_contract_is_offered_only_with_a_years_pay() -> None:
    """In the autumn, money that pays a contract to December but not for a year hires no one."""
    model = CPModel(config=config_from_dict({"population": {"n_children": 20_000}}), rng=0)
    funding, staff = model.funding, model.workforce
    week = 40  # twelve weeks left in the budget year
    salary = model.cfg.staffing.salary_per_week.donor
    ledger = funding.ledger
    ledger.balance[:] = 0.0
    ledger.receive("funder", "worker_contracts", salary * (12 * staff.count("donor") + 30))
    assert not funding.can_pay("donor", staff, week)  # 30 weeks of one more salary: not a year
    ledger.receive("funder", "worker_contracts", salary * 52 * (staff.count("donor") + 1))
    assert funding.can_pay("donor", staff, week)
    assert funding.can_pay("national", staff, week)
