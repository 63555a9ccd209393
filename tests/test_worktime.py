"""A worker's week of hours (agents/worktime.py), the coverage cascade, recurrence after a service and the
with-and-without access ratio: unit behaviour, each on a handful of cases or families."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from agents import cases as C
from agents.detection import found_without_hub_chance
from agents.draws import Draws
from agents.family import FamilyPopulation
from agents.worktime import Worktime
from scenarios.schema import CASE_TYPES, Config
from scenarios.validate import config_from_dict


class _Worker:
    def __init__(self, log_id: int, away: float = 0.0) -> None:
        self.log_id, self.away_hours = log_id, away


def _register(kinds: list[str], high: list[bool], workers: list[int], monitoring: list[bool]) -> C.CaseTable:
    cases = C.CaseTable()
    k = len(kinds)
    cases.open(
        family=np.arange(k),
        kind=np.array([CASE_TYPES.index(t) for t in kinds], dtype=np.int8),
        high_severity=np.array(high),
        channel=np.zeros(k, dtype=np.int8),
        covered=np.ones(k, dtype=bool),
        opened_week=np.zeros(k, dtype=np.int32),
        status=np.full(k, C.WAITING),
        work_needed=np.ones(k),
        referral=np.zeros(k, dtype=np.int8),
        referral_agency=np.zeros(k, dtype=np.int8),
        vulnerabilities=np.zeros(k, dtype=np.uint8),
        children=np.ones(k, dtype=np.int16),
        harm_week=np.zeros(k, dtype=np.int32),
        episode=np.arange(k),
        episode_number=np.zeros(k, dtype=np.int32),
        attempt=np.zeros(k, dtype=np.int32),
        drop_threshold=np.ones(k),
    )
    cases.assign(np.arange(k), np.array(workers), 0)
    cases.start_monitoring(np.flatnonzero(monitoring))
    return cases


def test_a_workers_casework_hours_are_what_the_week_leaves_after_fixed_duties() -> None:
    cfg = Config()
    wt = cfg.worktime
    time = Worktime(cfg)
    cases = _register(["violence"], [False], [0], [False])
    use = time.time_use(cases, [_Worker(0), _Worker(1, away=10.0)], 2, supervision=1.0, cms_level=0.0, mentoring=0.0)
    fixed = wt.hours_per_week * wt.admin_share + wt.supervision_hours_per_week
    assert use.available[0] == pytest.approx(wt.hours_per_week - fixed)
    assert use.available[1] == pytest.approx(wt.hours_per_week - fixed - 10.0)  # a classroom week away
    with_cms = time.time_use(cases, [_Worker(0)], 1, 1.0, cms_level=1.0, mentoring=1.0)
    saved = wt.hours_per_week * wt.admin_share * wt.cms_admin_saving
    assert with_cms.available[0] == pytest.approx(use.available[0] + saved - wt.mentoring_hours_per_week)


def test_a_case_needs_hours_by_type_and_severity_and_little_in_monitoring() -> None:
    cfg = Config()
    time = Worktime(cfg)
    cases = _register(
        ["violence", "violence", "sexual_exploitation", "violence"],
        [False, True, False, False],
        [0] * 4,
        [False, False, False, True],
    )
    hours = time.case_hours(cases, np.arange(4))
    low = cfg.worktime.case_hours_per_week.violence
    assert hours[0] == pytest.approx(low)
    assert hours[1] == pytest.approx(low * cfg.worktime.high_severity_hours_multiplier)
    assert hours[2] == pytest.approx(cfg.worktime.case_hours_per_week.sexual_exploitation)
    assert hours[3] == pytest.approx(low * cfg.casework.monitoring_load)
    use = time.time_use(cases, [_Worker(0)], 1, 1.0, 0.0, 0.0)
    assert use.demand[0] == pytest.approx(hours.sum())


def test_an_overcommitted_worker_gives_each_case_less_attention_and_has_no_spare_hours() -> None:
    cfg = Config()
    cfg = dataclasses.replace(cfg, worktime=dataclasses.replace(cfg.worktime, hours_per_week=10.0, admin_share=0.0))
    cfg = dataclasses.replace(cfg, worktime=dataclasses.replace(cfg.worktime, supervision_hours_per_week=0.0))
    time = Worktime(cfg)
    cases = _register(["economic_exploitation"] * 8, [False] * 8, [0] * 8, [False] * 8)  # 8 x 2.5 = 20 hours
    use = time.time_use(cases, [_Worker(0), _Worker(1)], 2, 1.0, 0.0, 0.0)
    assert use.attention[0] == pytest.approx(0.5)
    assert use.attention[1] == 1.0
    assert use.spare_hours() == pytest.approx(10.0)  # only the idle worker's hours go to outreach


def test_outreach_effort_is_spare_hours_against_what_full_outreach_needs_capped() -> None:
    cfg = config_from_dict({"population": {"n_children": 50_000}})
    time = Worktime(cfg)
    needed = cfg.worktime.outreach_hours_per_1000_children * 50
    assert time.outreach_effort(needed / 2) == pytest.approx(0.5)
    assert time.outreach_effort(0.0) == 0.0
    assert time.outreach_effort(100 * needed) == cfg.worktime.outreach_effort_cap


def test_a_resolved_case_lowers_the_familys_hazard_and_nothing_raises_it() -> None:
    """Recurrence: a service that worked protects for a while; an unresolved case and hidden harm that ends on
    its own leave the family's own risk (no flat penalty for having been served)."""
    cfg = config_from_dict({"population": {"n_children": 20_000}})
    fam = FamilyPopulation(cfg, Draws(0))
    resolved, unresolved = 3, 4
    fam.episode[[resolved, unresolved]] = 0
    fam.known[[resolved, unresolved]] = True
    fam.cases_closed(np.array([resolved, unresolved]), np.array([True, False]), week=10, recurrence_window=52)
    assert fam.aftercare_until[resolved] == 62 and fam.aftercare_until[unresolved] == -1
    # onset this week, from clocks set so that exactly the raised/lowered hazards show
    stress = np.ones(len(CASE_TYPES))
    fam.onset_clock[:] = 0.0
    fam.onset_threshold[:] = np.inf
    fam.draw_episodes(11, stress, stress, 0.0, 0.0, 0.5, 0.0)
    own = fam.base_hazard.sum(axis=1)
    ran = fam.onset_clock  # the clock ran at -log(1 - h)
    free = [i for i in range(20) if fam.episode[i] == -1]
    for i in free:
        h = own[i] * (0.5 if i == resolved else 1.0)
        assert ran[i] == pytest.approx(-np.log1p(-h), rel=1e-9)


def test_access_without_the_hub_is_the_agency_channel_racing_the_harms_own_end() -> None:
    cfg = Config()
    p = found_without_hub_chance(cfg)
    i = CASE_TYPES.index("violence")
    a = -np.log1p(-cfg.detection.agency_channel_weekly.violence * cfg.coordination.base_acceptance)
    e = -np.log1p(-cfg.harm.hidden_harm_ends_weekly)
    assert p[i] == pytest.approx(a / (a + e))
    assert ((p >= 0) & (p <= 1)).all()
