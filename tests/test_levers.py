"""Each lever and mechanism moves outcomes the way the studies claim, in two scenarios, on paired seeds.

Cities are the scenarios at a smaller population (same horizon and calibrated parameters); "more" is always
compared with "less" on the same seeds (common random numbers), and outcomes are counted in children where
the question is about children.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from scenarios.schema import CASE_TYPES
from scenarios.validate import config_from_dict
from sim.compose import deep_merge, scenario_dict
from sim.model import CPModel
from sim.run import Results, collect, run

pytestmark = pytest.mark.slow  # every lever runs whole cities for years, on several seeds

SCENARIOS = ("makassar_pksai", "tulungagung_ult_psai")
SEEDS = (0, 1, 2)
SMALL_CITY = {"population": {"n_children": 25_000}}


def city(name: str, **sections: Any) -> dict[str, Any]:
    return scenario_dict(name, deep_merge(SMALL_CITY, sections))


@functools.lru_cache(maxsize=16)
def _runs(cfg_json: str) -> tuple[Results, ...]:
    cfg = json.loads(cfg_json)
    return tuple(run(cfg, seed) for seed in SEEDS)


def mean_of(cfg: dict[str, Any], measure: Callable[[Results], float]) -> float:
    """The mean of `measure` over the paired seeds (a city's runs are reused by the test's next measure)."""
    return float(np.mean([measure(res) for res in _runs(json.dumps(cfg, sort_keys=True))]))


def key(name: str) -> Callable[[Results], float]:
    return lambda res: res.summary[name]


def window(res: Results, first_year: int, column: str, last_year: int | None = None) -> float:
    rows = res.weekly[(res.weekly.year >= first_year) & (res.weekly.year <= (last_year or 9999))]
    return float(rows[column].sum())


def coverage_from(year: int) -> Callable[[Results], float]:
    """Children served / harmed from `year` on (harm types)."""

    def measure(res: Results) -> float:
        harm = ("economic_exploitation", "sexual_exploitation", "violence", "neglect")
        served = sum(window(res, year, f"served_{t}") for t in harm)
        return served / sum(window(res, year, f"new_{t}") for t in harm)

    return measure


@pytest.mark.parametrize(
    ("name", "children", "few", "more"), [("makassar_pksai", 45_000, 3, 9), ("tulungagung_ult_psai", 829_197, 1, 3)]
)
def test_more_workers_serve_more_children_when_understaffed(name: str, children: int, few: int, more: int) -> None:
    """Tulungagung has few cases per child (118 of its 2019 cases in the model's types, mostly short education
    and registration cases, 001 l.60-75): one worker is short-staffed only in a regency three times its size
    (its study says reach is limited by staff, 001 l.138). Makassar's city has 45,000 children so that 3
    workers stay short-staffed at the calibrated hazard."""
    staff = lambda n: {"workers": {"national": 0, "local": n, "donor": 0}}  # noqa: E731
    few = city(name, population={"n_children": children}, staffing=staff(few))
    more = city(name, population={"n_children": children}, staffing=staff(more))
    assert mean_of(more, key("effective_coverage")) > mean_of(few, key("effective_coverage")) + 0.01
    assert mean_of(more, key("mean_backlog")) < mean_of(few, key("mean_backlog"))


@pytest.mark.parametrize(("name", "children"), [("makassar_pksai", 25_000), ("tulungagung_ult_psai", 276_399)])
def test_coordination_raises_resolution_and_cuts_backlog(name: str, children: int) -> None:
    """An MoU and a regional law commit partner capacity and acceptance; a hub coordinates (000 l.619, l.723).

    Coordination also lets schools, health and police pass on more cases (the agency channel), so it finds
    more children; the backlog is compared with that channel off, for the same children found."""
    weak = {"coordination": {"mou": False, "hub": False}, "funding": {"regulation": "none"}}
    strong = {"coordination": {"mou": True, "hub": True}, "funding": {"regulation": "regional_law"}}
    no_agency_channel = {"detection": {"agency_channel_weekly": dict.fromkeys(CASE_TYPES, 0.0)}}
    size = {"population": {"n_children": children}}
    same_reach = {
        arm: city(name, **deep_merge(deep_merge(cfg, no_agency_channel), size))
        for arm, cfg in (("weak", weak), ("strong", strong))
    }
    assert (
        mean_of(same_reach["strong"], key("resolution_rate"))
        > mean_of(same_reach["weak"], key("resolution_rate")) + 0.01
    )
    assert mean_of(same_reach["strong"], key("mean_backlog")) < mean_of(same_reach["weak"], key("mean_backlog"))
    full = {arm: city(name, **deep_merge(cfg, size)) for arm, cfg in (("weak", weak), ("strong", strong))}
    assert mean_of(full["strong"], key("children_found")) > mean_of(full["weak"], key("children_found"))
    assert mean_of(full["strong"], key("effective_coverage")) > mean_of(full["weak"], key("effective_coverage"))


@pytest.mark.parametrize("name", SCENARIOS)
def test_shared_case_management_system_keeps_files_completes_referrals_and_serves_more(name: str) -> None:
    """No paper file is lost (000 l.645), more referrals are completed (000 l.619) and more children served.
    Times to resolution need not fall: files no longer lost keep long cases open to their end, and partners
    that now accept more referrals queue them (the small city's partners are scaled to its size)."""
    paper = city(name, coordination={"shared_cms": False})
    shared = city(name, coordination={"shared_cms": True}, funding={"withdrawal_shape": "none"})
    lost = lambda res: float((res.cases.close_reason == "file_lost").sum())  # noqa: E731
    assert mean_of(shared, lost) == 0 < mean_of(paper, lost)
    assert mean_of(shared, key("referral_completion_rate")) > mean_of(paper, key("referral_completion_rate"))
    assert mean_of(shared, key("effective_coverage")) > mean_of(paper, key("effective_coverage"))


@pytest.mark.parametrize("name", SCENARIOS)
def test_case_management_system_works_in_proportion_to_its_funding(name: str) -> None:
    def cms(share: float) -> dict[str, Any]:
        return city(
            name,
            coordination={"shared_cms": True},
            funding={"withdrawal_shape": "none", "funder_share": {"case_management_system": share}},
        )

    level = {
        share: mean_of(cms(share), lambda r: float(r.weekly.cms_level[r.weekly.year > 2016].mean()))
        for share in (0.5, 1.0)
    }
    assert level[0.5] == pytest.approx(0.5, abs=0.02) and level[1.0] == pytest.approx(1.0, abs=0.02)
    weeks = {share: mean_of(cms(share), key("coop_feedback_weeks")) for share in (0.0, 0.5, 1.0)}
    assert weeks[1.0] < weeks[0.5] < weeks[0.0]


@pytest.mark.parametrize("name", SCENARIOS)
def test_abrupt_exit_without_pickup_serves_fewer_children_and_drives_workers_out(name: str) -> None:
    staff = {"workers": {"national": 1, "local": 1, "donor": 4}}
    size = {**SMALL_CITY["population"], "reference_children": SMALL_CITY["population"]["n_children"]}  # as given
    stays = city(name, population=size, staffing=staff, funding={"withdrawal_shape": "none"})
    exit_year = scenario_dict(name)["run"]["start_year"] + 3
    leaves = city(
        name,
        population=size,
        staffing=staff,
        funding={"withdrawal_shape": "abrupt", "withdrawal_start_year": exit_year, "pickup_share": 0.0},
    )
    assert mean_of(leaves, coverage_from(exit_year)) < mean_of(stays, coverage_from(exit_year)) - 0.01
    exits = lambda res: window(res, exit_year, "exits")  # noqa: E731
    assert mean_of(leaves, exits) > mean_of(stays, exits)


@pytest.mark.parametrize("name", SCENARIOS)
def test_awareness_brings_reports_first_and_less_harm_later(name: str) -> None:
    start = scenario_dict(name)["run"]["start_year"]
    quiet = city(name, prevention={"awareness_gain_per_week": 0.0})
    campaign = city(name, prevention={"awareness_gain_per_week": 0.02})
    first_weeks = lambda res: float(res.weekly.head(8)[[c for c in res.weekly if c.startswith("new_")]].sum().sum())  # noqa: E731
    assert mean_of(campaign, first_weeks) == pytest.approx(mean_of(quiet, first_weeks), rel=0.02)  # not yet
    assert mean_of(campaign, key("opened_via_community")) > 1.3 * mean_of(quiet, key("opened_via_community"))
    later = lambda res: window(res, start + 3, "new_violence") + window(res, start + 3, "new_neglect")  # noqa: E731
    assert mean_of(campaign, later) < mean_of(quiet, later)


@pytest.mark.parametrize(("name", "children", "workers"), [("makassar_pksai", 25_000, 1), ("gowa_pksai", 60_000, 2)])
def test_monitoring_frees_the_workers_slot_while_the_partner_serves(name: str, children: int, workers: int) -> None:
    """Makassar and Gowa (Makassar's case mix): their referrals wait for partners. Tulungagung's own mix is
    mostly education and registration cases that partners serve at once, so there is little to monitor."""
    staff = {"workers": {"national": workers, "local": workers, "donor": workers}}
    size = {"n_children": children}
    holds = city(name, population=size, staffing=staff, casework={"monitoring_load": 1.0})
    frees = city(name, population=size, staffing=staff, casework={"monitoring_load": 0.2})
    assert mean_of(frees, key("mean_waiting")) < mean_of(holds, key("mean_waiting"))
    assert mean_of(frees, key("children_served")) > mean_of(holds, key("children_served"))


@pytest.mark.parametrize(("name", "children"), [("makassar_pksai", 25_000), ("tulungagung_ult_psai", 276_399)])
def test_a_shock_reaches_its_harm_types_and_can_hide_harm(name: str, children: int) -> None:
    """Tulungagung at its own size: its case mix leaves a 25,000-child regency too few cases a year to compare."""
    year = scenario_dict(name)["run"]["start_year"] + 3
    size = {"n_children": children}
    calm = city(name, population=size, economy={"shocks": []})
    shock = {"year": year, "magnitude": 1.0, "harm_types": ["economic_exploitation"]}
    labour = city(name, population=size, economy={"shocks": [shock]})
    hidden = city(
        name, population=size, economy={"shocks": [{"year": year, "magnitude": 0.0, "detection_factor": 0.5}]}
    )
    in_year = lambda column: lambda res: window(res, year, column, year)  # noqa: E731
    assert mean_of(labour, in_year("new_economic_exploitation")) > 1.5 * mean_of(
        calm, in_year("new_economic_exploitation")
    )
    others = lambda res: sum(  # noqa: E731
        window(res, year, f"new_{t}", year) for t in CASE_TYPES if t != "economic_exploitation"
    )
    assert mean_of(labour, others) == pytest.approx(mean_of(calm, others), rel=0.1)
    assert mean_of(hidden, in_year("cases_opened")) < 0.8 * mean_of(calm, in_year("cases_opened"))


@pytest.mark.parametrize("name", SCENARIOS)
def test_a_unit_opens_and_ramps_up(name: str) -> None:
    start = scenario_dict(name)["run"]["start_year"]
    at_once = city(name, coordination={"opening_year": start, "ramp_up_years": 0.0})
    later = city(name, coordination={"opening_year": start + 1, "ramp_up_years": 2.0})
    first_year = lambda res: window(res, start, "opened_via_outreach", start + 1)  # noqa: E731
    assert mean_of(later, first_year) < 0.5 * mean_of(at_once, first_year)


@pytest.mark.parametrize("name", SCENARIOS)
def test_disability_and_exploitation_cases_are_harder(name: str) -> None:
    plain = city(name, casework={"disability_work_multiplier": 1.0, "exploitation_work_multiplier": 1.0})
    hard = city(name, casework={"disability_work_multiplier": 4.0, "exploitation_work_multiplier": 2.5})

    def weeks(group: str) -> Callable[[Results], float]:
        def measure(res: Results) -> float:
            c = res.cases[res.cases.status == "resolved"]
            mine = (
                c.family_disability
                if group == "disability"
                else c.case_type.isin(["economic_exploitation", "sexual_exploitation"])
            )
            return float(c[mine].weeks_open.mean())

        return measure

    for group in ("disability", "exploitation"):
        assert mean_of(hard, weeks(group)) > 1.2 * mean_of(plain, weeks(group)), group


@pytest.mark.parametrize("name", SCENARIOS)
def test_skill_decides_outcomes_not_only_speed(name: str) -> None:
    """000 l.679-689: serious cases need skill; mentoring builds it."""
    skill_blind = city(name, casework={"success_floor": 1.0}, training={"mentoring": False})
    skill_matters = city(name, casework={"success_floor": 0.3}, training={"mentoring": False})
    mentored = city(name, casework={"success_floor": 0.3}, training={"mentoring": True})
    high = key("resolution_rate_high_severity")
    assert mean_of(skill_matters, high) < mean_of(skill_blind, high) - 0.05
    assert mean_of(mentored, high) > mean_of(skill_matters, high) + 0.02


@pytest.mark.parametrize("name", ("thailand_cpms", "makassar_pksai"))
def test_outside_coverage_cases_are_found_less_and_handled_worse(name: str) -> None:
    """004 l.108: committees were not formed everywhere, so not all cases can be handled."""
    partial = city(name, population={"n_children": 25_000, "registry_coverage": 0.6})
    gap = lambda res: res.summary["resolution_rate_uncovered"] - res.summary["resolution_rate_covered"]  # noqa: E731
    assert mean_of(partial, gap) < -0.02
    same = deep_merge(
        partial, {"casework": {"uncovered_casework_factor": 1.0}, "coordination": {"uncovered_referral_factor": 1.0}}
    )
    assert mean_of(same, gap) > mean_of(partial, gap) + 0.02


def test_partner_capacity_follows_commitments_and_funding() -> None:
    from agents.agency import capacity_factor
    from scenarios.schema import CoordinationConfig

    coord = CoordinationConfig(mou=False, hub=False)
    base = capacity_factor(coord, "mayoral", shortfall=0.0, ramp=1.0)
    assert base == 1.0
    assert capacity_factor(CoordinationConfig(mou=True, hub=False), "mayoral", 0.0, 1.0) > base
    assert capacity_factor(coord, "regional_law", 0.0, 1.0) > base
    assert capacity_factor(coord, "mayoral", shortfall=1.0, ramp=1.0) < base


def test_economic_shock_raises_child_labour_in_the_default_city() -> None:
    from conftest import small

    calm = small(economy={"shocks": []})
    shock = small(economy={"shocks": [{"year": 2018, "magnitude": 1.0, "duration_years": 1}]})
    a, b = run(calm, 0).weekly, run(shock, 0).weekly
    in_2018 = a.year == 2018
    assert b.new_economic_exploitation[in_2018].sum() > 1.5 * a.new_economic_exploitation[in_2018].sum()


@pytest.mark.parametrize(("name", "hub_off"), [("indonesia_ecpat", {}), ("makassar_pksai", {"hub": False})])
def test_without_a_hub_the_ngo_keeps_its_victims_from_the_police(name: str, hub_off: dict[str, Any]) -> None:
    """Victims identified by ECPAT are not reported to the police (002 l.104-118): without a hub, the NGO
    serves what it finds itself unless it reports it; with a hub every case is referred by its type."""
    ngo_finds = {"ngo_identification_weekly": dict.fromkeys(CASE_TYPES, 0.005)}

    def police_share_of_ngo_finds(report: float, coordination: dict[str, Any]) -> float:
        cfg = city(name, detection=ngo_finds, coordination={**coordination, "ngo_report_share": report})
        shares = []
        for seed in SEEDS:
            c = run(cfg, seed).cases
            referred = c[(c.channel == "ngo") & c.referral_agency.notna()]
            shares.append(float((referred.referral_agency == "police").mean()))
        return float(np.mean(shares))

    assert police_share_of_ngo_finds(0.0, hub_off) < 0.02 < police_share_of_ngo_finds(1.0, hub_off)
    with_hub = {"hub": True}
    assert police_share_of_ngo_finds(0.0, with_hub) == police_share_of_ngo_finds(1.0, with_hub) > 0.02


@pytest.mark.parametrize("name", SCENARIOS)
def test_school_drop_out_surfaces_when_the_school_year_starts(name: str) -> None:
    """Pupils drop out between school years and schools notice those who do not come back in the school year's
    first weeks (mid-July in Indonesia); the other harms have no season, and the season moves drop-outs within
    the year without adding any."""

    def window_share(share: float, *columns: str) -> tuple[float, float]:
        big = {"n_children": 100_000}  # enough drop-outs that the yearly totals compare within 15%
        res = run(city(name, population=big, harm={"dropout_at_school_year_start": share}), 0)
        w = res.weekly
        in_window = ((w.week.to_numpy() % 52) >= 27) & ((w.week.to_numpy() % 52) < 35)
        x = w[list(columns)].to_numpy().sum(axis=1)
        return float(x[in_window].sum() / x.sum()), float(x.sum())

    seasonal, seasonal_total = window_share(0.6, "new_school_dropout")
    flat, flat_total = window_share(8 / 52, "new_school_dropout")
    assert seasonal > 0.45 and abs(flat - 8 / 52) < 0.06
    assert abs(seasonal_total - flat_total) < 0.15 * flat_total
    others = [f"new_{t}" for t in CASE_TYPES if t != "school_dropout"]
    (p1, n1), (p2, n2) = window_share(0.6, *others), window_share(8 / 52, *others)
    # the same share of the other harms in the window, within sampling error: Tulungagung has few harms (about
    # 800 children in ten years at this size), so three binomial standard errors, and never tighter than 0.02
    error = 3 * np.sqrt(p2 * (1 - p2) * (1 / n1 + 1 / n2))
    assert p1 == pytest.approx(p2, abs=max(0.02, error))
    # schools notice them when they do not come back: found in the window more than the drop-outs of a flat year
    assert window_share(0.6, "detected_school_dropout")[0] > window_share(8 / 52, "detected_school_dropout")[0] + 0.2


@pytest.mark.parametrize("name", SCENARIOS)
def test_a_crisis_case_the_unit_handles_itself_stays_open_under_supervision(name: str) -> None:
    """Crisis cases end in removal from harm or, if fit, structured supervision with support (000 l.613): a
    neglect case the unit handles itself (the child stays home) stays open for the supervision weeks after its
    intervention; one referred to a partner closes when the service is delivered."""

    def resolved_neglect(weeks: float) -> tuple[Any, Any]:
        supervision = {**dict.fromkeys(CASE_TYPES, 0.0), "neglect": weeks}
        c = run(scenario_dict(name, {"casework": {"supervision_weeks": supervision}}), 0).cases  # full scale
        done = c[(c.case_type == "neglect") & (c.close_reason == "resolved")]
        own = done[done.referral == "none"]
        if weeks:  # the child is served when the intervention is delivered, before the supervision weeks
            assert ((own.closed_week - own.served_week) == weeks).all()
        return own.weeks_open, done[done.referral == "done"].weeks_open

    own_supervised, referred_supervised = resolved_neglect(26)
    own_plain, _ = resolved_neglect(0)
    assert len(own_supervised) > 10 and len(referred_supervised) > 10
    assert own_supervised.min() >= 26 and (own_plain < 26).mean() > 0.5
    assert own_supervised.median() > own_plain.median() + 20
    assert (referred_supervised < 26).mean() > 0.5  # no supervision floor once a partner has the child


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_registry_drive_clears_the_backlog_and_registration_cases_fall(name: str) -> None:
    """Registration led the unit's cases in 2017-2018 and fell after the regency's drive raised certificate
    coverage to 97% (001 l.138, l.156-159): a backlog of families without certificates raises registration
    cases before and during the drive; by its end the registry has brought them down to the steady level."""
    drive = {"registry_drive_start_year": 2017, "registry_drive_end_year": 2018}

    def after_drive(backlog: float, seed: int) -> tuple[int, int, float, float]:
        cfg = scenario_dict(name, {"run": {"end_year": 2022}, "population": {**drive, "unregistered_backlog": backlog}})
        model = CPModel(config=config_from_dict(cfg), rng=seed)
        end_week = 52 * (2019 - cfg["run"]["start_year"])
        while model.week < end_week:
            model.step()
        unregistered, steady = len(model.families.unregistered()), model.families.unregistered_steady
        while model.running:
            model.step()
        cases = collect(model).cases
        registration = cases[cases.case_type == "birth_registration"].opened_year.value_counts()
        return unregistered, steady, float(registration.get(2017, 0)), float(registration.get(2020, 0))

    backlog_left, steady, during, later = np.sum([after_drive(0.4, seed) for seed in SEEDS], axis=0)
    none_left, _, during_plain, later_plain = np.sum([after_drive(0.0, seed) for seed in SEEDS], axis=0)
    assert backlog_left <= steady * 1.1 and none_left <= steady
    assert during > 1.3 * during_plain
    assert later < 1.5 * later_plain + 3  # back to the steady level once the drive is over


def test_the_drive_passes_pending_registration_needs_to_the_unit_as_agency_cases() -> None:
    """During the drive the registry registers the families it can at its counter and passes those with a
    pending, unfound registration need to the unit (001 l.52, l.117): they become registration cases opened
    by the agency channel, and stay unregistered until the case resolves. Before the unit opens they stay
    pending (the hub's agency links grow from its opening)."""
    from agents import cases as C
    from agents.family import BIT, NO_EPISODE, REGISTRATION

    def first_drive_week(opening_year: int, ramp_up_years: float = 0.0) -> tuple[CPModel, np.ndarray, np.ndarray]:
        population = {"n_children": 20_000, "registry_drive_start_year": 0, "registry_drive_end_year": 0}
        cfg = scenario_dict(
            "tulungagung_ult_psai",
            {"population": population, "coordination": {"opening_year": opening_year, "ramp_up_years": ramp_up_years}},
        )
        model = CPModel(config=config_from_dict(cfg), rng=0)
        fam = model.families
        unregistered = fam.unregistered()
        quiet = unregistered[fam.episode[unregistered] == NO_EPISODE]
        fam.episode[quiet[:5]] = REGISTRATION
        model.registry.chance = 1.0  # the drive reaches every family in its first week
        model.step()
        return model, quiet[:5], quiet[5:]

    model, pending, others = first_drive_week(opening_year=2015)  # open at full strength from the first week
    fam, cases = model.families, model.cases
    opened = np.isin(cases.family, pending)
    assert sorted(cases.family[opened].tolist()) == sorted(pending.tolist())
    assert (cases.kind[opened] == REGISTRATION).all() and (cases.channel[opened] == C.CHANNELS.index("agency")).all()
    still_unregistered = (fam.vuln_mask[cases.family[opened]] & BIT["no_birth_certificate"]) > 0
    assert (still_unregistered == (cases.status[opened] != C.RESOLVED)).all()  # the case registers them
    assert not (fam.vuln_mask[others] & BIT["no_birth_certificate"]).any()

    model, pending, others = first_drive_week(opening_year=2016)  # the unit opens a year after the drive
    fam = model.families
    assert not np.isin(model.cases.family, pending).any()
    assert (fam.vuln_mask[pending] & BIT["no_birth_certificate"]).all() and (fam.episode[pending] == REGISTRATION).all()
    assert not (fam.vuln_mask[others] & BIT["no_birth_certificate"]).any()


def test_a_drive_whose_years_are_left_at_0_runs_in_the_first_year() -> None:
    """Year 0 means the first year for both ends of the drive, as the validator accepts it."""
    cfg = scenario_dict(
        "tulungagung_ult_psai",
        {
            "population": {"registry_drive_start_year": 0, "registry_drive_end_year": 0, "n_children": 20_000},
            "run": {"end_year": 2017},
            "funding": {"withdrawal_start_year": 2016},
        },
    )
    model = CPModel(config=config_from_dict(cfg), rng=0)
    assert model.registry.weeks == range(0, 52)
    for _ in range(52):
        model.step()
    assert len(model.families.unregistered()) <= 1.1 * model.families.unregistered_steady


# ---- the workforce binds (issue "The workforce binds"): Makassar at its own size, paired seeds ----

MAKASSAR_STAFF = {"national": 6, "local": 15, "donor": 6}  # the scenario file's assumed counts


def makassar(**sections: Any) -> dict[str, Any]:
    return scenario_dict("makassar_pksai", sections)


def staff_times(factor: float) -> dict[str, Any]:
    return {"workers": {e: max(1, round(factor * n)) for e, n in MAKASSAR_STAFF.items()}}


def test_half_the_staff_serve_clearly_fewer_children_and_families_wait_longer() -> None:
    """Workers' hours bind: with half the posts fewer hidden cases are found (no hours for outreach) and the
    cases found wait for a worker with time for them. Thresholds: effective coverage at least 15% lower, the
    mean waiting list at least twice as long; 50% more posts raise effective coverage."""
    base, half, more = makassar(), makassar(staffing=staff_times(0.5)), makassar(staffing=staff_times(1.5))
    coverage = key("effective_coverage")
    assert mean_of(half, coverage) < 0.85 * mean_of(base, coverage)
    assert mean_of(half, key("mean_waiting")) > 2 * mean_of(base, key("mean_waiting"))
    assert mean_of(more, coverage) > mean_of(base, coverage)
    # fewer children found and fewer cases closed: harm goes on longer (the harm burden)
    assert mean_of(half, key("child_years_in_harm")) > 1.03 * mean_of(base, key("child_years_in_harm"))


def test_training_raises_effective_coverage_not_only_the_resolution_rate() -> None:
    """Effective coverage counts services that worked: skill turns a served child into an effectively served
    one, so training and mentoring move the headline outcome, not only the resolution rate."""
    none = makassar(training={"classroom": False, "mentoring": False})
    full = makassar(training={"classroom": True, "refresher_every_weeks": 52, "mentoring": True})
    assert mean_of(full, key("resolution_rate")) > mean_of(none, key("resolution_rate")) + 0.05
    assert mean_of(full, key("effective_coverage")) > 1.05 * mean_of(none, key("effective_coverage"))
    # reached counts any first service: the gap between the two is the services that did not work
    gap = lambda res: res.summary["contact_coverage"] - res.summary["effective_coverage"]  # noqa: E731
    assert mean_of(full, gap) < mean_of(none, gap)
    # harm stops sooner: fewer child-years in harm (children harmed counts new episodes, and a family whose harm
    # stopped is back at its own risk, so that count can rise a little: docs/ODD.md)
    assert mean_of(full, key("child_years_in_harm")) < 0.98 * mean_of(none, key("child_years_in_harm"))


def test_fuller_integration_raises_access_and_serving_more_does_not_raise_harm() -> None:
    """access_ratio compares the same children with and without the integrated system (000 l.569), so more
    integration raises it; and a family served well is never put at more risk than one left alone."""
    siloed = makassar(coordination={"sop": False, "mou": False})
    integrated = makassar(coordination={"sop": True, "mou": True}, funding={"regulation": "regional_law"})
    assert mean_of(integrated, key("access_ratio")) > mean_of(siloed, key("access_ratio"))
    assert mean_of(integrated, key("children_served")) > mean_of(siloed, key("children_served"))
    assert mean_of(integrated, key("children_harmed")) <= 1.002 * mean_of(siloed, key("children_harmed"))
