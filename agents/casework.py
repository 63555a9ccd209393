"""Casework, referrals and closure.

Each week an assigned case progresses by the worker's competence for its severity (low- or high-severity
skill), slowed when the worker cannot give the case the hours it needs (agents/worktime.py). A case that needs
a partner service is referred (accepted or refused by the partner on the week's referral terms; after
`max_referral_attempts` refusals the worker gives up) and served from the partner's queue. A crisis case the
unit handles itself (the child stays home) is then under structured supervision for `supervision_weeks`
(000 l.613). A case closes resolved when its work is done, its referral (if any) delivered, its supervision
(if any) over and the intervention worked (more likely with skill); unresolved when it did not, when the
referral failed or the time limit passed; dropped when the family drops out (less often with a skilled worker
who has the time to follow them up) or, without a working case-management system, its paper file is lost
(000 l.645).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from agents import cases as C
from agents.agency import Agency, ReferralTerms
from agents.draws import Draws
from agents.family import MAX_WEEKLY_CHANCE, FamilyPopulation, distinct, per_case_type
from agents.workforce import SocialWorker, Workforce
from scenarios.schema import CaseworkConfig, Config

if TYPE_CHECKING:
    from agents.funding import ServiceLevels
    from sim.metrics import WeeklyMetrics


def work(
    cases: C.CaseTable,
    workers: Sequence[SocialWorker],
    attention: np.ndarray,
    cfg: Config,
    week: int,
) -> tuple[np.ndarray, np.ndarray]:
    """A week of work on every active case; returns the active case ids, and those whose intervention was
    delivered this week and whose supervision begins (served, like a delivered referral).

    Speed: a floor plus the worker's competence for the case's severity (skill shortens the work), slower
    outside registry-covered areas (no sub-district committee, 004 l.108) and in proportion to the attention
    the worker can give (`attention` by worker id: the share of the hours their cases need that they have,
    agents/worktime.py). A case whose own work is done
    while it waits for a partner's service, or whose intervention is followed by structured supervision (the
    child stays home, 000 l.613), moves to monitoring and frees most of its slot."""
    cw = cfg.casework
    active = cases.ids_with_status(C.ACTIVE)
    if len(active) == 0:
        return active, active
    # per worker id: the skills of the active workers (only they hold active cases)
    skill, high = np.zeros(len(attention)), np.zeros(len(attention))
    for wk in workers:
        skill[wk.log_id], high[wk.log_id] = wk.skill, wk.high_skill
    wid = cases.worker[active]
    competence = np.where(cases.high_severity[active], high[wid], skill[wid])
    speed = cw.speed_floor + (1.0 - cw.speed_floor) * competence
    speed *= np.where(cases.covered[active], 1.0, cw.uncovered_casework_factor) * attention[wid]
    cases.competence[active] = competence
    cases.attention[active] = attention[wid]
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
    cases.start_monitoring(active[to_monitoring])
    return active, active[begins]


def refer(
    cases: C.CaseTable,
    active: np.ndarray,
    partners: Sequence[Agency],
    terms: ReferralTerms,
    uncovered_factor: float,
    max_attempts: int,
    week: int,
    draws: Draws,
) -> tuple[int, int, list[int]]:
    """Send pending referrals (taken less readily outside registry-covered areas, 004 l.108) and let partners
    serve their queues; returns (sent, accepted, the cases whose service was delivered). A referral's draws
    are keyed to the case (family, episode, case within the episode) and the referral attempt."""
    sent = accepted = 0
    pending = active[cases.referral[active] == C.REFERRAL_PENDING]
    u_accept, u_delay = draws.keyed(
        ("referral_accepted", "referral_delay"),
        cases.family[pending],
        cases.episode_number[pending],
        cases.attempt[pending],
        cases.referral_attempts[pending],
    )
    for i, case_id in enumerate(pending.tolist()):
        agency = partners[cases.referral_agency[case_id]]
        sent += 1
        acceptance = terms.acceptance * (1.0 if cases.covered[case_id] else uncovered_factor)
        if agency.offer(case_id, week, acceptance, terms.mean_delay_weeks, u_accept[i], u_delay[i]):
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
    draws: Draws,
) -> tuple[np.ndarray, np.ndarray]:
    """(case ids, close reasons) of the cases that close this week.

    A finished case (its referral, if any, delivered, and its structured supervision, if any, over) resolves
    with a chance that rises from `success_floor` to 1 with the worker's competence: skill decides the
    outcome, not only the speed. A family drops out (or, without a working case-management system, its file
    is lost) when the case's event clock passes its threshold; whether an intervention works is the case's
    own uniform. Both are keyed to the case (family, episode, case within the episode), so a case opened in two
    configurations meets the same luck and only competence and waiting tell them apart."""
    active = cases.ids_with_status(C.ACTIVE)
    waiting = cases.ids_with_status(C.WAITING)
    ids, reasons = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]

    if len(active):
        done = cases.progress[active] >= cases.work_needed[active]
        ref = cases.referral[active]
        # work() has already begun the supervision of every finished case that needs it (-1: none needed)
        finished = done & _service_done(ref) & (week >= cases.supervised_until[active])
        ref_failed = done & (ref == C.REFERRAL_FAILED)
        timed_out = (week - cases.opened_week[active]) >= cw.max_case_weeks
        # a family stays with a worker who has the skill and the time to follow them up
        p_drop = cw.drop_active_weekly * (1.0 - cases.competence[active] * cases.attention[active])
        competence = cases.competence[active]
        gone = _tick(cases, active, p_drop + p_file_lost)
        key = (cases.family[active], cases.episode_number[active], cases.attempt[active])
        u_which, u_success = draws.keyed(("drop_or_loss", "success"), *key)
        success = u_success < cw.success_floor + (1.0 - cw.success_floor) * competence
        outcome = np.full(len(active), C.WHY_OPEN)  # later assignments take precedence
        dropped = u_which * (p_drop + p_file_lost) < p_drop  # which of the two: in proportion to their chances
        outcome[gone] = np.where(dropped[gone], C.WHY_FAMILY_DROPPED, C.WHY_FILE_LOST)
        outcome[timed_out] = C.WHY_TIME_LIMIT
        outcome[ref_failed] = C.WHY_REFERRAL_FAILED
        outcome[finished & ~success] = C.WHY_NOT_RESOLVED
        outcome[finished & success] = C.WHY_RESOLVED
        _closing(active, outcome, ids, reasons)

    if len(waiting):
        gone = _tick(cases, waiting, np.full(len(waiting), cw.drop_while_waiting_weekly))
        timed_out = (week - cases.opened_week[waiting]) >= cw.max_case_weeks
        outcome = np.where(gone, C.WHY_FAMILY_DROPPED, C.WHY_OPEN)
        outcome[timed_out] = C.WHY_TIME_LIMIT
        _closing(waiting, outcome, ids, reasons)
    return np.concatenate(ids), np.concatenate(reasons)


def _tick(cases: C.CaseTable, ids: np.ndarray, weekly_chance: np.ndarray) -> np.ndarray:
    """Run these cases' drop-out clocks for a week at the given chances; True where the clock passed its
    threshold (an event clock, agents/draws.py)."""
    cases.drop_clock[ids] -= np.log1p(-np.minimum(weekly_chance, MAX_WEEKLY_CHANCE))
    return cases.drop_clock[ids] >= cases.drop_threshold[ids]


def _service_done(referral: np.ndarray) -> np.ndarray:
    """The case needs no partner service, or the partner has delivered it."""
    return (referral == C.NO_REFERRAL) | (referral == C.REFERRAL_DONE)


def _closing(ids: np.ndarray, outcome: np.ndarray, out_ids: list, out_reasons: list) -> None:
    """Append the cases whose outcome is not 'still open', and their reasons."""
    closing_now = outcome != C.WHY_OPEN
    out_ids.append(ids[closing_now])
    out_reasons.append(outcome[closing_now].astype(np.int64))


class Casework:
    """Steps 7 and 8 of the week: the workers' casework, referrals to partners and what they deliver, and the
    cases that close. Serving and closing are also what the families feel: a first service counts the
    episode's harmed children as served; a closure ends the episode or leaves it hidden again."""

    FEEDS = ("reached", "served", "closed", "referrals_sent", "referrals_accepted", "referrals_completed")

    def __init__(
        self,
        cfg: Config,
        families: FamilyPopulation,
        cases: C.CaseTable,
        partners: Sequence[Agency],
        metrics: WeeklyMetrics,
        draws: Draws,
    ) -> None:
        self.cfg = cfg
        self.families = families
        self.cases = cases
        self.partners = partners
        self.metrics = metrics
        self.draws = draws

    def step(self, week: int, workforce: Workforce, levels: ServiceLevels) -> None:
        cfg, m = self.cfg, self.metrics
        attention = workforce.time_use(levels.cms).attention
        active, supervised = work(self.cases, workforce.workers(), attention, cfg, week)
        self.reach(supervised, week)
        for agency in self.partners:
            agency.capacity_per_week = agency.base_capacity * levels.partner_capacity
        sent, accepted, delivered = refer(
            self.cases,
            active,
            self.partners,
            levels.terms,
            cfg.coordination.uncovered_referral_factor,
            cfg.coordination.max_referral_attempts,
            week,
            self.draws,
        )
        m.referrals_sent[week] += sent
        m.referrals_accepted[week] += accepted
        m.referrals_completed[week] += len(delivered)
        self.serve(np.array(delivered, dtype=np.int64), week)
        self.close(week, levels.cms)

    def reach(self, case_ids: np.ndarray, week: int) -> None:
        """Cases given a service this week (resolved, their referred service delivered, or their intervention
        delivered with supervision to follow): the first service of an episode counts its harmed children as
        reached (contact coverage), whether or not the service works."""
        new = self.cases.mark_served(case_ids, week)
        fam = self.families
        first = fam.first_service(distinct(self.cases.family[new]))
        np.add.at(self.metrics.reached[week], fam.episode[first], fam.harmed[first])

    def serve(self, case_ids: np.ndarray, week: int) -> None:
        """Cases given a service that works this week: resolved (the harm stopped) or their referred service
        delivered (the partner took the child out of harm, 000 l.613). The episode's harmed children count as
        reached and, the first time, as effectively served (effective coverage)."""
        self.reach(case_ids, week)
        fam = self.families
        first = fam.first_effective_service(distinct(self.cases.family[case_ids]))
        np.add.at(self.metrics.served[week], fam.episode[first], fam.harmed[first])

    def close(self, week: int, cms_level: float) -> None:
        """Closure (resolved / unresolved / dropped): without a working case-management system a paper file
        may be lost (000 l.645). A resolved case is served; the family's episode ends or goes on hidden."""
        p_lost = (1.0 - cms_level) * self.cfg.coordination.record_loss_weekly_without_cms
        ids, reasons = closing(self.cases, self.cfg.casework, p_lost, week, self.draws)
        self.serve(ids[reasons == C.WHY_RESOLVED], week)
        self.cases.close(ids, reasons, week)
        status = C.STATUS_CODE_OF_REASON[reasons]
        np.add.at(self.metrics.closed[week], status - C.RESOLVED, 1)
        self.families.cases_closed(
            self.cases.family[ids], status == C.RESOLVED, week, self.cfg.harm.recurrence_window_weeks
        )
