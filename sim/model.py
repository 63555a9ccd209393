"""The Mesa model: a city's child-protection system, advanced one week per `step()`.

`CPModel()` runs the default city (the calibrated `makassar_pksai` scenario); `CPModel(scenario=NAME,
rng=SEED, staffing={"caseload_cap": 20})` another scenario, seed or override, as in every Mesa 3 model, so
`mesa.batch_run` and `SolaraViz` drive it as they are. `running` turns False at the horizon, and
`datacollector` holds the weekly KPIs.

This file holds only the weekly schedule (docs/ODD.md, "Process overview"); each process lives in one
module of `agents/`:
  1 funding and budgets        agents/funding.py     (withdrawal, pickup, pacing, donor contracts)
  2 prevention                 agents/prevention.py
  3 harm and needs             agents/family.py
  4 detection                  agents/detection.py
  5 intake and triage          agents/hub.py
  6 assignment                 agents/hub.py
  7 casework and referrals     agents/casework.py, agents/agency.py
  8 closure and recurrence     agents/casework.py, agents/family.py
  9 workforce                  agents/training.py (classroom, mentoring), agents/workforce.py (morale, exits, hires)
 10 metrics                    sim/metrics.py (weekly table), `datacollector` (live KPIs)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from mesa import DataCollector, Model
from mesa.experimental.scenarios import Scenario

from agents import cases as C
from agents import casework, training
from agents.agency import Agency, ReferralTerms, capacity_factor, referral_terms
from agents.detection import Detection
from agents.family import FamilyPopulation
from agents.funding import (
    PROGRAMME_LINES,
    Funder,
    LocalGovernment,
    affordable_contracts,
    planned_costs,
    weekly_allowance,
)
from agents.hub import IntegratedHub
from agents.prevention import prevent
from agents.workforce import Workforce, WorkingConditions
from scenarios.schema import CASE_TYPES, EMPLOYERS, PARTNER_AGENCIES, Config
from scenarios.transition import effective_plan
from scenarios.validate import ConfigError, check_seed
from sim.ledger import Ledger
from sim.metrics import WeeklyMetrics
from sim.streams import Streams

DEFAULT_SCENARIO = "makassar_pksai"
DONOR_PAYERS = ("funder", "local")
AGENCY_CHANNEL = C.CHANNELS.index("agency")  # the civil registry passes cases on as an agency


# the live KPIs, one value per week, kept by `datacollector` (the whole weekly table: sim.run.collect)
KPIS = (
    "cases_opened",
    "cases_resolved",
    "waiting",
    "active",
    "backlog",
    "workers",
    "vacancies",
    "exits",
    "mean_skill",
    "mean_high_skill",
    "mean_morale",
    "mean_caseload",
    "referral_acceptance",
    "awareness",
    "hidden_episodes",
    "resolution_rate",
    "spend_funder",
    "spend_local",
    "spend_national",
)
REPORTERS = {name: (lambda m, name=name: m.kpis[name]) for name in KPIS}


def nested(overrides: dict[str, Any]) -> dict[str, Any]:
    """`{"staffing__caseload_cap": 20, "run": {"end_year": 2020}}` -> nested sections, merged."""
    out: dict[str, Any] = {}
    for key, value in overrides.items():
        *path, leaf = key.split("__")
        node = out
        for part in path:
            node = node.setdefault(part, {})
        if isinstance(value, dict) and isinstance(node.get(leaf), dict):
            node[leaf] = {**node[leaf], **value}
        else:
            node[leaf] = value
    return out


class City(Scenario):
    """Mesa's scenario object for a cpsim model: which studied system it runs. The model keeps one as
    `model.scenario`, so Mesa's tools that rebuild a model from its scenario (SolaraViz's Reset) get the
    same city back."""

    name: str = DEFAULT_SCENARIO


class CPModel(Model):
    """A city's child-protection system.

    Args:
        scenario: a scenario of `scenarios/conf/scenario/` by name, or a Mesa `Scenario` (its `name`, if it
            has one, and its `rng`); ignored when `config` is given.
        rng: the seed; None draws one (recorded as `seed`).
        config: a validated `Config` to run instead of a scenario.
        **overrides: config values to change, as a section (`staffing={"caseload_cap": 20}`) or a flat path
            with `__` for the dots (`staffing__caseload_cap=20`, handy for `batch_run` and sliders); checked,
            a bad value raises `ConfigError` naming the field.
    """

    def __init__(
        self,
        scenario: str | Scenario = DEFAULT_SCENARIO,
        rng: int | None = None,
        config: Config | None = None,
        **overrides: Any,
    ) -> None:
        if isinstance(scenario, Scenario):  # Mesa passes its scenario object back when it rebuilds the model
            rng = scenario.rng if rng is None else rng
            scenario = getattr(scenario, "name", DEFAULT_SCENARIO)
        if config is None:
            from scenarios.validate import config_from_dict
            from sim.compose import scenario_dict  # Hydra's composer is only needed for scenario names

            config = config_from_dict(scenario_dict(scenario, nested(overrides)))
        elif overrides:
            raise ConfigError(f"{next(iter(overrides))}: give overrides or a config, not both")
        # rng=None draws a seed and records it in self.seed (Mesa's convention); any other value is checked
        seed = int(np.random.SeedSequence().entropy % 2**63) if rng is None else check_seed(rng, "rng")
        super().__init__(scenario=City(name=scenario, rng=seed))
        self.cfg = cfg = config
        self.seed = seed
        self.streams = Streams.from_seed(seed)
        self.n_weeks = cfg.n_weeks
        self.week = 0
        self.running = True

        self.plan = effective_plan(cfg)
        self.families = FamilyPopulation(cfg, self.streams.population)
        self.drive_weeks, self.drive_chance = self._registry_drive(cfg)
        self.cases = C.CaseTable()
        self.ledger = Ledger(self.n_weeks)
        self.funder = Funder(self, cfg.funding, self.plan)
        self.government = LocalGovernment(self, cfg.funding, self.plan)
        self.hub = IntegratedHub(self, cfg)
        capacity = cfg.coordination.agency_capacity_per_week
        self.partners = [Agency(self, name, getattr(capacity, name)) for name in PARTNER_AGENCIES]
        self.n_partners = sum(a.capacity_per_week > 0 for a in self.partners)
        self.detection = Detection.from_config(cfg.detection)
        self.workforce = Workforce(
            self,
            cfg.staffing,
            cfg.training,
            self.positions_in(cfg.run.start_year),
            self._release,
            cfg.casework.monitoring_load,
        )

        self.stress, self.detection_factor = _shocks_by_week(cfg)
        self.season = _season_by_week(cfg)
        self.ramp = _ramp_by_week(cfg)
        self.session_weeks = training.session_weeks(cfg)
        self.planned: dict[str, float] = {}  # this budget year's planned cost per line, set in step 1
        # this week's funding-dependent levels, set in step 1
        self.cms_level = 0.0  # share of the shared case-management system that works this week
        self.outreach_intensity = self.prevention_intensity = self.mentoring_intensity = 0.0
        self.training_fraction = self.shortfall = 0.0
        self.terms = ReferralTerms(0.0, 0.0)
        self.metrics = WeeklyMetrics(self.n_weeks)
        self.kpis: dict[str, float] = {}  # this week's values of KPIS, set by _record
        self.datacollector = DataCollector(model_reporters=REPORTERS)

    # ---- calendar and plan ----

    @property
    def year(self) -> int:
        return self.cfg.run.start_year + self.week // 52

    @property
    def positions(self) -> dict[str, int]:
        return self.workforce.positions

    @property
    def worker_log(self) -> list:
        return self.workforce.log

    def positions_in(self, year: int) -> dict[str, int]:
        """Worker positions by employer in a year: the plan's entry, or staffing.workers before its first."""
        entry = self.plan.entry(year)
        counts = self.cfg.staffing.workers if entry is None else entry.positions
        return {e: getattr(counts, e) for e in EMPLOYERS}

    # ---- the week ----

    def step(self) -> None:
        if not self.running:
            raise RuntimeError(f"the run has ended after {self.n_weeks} weeks")
        w = self.week
        self.workforce.new_week()
        self._funding(w)
        self._prevention(w)
        self._civil_registry(w)
        self._harm(w)
        found, channels = self.detection.find(
            self.families,
            self.outreach_intensity,
            self.terms.acceptance * self.ramp[w],  # the hub's links to schools, health, police grow after opening
            self.streams.detection.random(self.families.n),
            self.detection_factor[w],
            self.season[w],
        )
        self._intake(w, found, channels)
        self._assignment(w)
        self._casework(w)
        self._closure(w)
        self._workforce(w)
        self._record(w)
        self.week += 1
        self.running = self.week < self.n_weeks
        self.datacollector.collect(self)

    # 1 funding and budgets
    def _funding(self, w: int) -> None:
        cfg, ledger, weeks_left = self.cfg, self.ledger, 52 - w % 52
        if w % 52 == 0:
            year = self.year
            self.workforce.follow_plan(self.positions_in(year), w)
            sessions = training.sessions_in_year(self.session_weeks, 52 * (year - cfg.run.start_year))
            self.planned = planned_costs(cfg, sum(self.positions.values()), self.positions["donor"], sessions)
            for payer, amounts in (
                ("funder", self.funder.commitment(year, self.planned)),
                ("local", self.government.commitment(year, self.planned, self.funder, self.streams.funding)),
            ):
                for line, amount in amounts.items():
                    ledger.receive(payer, line, amount)
        self._pay_salaries(w, weeks_left)

        fractions = {}
        for line in PROGRAMME_LINES:
            need = self.planned[line]
            budget = weekly_allowance(need, ledger.available(line, DONOR_PAYERS), weeks_left)
            weekly_need = need / 52  # > 0 also for a tiny cost (5e-324 / 52 is 0)
            fractions[line] = ledger.spend(w, line, budget, DONOR_PAYERS) / weekly_need if weekly_need > 0 else 0.0
        self.mentoring_intensity = fractions["mentoring"]
        self.cms_level = fractions["case_management_system"] if cfg.coordination.shared_cms else 0.0
        self.outreach_intensity = fractions["outreach"] * self.ramp[w]
        self.prevention_intensity = fractions["prevention"] * self.ramp[w]
        funded = [fractions[line] for line in PROGRAMME_LINES if self.planned[line] > 0]
        self.shortfall = 1.0 - float(np.mean(funded)) if funded else 0.0

        self.training_fraction = 0.0
        n_workers = len(self.workforce)
        if w in self.session_weeks and n_workers:
            need = cfg.training.session_cost_per_worker * n_workers
            # free sessions (cost 0) are fully funded
            self.training_fraction = ledger.spend(w, "training", need, DONOR_PAYERS) / need if need > 0 else 1.0
        employer_groups = sum(n > 0 for n in self.workforce.counts.values())
        self.terms = referral_terms(
            cfg.coordination, self.government.regulation, self.cms_level, self.n_partners, employer_groups
        )
        factor = capacity_factor(cfg.coordination, self.government.regulation, self.shortfall, self.ramp[w])
        for agency in self.partners:
            agency.capacity_per_week = agency.base_capacity * factor

    def _pay_salaries(self, w: int, weeks_left: int) -> None:
        """Civil servants (national, local) are on routine payroll, paid as they go. Donor contracts are paid
        from the worker-contract line (funder money, then local co-financing or pickup); contracts the line
        cannot pay to the end of the year end now."""
        self.workforce.end_contracts_beyond(self._affordable_contracts(weeks_left), w)
        for employer, payroll in self.workforce.payroll(self.cfg.staffing.salary_per_week).items():
            if employer == "donor":
                self.ledger.spend(w, "worker_contracts", payroll, DONOR_PAYERS)
            else:
                self.ledger.receive(employer, "worker_contracts", payroll)
                self.ledger.spend(w, "worker_contracts", payroll, (employer,))

    def _affordable_contracts(self, weeks_left: int) -> int:
        available = self.ledger.available("worker_contracts", DONOR_PAYERS)
        return affordable_contracts(available, self.cfg.staffing.salary_per_week.donor, weeks_left, len(self.workforce))

    # 2 the civil registry's drive, and prevention
    def _registry_drive(self, cfg: Config) -> tuple[range, float]:
        """The weeks of the civil registry's drive, and the weekly chance it registers a family without
        certificates: the constant chance that, on its own, brings the backlog down to the draw's steady level
        by the drive's last week."""
        pop, start = cfg.population, cfg.run.start_year
        unregistered = len(self.families.unregistered())
        if pop.unregistered_backlog <= 0 or unregistered <= self.families.unregistered_steady:
            return range(0), 0.0
        first = 52 * max(0, pop.registry_drive_start_year - start)
        weeks = range(first, 52 * ((pop.registry_drive_end_year or start) - start + 1))  # 0 = the first year
        chance = 1.0 - (max(1, self.families.unregistered_steady) / unregistered) ** (1.0 / len(weeks))
        return weeks, chance

    def _civil_registry(self, w: int) -> None:
        """The regency's registration drive (child-friendly-regency action plan, 001 l.152-159) registers most
        families without certificates directly; the ones whose pending need it cannot settle it passes to the
        unit as an agency referral, which is why registration led the unit's cases in the drive years (l.138)."""
        if w in self.drive_weeks:
            draws = self.streams.population.random(self.families.n)
            unregistered = self.families.unregistered()
            pending = self.families.reached_by_registry(unregistered[draws[unregistered] < self.drive_chance])
            # passed on through the hub's agency links, which grow after the unit opens as the agency channel's
            # do (the same uniform, rescaled); the others stay pending
            referred = pending[draws[pending] < self.drive_chance * self.ramp[w]]
            self._intake(w, referred, np.full(len(referred), AGENCY_CHANNEL))

    def _prevention(self, w: int) -> None:
        k = prevent(self.families, self.cfg.prevention, self.prevention_intensity, w, self.streams.prevention)
        if k:
            self.metrics.early_interventions[w] = k

    # 3 harm and needs
    def _harm(self, w: int) -> None:
        harm = self.cfg.harm
        new, kinds = self.families.draw_episodes(
            w,
            self.stress[w],
            self.season[w],
            self.streams.harm.random(self.families.n),
            harm.awareness_protection,
            self.cfg.prevention.early_intervention_risk_reduction,
            harm.recurrence_multiplier,
            harm.hidden_harm_ends_weekly,
        )
        np.add.at(self.metrics.new_episodes[w], kinds, self.families.harmed[new])

    # 5 intake and triage at the hub
    def _intake(self, w: int, families: np.ndarray, channels: np.ndarray) -> None:
        if len(families) == 0:
            return
        fam = self.families
        kind = self.hub.take_in(self.cases, fam, families, channels, w, self.streams.casework)
        first = ~fam.episode_detected[families]
        np.add.at(self.metrics.first_detections[w], kind[first], fam.harmed[families[first]])
        np.add.at(self.metrics.opened_by_channel[w], channels, 1)
        fam.case_opened(families)

    # 6 assignment under the caseload cap; the rest wait
    def _assignment(self, w: int) -> None:
        cases, workers = self.cases, list(self.workforce.active)
        caseloads = np.array([wk.caseload for wk in workers], dtype=np.float64)
        pairs = self.hub.assign(
            cases.ids_with_status(C.WAITING),
            cases.high_severity,
            cases.opened_week,
            caseloads,
            self.cfg.staffing.caseload_cap,
        )
        for case_id, pos in pairs:
            worker = workers[pos]
            worker.cases += 1
            cases.status[case_id] = C.ACTIVE
            cases.worker[case_id] = worker.log_id
            if cases.assigned_week[case_id] < 0:
                cases.assigned_week[case_id] = w

    # 7 casework and referrals
    def _casework(self, w: int) -> None:
        cfg, m = self.cfg, self.metrics
        workers = list(self.workforce.active)
        active, supervised = casework.work(self.cases, workers, len(self.workforce.log), cfg, self.cms_level, w)
        self._serve(supervised, w)
        sent, accepted, delivered = casework.refer(
            self.cases,
            active,
            self.partners,
            self.terms,
            cfg.coordination.uncovered_referral_factor,
            cfg.coordination.max_referral_attempts,
            w,
            self.streams.referral,
        )
        m.referrals_sent[w] += sent
        m.referrals_accepted[w] += accepted
        m.referrals_completed[w] += len(delivered)
        self._serve(np.array(delivered, dtype=np.int64), w)

    def _serve(self, case_ids: np.ndarray, w: int) -> None:
        """Cases served this week (resolved, their referred service delivered, or their intervention delivered
        with supervision to follow): the first service of an episode counts its harmed children as served."""
        cases, fam = self.cases, self.families
        new = case_ids[cases.served_week[case_ids] < 0]
        cases.served_week[new] = w
        first = fam.first_service(np.unique(cases.family[new]))
        np.add.at(self.metrics.served[w], fam.episode[first], fam.harmed[first])

    # 8 closure (resolved / unresolved / dropped) and recurrence
    def _closure(self, w: int) -> None:
        cases = self.cases
        p_lost = (1.0 - self.cms_level) * self.cfg.coordination.record_loss_weekly_without_cms
        window = self.cfg.harm.recurrence_window_weeks
        closing = casework.closing(cases, self.cfg.casework, p_lost, w, self.streams.casework)
        self._serve(np.array([c for c, why in closing.items() if why == C.WHY_RESOLVED], dtype=np.int64), w)
        for case_id, why in closing.items():
            status = C.STATUS_OF_REASON[why]
            resolved = status == C.RESOLVED
            if cases.status[case_id] == C.ACTIVE:
                worker = self.workforce.log[cases.worker[case_id]]
                if cases.monitoring[case_id]:
                    worker.monitored -= 1
                else:
                    worker.cases -= 1
                worker.cases_resolved += resolved
            cases.status[case_id] = status
            cases.closed_week[case_id] = w
            cases.close_reason[case_id] = why
            self.metrics.closed[w, status - C.RESOLVED] += 1
            self.families.case_closed(int(cases.family[case_id]), resolved, w, window)

    # 9 workforce: training, mentoring, morale, exits, hires
    def _workforce(self, w: int) -> None:
        cfg, staff = self.cfg, self.workforce
        workers = list(staff.active)
        training.train(workers, cfg.training, self.training_fraction, self.mentoring_intensity, self.streams.workforce)
        conditions = WorkingConditions(
            caseload_norm=cfg.staffing.caseload_norm,
            shortfall=self.shortfall,
            supervision=min(1.0, 8.0 * cfg.staffing.supervisors / max(1, len(workers))),
            isolation_factor=0.5 if self.government.regulation == "regional_law" else 1.0,
        )
        staff.morale_and_exits(cfg.workforce, conditions, w, self.streams.workforce)
        staff.fill_vacancies(w, self._can_pay)

    def _can_pay(self, employer: str) -> bool:
        """Civil-service posts are always funded; a donor contract only if the line can pay it all year."""
        return employer != "donor" or self._affordable_contracts(52 - self.week % 52) > self.workforce.count("donor")

    def _release(self, worker_id: int) -> None:
        """A leaving worker's active cases go back to the waiting list."""
        cases = self.cases
        theirs = np.flatnonzero((cases.worker == worker_id) & (cases.status == C.ACTIVE))
        cases.status[theirs] = C.WAITING
        cases.worker[theirs] = -1
        cases.monitoring[theirs] = False

    # 10 metrics
    def _record(self, w: int) -> None:
        m, cases, fam, staff = self.metrics, self.cases, self.families, self.workforce
        counts = np.bincount(cases.status, minlength=5)
        m.waiting[w], m.active[w] = counts[C.WAITING], counts[C.ACTIVE]
        m.hires[w], m.exits[w], m.layoffs[w] = staff.hires, staff.exits, staff.layoffs
        workers = list(staff.active)
        m.workers[w] = [staff.counts[e] for e in EMPLOYERS]
        if workers:
            m.mean_skill[w] = np.mean([wk.skill for wk in workers])
            m.mean_high_skill[w] = np.mean([wk.high_skill for wk in workers])
            m.mean_morale[w] = np.mean([wk.morale for wk in workers])
            loads = [wk.caseload for wk in workers]
            m.mean_caseload[w], m.max_caseload[w] = np.mean(loads), max(loads)
        m.vacancies[w] = len(staff.vacancies)
        m.awareness[w] = fam.awareness.mean()
        m.hidden_episodes[w] = int(((fam.episode != -1) & ~fam.known).sum())
        m.outreach_intensity[w] = self.outreach_intensity
        m.prevention_intensity[w] = self.prevention_intensity
        m.cms_level[w] = self.cms_level
        m.referral_acceptance[w] = self.terms.acceptance
        m.referral_delay[w] = self.terms.mean_delay_weeks
        self.kpis = m.kpis(w, KPIS, self.ledger.weekly_spent)


