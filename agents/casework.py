"""Casework, referrals and closure.

Each week an assigned case progresses by the worker's competence for its severity (low- or high-severity
skill), slowed when the worker's caseload is above the norm. A case that needs a partner service is referred
(accepted or refused by the partner on the week's referral terms; after `max_referral_attempts` refusals the
worker gives up) and served from the partner's queue. A case closes resolved when its work is done and its
referral (if any) delivered; unresolved when the referral failed or the time limit passed; dropped when the
family drops out (less often with a skilled worker) or, without a working case-management system, its paper
file is lost (000 l.645).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from agents import cases as C
from agents.agency import Agency, ReferralTerms
from agents.workforce import SocialWorker
from scenarios.schema import CaseworkConfig, Config


def work(cases: C.CaseTable, workers: Sequence[SocialWorker], n_logged: int, cfg: Config) -> np.ndarray:
    """A week of work on every active case; returns the active case ids."""
    active = cases.ids_with_status(C.ACTIVE)
    if len(active):
        # per worker id: the skills and caseload of the active workers (only they hold active cases)
        skill, high, load = np.zeros(n_logged), np.zeros(n_logged), np.zeros(n_logged)
        for wk in workers:
            skill[wk.log_id], high[wk.log_id], load[wk.log_id] = wk.skill, wk.high_skill, wk.caseload
        wid = cases.worker[active]
        competence = np.where(cases.high_severity[active], high[wid], skill[wid])
        overload = np.maximum(0.0, load[wid] / cfg.staffing.caseload_norm - 1.0)
        cases.competence[active] = competence
        cases.progress[active] += competence / (1.0 + cfg.casework.overload_slowdown * overload)
    return active


def refer(
    cases: C.CaseTable,
    active: np.ndarray,
    partners: Sequence[Agency],
    terms: ReferralTerms,
    max_attempts: int,
    week: int,
    rng: np.random.Generator,
) -> tuple[int, int, int]:
    """Send pending referrals and let partners serve their queues; returns (sent, accepted, completed)."""
    sent = accepted = completed = 0
    pending = active[cases.referral[active] == C.REFERRAL_PENDING]
    for case_id in pending.tolist():
        agency = partners[cases.referral_agency[case_id]]
        sent += 1
        if agency.offer(case_id, week, terms, rng):
            cases.referral[case_id] = C.REFERRAL_QUEUED
            cases.referral_sent_week[case_id] = week
            accepted += 1
        else:
            cases.referral_attempts[case_id] += 1
            if cases.referral_attempts[case_id] >= max_attempts:
                cases.referral[case_id] = C.REFERRAL_FAILED

    status = cases.status
    for agency in partners:
        for case_id in agency.serve(week, lambda c: status[c] == C.ACTIVE):
            cases.referral[case_id] = C.REFERRAL_DONE
            cases.referral_done_week[case_id] = week
            completed += 1
    return sent, accepted, completed


def closing(
    cases: C.CaseTable, cw: CaseworkConfig, p_file_lost: float, week: int, rng: np.random.Generator
) -> dict[int, int]:
    """{case id: close reason} for the cases that close this week."""
    active = cases.ids_with_status(C.ACTIVE)
    waiting = cases.ids_with_status(C.WAITING)
    reason: dict[int, int] = {}

    if len(active):
        done = cases.progress[active] >= cases.work_needed[active]
        ref = cases.referral[active]
        resolved = done & ((ref == C.NO_REFERRAL) | (ref == C.REFERRAL_DONE))
        ref_failed = done & (ref == C.REFERRAL_FAILED)
        timed_out = (week - cases.opened_week[active]) >= cw.max_case_weeks
        p_drop = cw.drop_active_weekly * (1.0 - cases.competence[active])
        r = rng.random(len(active))
        outcome = np.full(len(active), C.WHY_OPEN)  # later assignments take precedence
        outcome[r < p_drop + p_file_lost] = C.WHY_FILE_LOST
        outcome[r < p_drop] = C.WHY_FAMILY_DROPPED
        outcome[timed_out] = C.WHY_TIME_LIMIT
        outcome[ref_failed] = C.WHY_REFERRAL_FAILED
        outcome[resolved] = C.WHY_RESOLVED
        reason.update(_closing(active, outcome))

    if len(waiting):
        r = rng.random(len(waiting))
        timed_out = (week - cases.opened_week[waiting]) >= cw.max_case_weeks
        outcome = np.where(r < cw.drop_while_waiting_weekly, C.WHY_FAMILY_DROPPED, C.WHY_OPEN)
        outcome[timed_out] = C.WHY_TIME_LIMIT
        reason.update(_closing(waiting, outcome))
    return reason


def _closing(ids: np.ndarray, outcome: np.ndarray) -> dict[int, int]:
    """{case id: close reason} for the cases whose outcome is not 'still open'."""
    closing_now = np.flatnonzero(outcome != C.WHY_OPEN)
    return dict(zip(ids[closing_now].tolist(), outcome[closing_now].tolist(), strict=True))
