"""Casework, referrals and closure.

Each week an assigned case progresses by the worker's competence for its severity (low- or high-severity
skill), slowed when the worker's caseload is above the norm. A case that needs a partner service is referred
(accepted or refused by the partner on the week's referral terms; after `max_referral_attempts` refusals the
worker gives up) and served from the partner's queue. A crisis case the unit handles itself (the child stays
home) is then under structured supervision for `supervision_weeks` (000 l.613). A case closes resolved when
its work is done, its referral (if any) delivered, its supervision (if any) over and the intervention worked
(more likely with skill); unresolved when it did not,
when the referral failed or the time limit passed; dropped when the
family drops out (less often with a skilled worker) or, without a working case-management system, its paper
file is lost (000 l.645).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from agents import cases as C
from agents.agency import Agency, ReferralTerms
from agents.family import per_case_type
from agents.workforce import SocialWorker
from scenarios.schema import CaseworkConfig, Config


def work(
    cases: C.CaseTable, workers: Sequence[SocialWorker], n_logged: int, cfg: Config, cms_level: float, week: int
) -> tuple[np.ndarray, np.ndarray]:
    """A week of work on every active case; returns the active case ids, and those whose intervention was
    delivered this week and whose supervision begins (served, like a delivered referral).

    Speed: a floor plus the worker's competence for the case's severity (skill shortens the work), slower
    outside registry-covered areas (no sub-district committee, 004 l.108) and above the caseload norm, faster
    with a working shared case-management system (no duplicate assessments). A case whose own work is done
    while it waits for a partner's service, or whose intervention is followed by structured supervision (the
    child stays home, 000 l.613), moves to monitoring and frees most of its slot."""
    cw = cfg.casework
    active = cases.ids_with_status(C.ACTIVE)
    if len(active) == 0:
        return active, active
    # per worker id: the skills and caseload of the active workers (only they hold active cases)
    skill, high, load = np.zeros(n_logged), np.zeros(n_logged), np.zeros(n_logged)
    for wk in workers:
        skill[wk.log_id], high[wk.log_id], load[wk.log_id] = wk.skill, wk.high_skill, wk.caseload
    wid = cases.worker[active]
    competence = np.where(cases.high_severity[active], high[wid], skill[wid])
    overload = np.maximum(0.0, load[wid] / cfg.staffing.caseload_norm - 1.0)
    speed = cw.speed_floor + (1.0 - cw.speed_floor) * competence
    speed *= np.where(cases.covered[active], 1.0, cw.uncovered_casework_factor)
    speed /= (1.0 - cw.cms_time_saving * cms_level) * (1.0 + cw.overload_slowdown * overload)
    cases.competence[active] = competence
    cases.progress[active] += speed

    done = cases.progress[active] >= cases.work_needed[active]
    ref = cases.referral[active]
    weeks = np.rint(per_case_type(cw.supervision_weeks)[cases.kind[active]]).astype(np.int32)
    # the either/or of 000 l.613: a partner's service (shelter, care institution, police) takes the child out
    # of harm; a crisis case the unit handles itself leaves the child at home, under supervision
    begins = done & (ref == C.NO_REFERRAL) & (weeks > 0) & (cases.supervised_until[active] < 0)
    cases.supervised_until[active[begins]] = week + weeks[begins]
    supervised = done & (cases.supervised_until[active] > week)
    to_monitoring = done & ((ref == C.REFERRAL_QUEUED) | supervised) & ~cases.monitoring[active]
    if to_monitoring.any():
        by_id = {wk.log_id: wk for wk in workers}
        for case_id in active[to_monitoring].tolist():
            cases.monitoring[case_id] = True
            by_id[cases.worker[case_id]].cases -= 1
            by_id[cases.worker[case_id]].monitored += 1
    return active, active[begins]


def refer(
    cases: C.CaseTable,
    active: np.ndarray,
    partners: Sequence[Agency],
    terms: ReferralTerms,
    uncovered_factor: float,
    max_attempts: int,
    week: int,
    rng: np.random.Generator,
) -> tuple[int, int, list[int]]:
    """Send pending referrals (taken less readily outside registry-covered areas, 004 l.108) and let partners
    serve their queues; returns (sent, accepted, the cases whose service was delivered)."""
    sent = accepted = 0
    pending = active[cases.referral[active] == C.REFERRAL_PENDING]
    for case_id in pending.tolist():
        agency = partners[cases.referral_agency[case_id]]
        sent += 1
        acceptance = terms.acceptance * (1.0 if cases.covered[case_id] else uncovered_factor)
        if agency.offer(case_id, week, acceptance, terms.mean_delay_weeks, rng):
            cases.referral[case_id] = C.REFERRAL_QUEUED
            cases.referral_sent_week[case_id] = week
            accepted += 1
        else:
            cases.referral_attempts[case_id] += 1
            if cases.referral_attempts[case_id] >= max_attempts:
                cases.referral[case_id] = C.REFERRAL_FAILED

    status = cases.status
    delivered: list[int] = []
    for agency in partners:
        for case_id in agency.serve(week, lambda c: status[c] == C.ACTIVE):
            cases.referral[case_id] = C.REFERRAL_DONE
            cases.referral_done_week[case_id] = week
            delivered.append(case_id)
    return sent, accepted, delivered


def closing(
    cases: C.CaseTable,
    cw: CaseworkConfig,
    p_file_lost: float,
    week: int,
    rng: np.random.Generator,
) -> dict[int, int]:
    """{case id: close reason} for the cases that close this week.

    A finished case (its referral, if any, delivered, and its structured supervision, if any, over) resolves
    with a chance that rises from `success_floor` to 1 with the worker's competence: skill decides the
    outcome, not only the speed."""
    active = cases.ids_with_status(C.ACTIVE)
    waiting = cases.ids_with_status(C.WAITING)
    reason: dict[int, int] = {}

    if len(active):
        done = cases.progress[active] >= cases.work_needed[active]
        ref = cases.referral[active]
        # work() has already begun the supervision of every finished case that needs it (-1: none needed)
        finished = done & _service_done(ref) & (week >= cases.supervised_until[active])
        ref_failed = done & (ref == C.REFERRAL_FAILED)
        timed_out = (week - cases.opened_week[active]) >= cw.max_case_weeks
        competence = cases.competence[active]
        p_drop = cw.drop_active_weekly * (1.0 - competence)
        r = rng.random(len(active))
        success = rng.random(len(active)) < cw.success_floor + (1.0 - cw.success_floor) * competence
        outcome = np.full(len(active), C.WHY_OPEN)  # later assignments take precedence
        outcome[r < p_drop + p_file_lost] = C.WHY_FILE_LOST
        outcome[r < p_drop] = C.WHY_FAMILY_DROPPED
        outcome[timed_out] = C.WHY_TIME_LIMIT
        outcome[ref_failed] = C.WHY_REFERRAL_FAILED
        outcome[finished & ~success] = C.WHY_NOT_RESOLVED
        outcome[finished & success] = C.WHY_RESOLVED
        reason.update(_closing(active, outcome))

    if len(waiting):
        r = rng.random(len(waiting))
        timed_out = (week - cases.opened_week[waiting]) >= cw.max_case_weeks
        outcome = np.where(r < cw.drop_while_waiting_weekly, C.WHY_FAMILY_DROPPED, C.WHY_OPEN)
        outcome[timed_out] = C.WHY_TIME_LIMIT
        reason.update(_closing(waiting, outcome))
    return reason


def _service_done(referral: np.ndarray) -> np.ndarray:
    """The case needs no partner service, or the partner has delivered it."""
    return (referral == C.NO_REFERRAL) | (referral == C.REFERRAL_DONE)


def _closing(ids: np.ndarray, outcome: np.ndarray) -> dict[int, int]:
    """{case id: close reason} for the cases whose outcome is not 'still open'."""
    closing_now = np.flatnonzero(outcome != C.WHY_OPEN)
    return dict(zip(ids[closing_now].tolist(), outcome[closing_now].tolist(), strict=True))