def _shocks_by_week(cfg: Config) -> tuple[np.ndarray, np.ndarray]:
    """Economic stress multiplier for each week and case type (a yearly trend plus scheduled shocks, each
    reaching the case types it names), and each week's detection multiplier (a shock may close schools and
    stop home visits)."""
    years = cfg.run.start_year + np.arange(cfg.n_weeks) / 52.0
    trend = (1.0 + cfg.economy.stress_trend_per_year) ** np.floor(years - cfg.run.start_year)
    stress = np.repeat(trend[:, None], len(CASE_TYPES), axis=1)
    detection = np.ones(cfg.n_weeks)
    for shock in cfg.economy.shocks:
        on = (years >= shock.year) & (years < shock.year + shock.duration_years)
        reached = np.isin(np.array(CASE_TYPES), shock.harm_types)
        stress[np.ix_(on, reached)] *= 1.0 + shock.magnitude
        detection[on] *= shock.detection_factor
    # round so the hazard matvec is only redone when stress really changes
    return np.round(stress, 6), detection


def _season_by_week(cfg: Config) -> np.ndarray:
    """Each week's multiplier on each case type's hazard and on the schools' (agency) channel finding it, 1 on
    average over a year: pupils drop out between school years and schools notice them when they do not come
    back at the school year's start; the other types have no season."""
    harm = cfg.harm
    season = np.ones((cfg.n_weeks, len(CASE_TYPES)))
    weeks = harm.school_year_start_weeks
    in_window = (np.arange(cfg.n_weeks) % 52 - (harm.school_year_start_week - 1)) % 52 < weeks
    share = harm.dropout_at_school_year_start
    season[:, CASE_TYPES.index("school_dropout")] = np.where(
        in_window, share * 52 / weeks, (1.0 - share) * 52 / (52 - weeks)
    )
    return season


def _ramp_by_week(cfg: Config) -> np.ndarray:
    """How far the hub has grown toward full strength each week: 0 before it opens, then linearly to 1 over
    `ramp_up_years` (outreach, prevention, its agency links and the partner capacity it coordinates)."""
    coord = cfg.coordination
    opening = coord.opening_year or cfg.run.start_year
    years = cfg.run.start_year + np.arange(cfg.n_weeks) / 52.0 - opening
    if coord.ramp_up_years < 1 / 52:  # under a week: open at full strength
        return (years >= 0).astype(np.float64)
    return np.clip(years / coord.ramp_up_years, 0.0, 1.0)
