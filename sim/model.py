"""The Mesa model: a city's child-protection system, advanced one week per `step()`.

Weekly schedule (docs/ODD.md, "Process overview"):
  1 funding and budgets  2 prevention  3 harm and needs  4 detection  5 intake and triage
  6 assignment  7 casework and referrals  8 closure and recurrence  9 workforce  10 metrics
"""

from __future__ import annotations

import numpy as np
from mesa import Model

from agents.agency import Agency, IntegratedHub, ReferralTerms, referral_terms
from agents.family import Family, FamilyPopulation, per_case_type
from agents.funder import Funder
from agents.local_government import LocalGovernment
from agents.social_worker import SocialWorker, WorkingConditions
from scenarios.schema import CASE_TYPES, EMPLOYERS, PARTNER_AGENCIES, Config
from sim import cases as C
from sim.ledger import Ledger
from sim.metrics import WeeklyMetrics
from sim.streams import Streams

PROGRAMME_LINES = ("mentoring", "case_management_system", "outreach", "prevention")
DONOR_PAYERS = ("funder", "local")


class CPModel(Model):
    def __init__(self, config: Config, seed: int) -> None:
        super().__init__(rng=seed)
        self.cfg = config
        self.seed = seed
        self.streams = Streams.from_seed(seed)
        self.n_weeks = config.n_weeks
        self.week = 0

        self.families = FamilyPopulation(config, self.streams.population)
        self.family_agents: dict[int, Family] = {}
        self.cases = C.CaseTable()
        self.ledger = Ledger(self.n_weeks)
        self.funder = Funder(self, config.funding, config.transition)
        self.government = LocalGovernment(self, config.funding, config.transition)
        self.hub = IntegratedHub(self, config.coordination.hub)
        capacity = config.coordination.agency_capacity_per_week
        self.partners = [Agency(self, name, getattr(capacity, name)) for name in PARTNER_AGENCIES]
        self.n_partners = sum(a.capacity_per_week > 0 for a in self.partners)

        self.positions = self.planned_positions(config.run.start_year)
        self.workers: list[SocialWorker] = []  # active
        self.worker_log: list[SocialWorker] = []  # everyone ever employed; index = worker id
        self.vacancies: list[tuple[int, str]] = []  # (week it can be filled, employer)
        for employer, n in self.positions.items():
            for _ in range(n):
                self._hire(employer)

        self.stress = _stress_by_week(config)
        self.session_weeks = _session_weeks(config)
        self.work_weeks = per_case_type(config.casework.work_weeks)
        self.high_share = per_case_type(config.harm.high_severity_share)
        self.referral_share = per_case_type(config.coordination.referral_share)
        self.referral_code = np.array(
            [PARTNER_AGENCIES.index(getattr(config.coordination.referral_agency, t)) for t in CASE_TYPES]
        )
        det = config.detection
        self.p_outreach = per_case_type(det.outreach_weekly)
        self.p_community = per_case_type(det.community_report_weekly)
        self.p_agency = per_case_type(det.agency_channel_weekly)
        self.p_ngo = per_case_type(det.ngo_identification_weekly)

        self.planned: dict[str, float] = {}  # this budget year's planned cost per line, set in step 1
        # this week's funding-dependent levels, set in step 1
        self.cms_working = False
        self.outreach_intensity = 0.0
        self.prevention_intensity = 0.0
        self.mentoring_intensity = 0.0
        self.training_fraction = 0.0
        self.shortfall = 0.0
        self.terms = ReferralTerms(0.0, 0.0)
        self.metrics = WeeklyMetrics(self.n_weeks)

    # ---- calendar ----

    @property
    def year(self) -> int:
        return self.cfg.run.start_year + self.week // 52

    def planned_positions(self, year: int) -> dict[str, int]:
        """Worker positions by employer in a year: the transition plan's entry if any, else staffing.workers."""
        entry = self.cfg.transition.entry(year)
        counts = self.cfg.staffing.workers if entry is None else entry.positions
        return {e: getattr(counts, e) for e in EMPLOYERS}

    def planned_costs(self, year: int) -> dict[str, float]:
        """Planned cost per budget line for a year (Rp m): what full delivery of the programme would cost."""
        cfg, n_staff = self.cfg, sum(self.positions.values())
        first = 52 * (year - cfg.run.start_year)
        sessions = sum(first <= w < first + 52 for w in self.session_weeks)
        return {
            "training": sessions * n_staff * cfg.training.session_cost_per_worker,
            "mentoring": 52 * n_staff * cfg.training.mentoring_cost_per_worker_week * cfg.training.mentoring,
            "case_management_system": cfg.funding.cms_cost_per_year * cfg.coordination.shared_cms,
            "outreach": cfg.funding.outreach_cost_per_year,
            "worker_contracts": 52 * self.positions["donor"] * cfg.staffing.salary_per_week.donor,
            "prevention": cfg.funding.prevention_cost_per_year,
        }

    # ---- the week ----

    def step(self) -> None:
        if self.week >= self.n_weeks:
            raise RuntimeError(f"the run has ended after {self.n_weeks} weeks")
        w = self.week
        self._funding(w)
        self._prevention(w)
        self._harm(w)
        detected, channels = self._detection(w)
        self._intake(w, detected, channels)
        self._assignment(w)
        self._casework(w)
        self._closure(w)
        self._workforce(w)
        self._record(w)
        self.week += 1

    # 1 funding and budgets
    def _funding(self, w: int) -> None:
        cfg, ledger = self.cfg, self.ledger
        if w % 52 == 0:
            year = self.year
            if self.cfg.transition.years:
                self._set_positions(self.planned_positions(year), w)
            self.planned = self.planned_costs(year)  # fixed for the budget year: positions change only now
            self.funder.disburse(year, self.planned, ledger)
            self.government.disburse(year, self.planned, self.funder, ledger, self.streams.funding)

        self._pay_salaries(w)
        weekly = self.planned
        fractions = {}
        weeks_left = 52 - w % 52
        for line in PROGRAMME_LINES:
            need = weekly[line] / 52
            # pace the year's money evenly instead of running the line dry before December
            budget = min(need, ledger.available(line, DONOR_PAYERS) / weeks_left)
            fractions[line] = ledger.spend(w, line, budget, DONOR_PAYERS) / need if need > 0 else 0.0
        self.mentoring_intensity = fractions["mentoring"]
        self.cms_working = cfg.coordination.shared_cms and fractions["case_management_system"] > 0.999
        self.outreach_intensity = fractions["outreach"]
        self.prevention_intensity = fractions["prevention"]
        funded = [fractions[line] for line in PROGRAMME_LINES if weekly[line] > 0]
        self.shortfall = 1.0 - float(np.mean(funded)) if funded else 0.0

        self.training_fraction = 0.0
        if w in self.session_weeks and self.workers:
            need = cfg.training.session_cost_per_worker * len(self.workers)
            self.training_fraction = ledger.spend(w, "training", need, DONOR_PAYERS) / need
        employer_groups = len({wk.employer for wk in self.workers})
        self.terms = referral_terms(
            cfg.coordination, self.government.regulation, self.cms_working, self.n_partners, employer_groups
        )

    def _set_positions(self, positions: dict[str, int], w: int) -> None:
        """Follow a hiring plan: new posts are advertised (filled after the hiring lag); abolished posts go
        first from the vacancies, then the most recently hired worker's contract ends."""
        for employer, n in positions.items():
            change = n - self.positions[employer]
            self.vacancies.extend([(w + self.cfg.staffing.hiring_lag_weeks, employer)] * max(0, change))
            for _ in range(-change):
                mine = [v for v in self.vacancies if v[1] == employer]
                if mine:
                    self.vacancies.remove(mine[-1])
                else:
                    last = max((wk for wk in self.workers if wk.employer == employer), key=lambda wk: wk.log_id)
                    self._separate(last, w, "contract_ended", refill=False)
            self.positions[employer] = n

    def _pay_salaries(self, w: int) -> None:
        """Civil servants (national, local) are on routine payroll, paid as they go. Donor contracts are paid
        from the worker-contract line (funder money, then local co-financing or pickup); when the line cannot
        pay every donor worker to the end of the year, the newest contracts end now rather than all later."""
        salary = self.cfg.staffing.salary_per_week
        donors = [wk for wk in self.workers if wk.employer == "donor"]
        for worker in donors[self._affordable_donor_contracts(w) :]:
            self._separate(worker, w, "contract_ended")
        for employer in EMPLOYERS:
            payroll = getattr(salary, employer) * sum(wk.employer == employer for wk in self.workers)
            if employer == "donor":
                self.ledger.spend(w, "worker_contracts", payroll, DONOR_PAYERS)
            else:
                self.ledger.receive(employer, "worker_contracts", payroll)
                self.ledger.spend(w, "worker_contracts", payroll, (employer,))

    def _affordable_donor_contracts(self, w: int) -> int:
        """How many donor contracts the worker-contract line can pay until the end of this budget year."""
        weeks_left = 52 - w % 52
        cost = self.cfg.staffing.salary_per_week.donor * weeks_left
        if cost <= 0:
            return len(self.workers)
        return int(self.ledger.available("worker_contracts", DONOR_PAYERS) / cost + 1e-6)

    # 2 prevention
    def _prevention(self, w: int) -> None:
        prev = self.cfg.prevention
        gain = prev.awareness_gain_per_week * self.prevention_intensity
        self.families.update_awareness(gain, prev.awareness_decay_per_week)
        rng = self.streams.prevention
        expected = prev.early_intervention_families_per_year / 52 * self.prevention_intensity
        k = min(int(expected) + int(rng.random() < expected % 1), len(self.families.at_risk))
        if k:
            chosen = rng.choice(self.families.at_risk, size=k, replace=False)
            self.families.protect(chosen, w + prev.early_intervention_weeks)
            self.metrics.early_interventions[w] = k

    # 3 harm and needs
    def _harm(self, w: int) -> None:
        harm = self.cfg.harm
        u = self.streams.harm.random(self.families.n)
        new, kinds = self.families.draw_episodes(
            w,
            self.stress[w],
            u,
            harm.awareness_protection,
            self.cfg.prevention.early_intervention_risk_reduction,
            harm.recurrence_multiplier,
            harm.hidden_harm_ends_weekly,
        )
        np.add.at(self.metrics.new_episodes[w], kinds, self.families.children[new])

    # 4 detection: outreach, community reports, agency channels, NGO identification; most harm stays hidden
    def _detection(self, w: int) -> tuple[np.ndarray, np.ndarray]:
        fam = self.families
        v = self.streams.detection.random(fam.n)
        hidden = fam.hidden()
        kind = fam.episode[hidden]
        reach = np.where(fam.covered[hidden], 1.0, self.cfg.detection.uncovered_outreach_factor)
        p = np.stack(
            [
                self.p_outreach[kind] * self.outreach_intensity * reach,
                self.p_community[kind] * fam.awareness[hidden],
                self.p_agency[kind] * self.terms.acceptance,
                self.p_ngo[kind],
            ]
        )
        p_any = 1.0 - np.prod(1.0 - p, axis=0)
        found = v[hidden] < p_any
        # which channel found it: split the same uniform in proportion to the channel probabilities
        cum = np.cumsum(p[:, found], axis=0)
        target = v[hidden][found] / p_any[found] * cum[-1]
        channels = np.minimum((cum < target).sum(axis=0), len(C.CHANNELS) - 1)
        return hidden[found], channels

    # 5 intake and triage at the hub
    def _intake(self, w: int, families: np.ndarray, channels: np.ndarray) -> None:
        if len(families) == 0:
            return
        fam, rng = self.families, self.streams.casework
        kind = fam.episode[families].astype(np.int8)
        k = len(families)
        needs_referral = rng.random(k) < self.referral_share[kind]
        ids = self.cases.open(
            family=families,
            kind=kind,
            high_severity=rng.random(k) < self.high_share[kind],
            channel=channels,
            covered=fam.covered[families],
            opened_week=np.full(k, w),
            status=np.full(k, C.WAITING),
            work_needed=self.work_weeks[kind] * rng.gamma(2.0, 0.5, k),
            referral=np.where(needs_referral, C.REFERRAL_PENDING, C.NO_REFERRAL),
            referral_agency=self.referral_code[kind],
            vulnerabilities=fam.vuln_mask[families],
        )
        first = ~fam.episode_detected[families]
        np.add.at(self.metrics.first_detections[w], kind[first], fam.children[families[first]])
        np.add.at(self.metrics.opened_by_channel[w], channels, 1)
        for f, case_id in zip(families.tolist(), ids.tolist(), strict=True):
            agent = self.family_agents.get(f)
            if agent is None:  # the family's first contact with the system: now it becomes an agent
                agent = self.family_agents[f] = Family(self, f)
            agent.on_case_opened(case_id)

    # 6 assignment under the caseload cap; the rest wait
    def _assignment(self, w: int) -> None:
        cases = self.cases
        waiting = cases.ids_with_status(C.WAITING)
        caseloads = np.array([wk.caseload for wk in self.workers], dtype=np.int64)
        pairs = self.hub.assign(
            waiting, cases.high_severity, cases.opened_week, caseloads, self.cfg.staffing.caseload_cap
        )
        for case_id, pos in pairs:
            worker = self.workers[pos]
            worker.caseload += 1
            cases.status[case_id] = C.ACTIVE
            cases.worker[case_id] = worker.log_id
            if cases.assigned_week[case_id] < 0:
                cases.assigned_week[case_id] = w

    # 7 casework and referrals
    def _casework(self, w: int) -> None:
        cases, cfg = self.cases, self.cfg
        active = cases.ids_with_status(C.ACTIVE)
        if len(active):
            skill = np.array([wk.skill for wk in self.worker_log])
            high = np.array([wk.high_skill for wk in self.worker_log])
            load = np.array([wk.caseload for wk in self.worker_log], dtype=np.float64)
            wid = cases.worker[active]
            competence = np.where(cases.high_severity[active], high[wid], skill[wid])
            overload = np.maximum(0.0, load[wid] / cfg.staffing.caseload_norm - 1.0)
            cases.competence[active] = competence
            cases.progress[active] += competence / (1.0 + cfg.casework.overload_slowdown * overload)

        rng = self.streams.referral
        pending = active[cases.referral[active] == C.REFERRAL_PENDING]
        for case_id in pending.tolist():
            agency = self.partners[cases.referral_agency[case_id]]
            self.metrics.referrals_sent[w] += 1
            if agency.offer(case_id, w, self.terms, rng):
                cases.referral[case_id] = C.REFERRAL_QUEUED
                cases.referral_sent_week[case_id] = w
                self.metrics.referrals_accepted[w] += 1
            else:
                cases.referral_attempts[case_id] += 1
                if cases.referral_attempts[case_id] >= cfg.coordination.max_referral_attempts:
                    cases.referral[case_id] = C.REFERRAL_FAILED

        status = cases.status
        for agency in self.partners:
            for case_id in agency.serve(w, lambda c: status[c] == C.ACTIVE):
                cases.referral[case_id] = C.REFERRAL_DONE
                cases.referral_done_week[case_id] = w
                self.metrics.referrals_completed[w] += 1

    # 8 closure (resolved / unresolved / dropped) and recurrence
    def _closure(self, w: int) -> None:
        cases, cw, rng = self.cases, self.cfg.casework, self.streams.casework
        active = cases.ids_with_status(C.ACTIVE)
        waiting = cases.ids_with_status(C.WAITING)
        reason: dict[int, int] = {}

        if len(active):
            done = cases.progress[active] >= cases.work_needed[active]
            ref = cases.referral[active]
            resolved = done & ((ref == C.NO_REFERRAL) | (ref == C.REFERRAL_DONE))
            ref_failed = done & (ref == C.REFERRAL_FAILED)
            timed_out = (w - cases.opened_week[active]) >= cw.max_case_weeks
            p_drop = cw.drop_active_weekly * (1.0 - cases.competence[active])
            p_lost = 0.0 if self.cms_working else self.cfg.coordination.record_loss_weekly_without_cms
            r = rng.random(len(active))
            outcome = np.full(len(active), C.WHY_OPEN)  # later assignments take precedence
            outcome[r < p_drop + p_lost] = C.WHY_FILE_LOST
            outcome[r < p_drop] = C.WHY_FAMILY_DROPPED
            outcome[timed_out] = C.WHY_TIME_LIMIT
            outcome[ref_failed] = C.WHY_REFERRAL_FAILED
            outcome[resolved] = C.WHY_RESOLVED
            reason.update(_closing(active, outcome))

        if len(waiting):
            r = rng.random(len(waiting))
            timed_out = (w - cases.opened_week[waiting]) >= cw.max_case_weeks
            outcome = np.where(r < cw.drop_while_waiting_weekly, C.WHY_FAMILY_DROPPED, C.WHY_OPEN)
            outcome[timed_out] = C.WHY_TIME_LIMIT
            reason.update(_closing(waiting, outcome))

        window = self.cfg.harm.recurrence_window_weeks
        for case_id, why in reason.items():
            self._close_case(case_id, why, w, window)

    def _close_case(self, case_id: int, why: int, w: int, window: int) -> None:
        cases = self.cases
        status = C.STATUS_OF_REASON[why]
        resolved = status == C.RESOLVED
        if cases.status[case_id] == C.ACTIVE:
            worker = self.worker_log[cases.worker[case_id]]
            worker.caseload -= 1
            worker.cases_resolved += resolved
        cases.status[case_id] = status
        cases.closed_week[case_id] = w
        cases.close_reason[case_id] = why
        self.metrics.closed[w, status - C.RESOLVED] += 1
        self.family_agents[int(cases.family[case_id])].on_case_closed(resolved, w, window)

    # 9 workforce: training, mentoring, morale, exits, hires
    def _workforce(self, w: int) -> None:
        cfg, rng = self.cfg, self.streams.workforce
        tr = cfg.training
        if self.training_fraction > 0:
            n_trained = round(self.training_fraction * len(self.workers))
            for pos in rng.choice(len(self.workers), size=n_trained, replace=False).tolist():
                self.workers[pos].attend_classroom(tr)
        if tr.mentoring and self.mentoring_intensity > 0:
            for worker in self.workers:
                worker.be_mentored(tr, self.mentoring_intensity)

        conditions = WorkingConditions(
            caseload_norm=cfg.staffing.caseload_norm,
            shortfall=self.shortfall,
            supervision=min(1.0, 8.0 * cfg.staffing.supervisors / max(1, len(self.workers))),
            isolation_factor=0.5 if self.government.regulation == "regional_law" else 1.0,
        )
        for worker in list(self.workers):
            p_exit = worker.weekly_update(tr, cfg.workforce, conditions)
            if rng.random() < p_exit:
                self._separate(worker, w, "quit")

        still_vacant = []
        for ready, employer in self.vacancies:
            if ready <= w and self._can_pay(employer):
                self._hire(employer)
                self.metrics.hires[w] += 1
            else:
                still_vacant.append((ready, employer))
        self.vacancies = still_vacant

    def _can_pay(self, employer: str) -> bool:
        """Civil-service posts are always funded; a donor contract only if the line can pay it all year."""
        if employer != "donor":
            return True
        n_donor = sum(wk.employer == "donor" for wk in self.workers)
        return self._affordable_donor_contracts(self.week) > n_donor

    def _hire(self, employer: str) -> None:
        worker = SocialWorker(self, employer, self.week, self.cfg.training, log_id=len(self.worker_log))
        self.worker_log.append(worker)
        self.workers.append(worker)

    def _separate(self, worker: SocialWorker, w: int, reason: str, refill: bool = True) -> None:
        """A worker leaves: their open cases go back to the waiting list and the position falls vacant
        (unless the post itself is abolished)."""
        worker.leave(w, reason)
        self.workers.remove(worker)
        cases = self.cases
        theirs = np.flatnonzero((cases.worker == worker.log_id) & (cases.status == C.ACTIVE))
        cases.status[theirs] = C.WAITING
        cases.worker[theirs] = -1
        worker.caseload = 0
        if refill:
            self.vacancies.append((w + self.cfg.staffing.hiring_lag_weeks, worker.employer))
        self.metrics.exits[w] += 1
        self.metrics.layoffs[w] += reason == "contract_ended"

    # 10 metrics
    def _record(self, w: int) -> None:
        m, cases, fam = self.metrics, self.cases, self.families
        counts = np.bincount(cases.status, minlength=5)
        m.waiting[w], m.active[w] = counts[C.WAITING], counts[C.ACTIVE]
        for i, employer in enumerate(EMPLOYERS):
            m.workers[w, i] = sum(wk.employer == employer for wk in self.workers)
        if self.workers:
            m.mean_skill[w] = np.mean([wk.skill for wk in self.workers])
            m.mean_high_skill[w] = np.mean([wk.high_skill for wk in self.workers])
            m.mean_morale[w] = np.mean([wk.morale for wk in self.workers])
            m.mean_caseload[w] = np.mean([wk.caseload for wk in self.workers])
            m.max_caseload[w] = max(wk.caseload for wk in self.workers)
        m.vacancies[w] = len(self.vacancies)
        m.awareness[w] = fam.awareness.mean()
        m.hidden_episodes[w] = int(((fam.episode != -1) & ~fam.known).sum())
        m.outreach_intensity[w] = self.outreach_intensity
        m.prevention_intensity[w] = self.prevention_intensity
        m.cms_working[w] = self.cms_working
        m.referral_acceptance[w] = self.terms.acceptance
        m.referral_delay[w] = self.terms.mean_delay_weeks


