"""The integrated hub (PKSAI / ULT PSAI, or the social affairs office where there is no hub): intake,
triage and assignment.

A found episode becomes a case: its type is the episode's, its severity, need for a partner service and
workload are drawn at intake. The hub assigns waiting cases to the worker with most room under the caseload
cap, high-severity cases first, then the oldest; the rest wait (000 l.567, l.575).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent, Model

from agents import cases as C
from agents.draws import Draws, gamma2
from agents.family import FamilyPopulation, per_case_type
from scenarios.schema import CASE_TYPES, PARTNER_AGENCIES, VULNERABILITIES, Config

if TYPE_CHECKING:
    from agents.workforce import Workforce
    from sim.metrics import WeeklyMetrics

NGO_CHANNEL = C.CHANNELS.index("ngo")
INTAKE_DRAWS = ("severity", "needs_referral", "work", "work_2", "ngo_keeps")
NGO_AGENCY = PARTNER_AGENCIES.index("ngo")


class IntegratedHub(Agent):
    """Steps 5 and 6 of the week: found episodes become cases (and the family's episode is known to the
    system); waiting cases are assigned to workers under the caseload cap."""

    FEEDS = ("first_detections", "opened_by_channel")

    def __init__(
        self,
        model: Model,
        cfg: Config,
        families: FamilyPopulation,
        cases: C.CaseTable,
        metrics: WeeklyMetrics,
        draws: Draws,
    ) -> None:
        super().__init__(model)
        self.families = families
        self.cases = cases
        self.metrics = metrics
        self.draws = draws
        self.caseload_cap = cfg.staffing.caseload_cap
        self.integrated = cfg.coordination.hub
        cw = cfg.casework
        self.work_weeks = per_case_type(cw.work_weeks)
        exploitation = np.isin(np.array(CASE_TYPES), ["economic_exploitation", "sexual_exploitation"])
        self.type_difficulty = np.where(exploitation, cw.exploitation_work_multiplier, 1.0)
        self.extra_vulnerability_work = cw.extra_vulnerability_work
        self.ngo_report_share = cfg.coordination.ngo_report_share
        self.disability_work = cw.disability_work_multiplier
        self.disability_bit = 1 << VULNERABILITIES.index("disability")
        self.high_share = per_case_type(cfg.harm.high_severity_share)
        self.referral_share = per_case_type(cfg.coordination.referral_share)
        self.referral_code = np.array(
            [PARTNER_AGENCIES.index(getattr(cfg.coordination.referral_agency, t)) for t in CASE_TYPES]
        )

    def take_in(self, week: int, families: np.ndarray, channels: np.ndarray) -> None:
        """Open a case for each found family (found by `channels`): the episode is known from now on, and its
        harmed children count as found the first time it is.

        A case's work depends on its type (exploitation needs legal process and several agencies) and on the
        family: more for each vulnerability beyond the first, much more with a disabled member. Without a hub,
        the NGO serves most of the victims it finds itself instead of passing them to the type's partner
        (002 l.104-118: ECPAT's victims are not reported to the police). Severity, the need for a partner
        and the work are properties of the episode: its draws are keyed to the family and its episode number,
        so a case about the same episode gets the same ones in any configuration."""
        if len(families) == 0:
            return
        fam, cases = self.families, self.cases
        kind = fam.episode[families].astype(np.int8)
        k = len(families)
        number, attempt = fam.episode_number(families), fam.times_found[families]
        u = self.draws.keyed(INTAKE_DRAWS, families, number)
        needs_referral = u[1] < self.referral_share[kind]
        high = u[0] < self.high_share[kind]
        mask = fam.vuln_mask[families]
        difficulty = (
            self.type_difficulty[kind]
            * (1.0 + self.extra_vulnerability_work * (fam.vuln_count[families] - 1))
            * np.where(mask & self.disability_bit, self.disability_work, 1.0)
        )
        agency = self.referral_code[kind]
        if not self.integrated:
            kept_by_ngo = (channels == NGO_CHANNEL) & (u[4] >= self.ngo_report_share)
            agency = np.where(kept_by_ngo, NGO_AGENCY, agency)
        cases.open(
            family=families,
            kind=kind,
            high_severity=high,
            channel=channels,
            covered=fam.covered[families],
            opened_week=np.full(k, week),
            status=np.full(k, C.WAITING),
            work_needed=self.work_weeks[kind] * difficulty * gamma2(u[2], u[3], 0.5),
            referral=np.where(needs_referral, C.REFERRAL_PENDING, C.NO_REFERRAL),
            referral_agency=agency,
            vulnerabilities=mask,
            children=fam.harmed[families],
            harm_week=fam.episode_start[families],
            episode=fam.episode_id[families],
            episode_number=number,
            attempt=attempt,
            drop_threshold=self.draws.exponential("drop_out", families, number, attempt),
        )
        first = ~fam.episode_detected[families]
        np.add.at(self.metrics.first_detections[week], kind[first], fam.harmed[families[first]])
        np.add.at(self.metrics.opened_by_channel[week], channels, 1)
        fam.case_opened(families)

    def assign(self, week: int, workforce: Workforce, cms_level: float) -> None:
        """Waiting cases to the workers with most free hours, as far as their hours fit and the caseload cap
        allows; the rest wait (agents/worktime.py)."""
        cases = self.cases
        time = workforce.time_use(cms_level)
        ids = time.in_post
        waiting = cases.ids_with_status(C.WAITING)
        pairs = assignments(
            waiting,
            cases.high_severity,
            cases.opened_week,
            workforce.caseloads()[ids],
            self.caseload_cap,
            time.free[ids],
            workforce.worktime.case_hours(cases, waiting),
        )
        if pairs:
            case_ids, positions = (np.array(x, dtype=np.int64) for x in zip(*pairs, strict=True))
            cases.assign(case_ids, ids[positions], week)


def assignments(
    waiting: np.ndarray,
    high_severity: np.ndarray,
    opened_week: np.ndarray,
    caseloads: np.ndarray,
    cap: int,
    free_hours: np.ndarray,
    case_hours: np.ndarray,
) -> list[tuple[int, int]]:
    """Pairs (case id, worker position): high severity first, then the oldest, each to the worker with the most
    free hours, if the case's hours (`case_hours`, one per waiting case) fit in them and the worker is under the cap; a
    case that fits nowhere waits while smaller ones behind it may still be taken."""
    if len(waiting) == 0 or len(caseloads) == 0:
        return []
    order = np.lexsort((opened_week[waiting], ~high_severity[waiting]))
    room = (cap - caseloads).astype(np.float64)
    free = np.where(room >= 1, free_hours, -1.0)
    pairs: list[tuple[int, int]] = []
    smallest = float(case_hours.min())
    w = -1  # the worker with the most free hours; looked up again only after an assignment changes `free`
    for case, hours in zip(waiting[order].tolist(), case_hours[order].tolist(), strict=True):
        if w < 0:
            w = int(np.argmax(free))
            most = float(free[w])
        if most < smallest:
            break
        if most < hours:
            continue
        pairs.append((case, w))
        free[w] -= hours
        room[w] -= 1
        if room[w] < 1:
            free[w] = -1.0
        w = -1
    return pairs