def _closing(ids: np.ndarray, outcome: np.ndarray) -> dict[int, int]:
    """{case id: close reason} for the cases whose outcome is not 'still open'."""
    closing = np.flatnonzero(outcome != C.WHY_OPEN)
    return dict(zip(ids[closing].tolist(), outcome[closing].tolist(), strict=True))


def _stress_by_week(cfg: Config) -> np.ndarray:
    """Economic stress multiplier for each week: a yearly trend plus scheduled shocks."""
    years = cfg.run.start_year + np.arange(cfg.n_weeks) / 52.0
    stress = (1.0 + cfg.economy.stress_trend_per_year) ** np.floor(years - cfg.run.start_year)
    for shock in cfg.economy.shocks:
        on = (years >= shock.year) & (years < shock.year + shock.duration_years)
        stress = np.where(on, stress * (1.0 + shock.magnitude), stress)
    # round so the hazard matvec is only redone when stress really changes
    return np.round(stress, 6)


def _session_weeks(cfg: Config) -> set[int]:
    """Weeks with a classroom session: the start, then every `refresher_every_weeks`."""
    tr = cfg.training
    if not tr.classroom:
        return set()
    if tr.refresher_every_weeks <= 0:
        return {0}
    return set(range(0, cfg.n_weeks, tr.refresher_every_weeks))
