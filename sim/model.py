"""The Mesa model: a city's child-protection system, advanced one week per `step()`.

`CPModel()` runs the default city (the calibrated `makassar_pksai` scenario); `CPModel(scenario=NAME,
rng=SEED, staffing={"caseload_cap": 20})` another scenario, seed or override, as in every Mesa 3 model, so
`mesa.batch_run` and `SolaraViz` drive it as they are. `running` turns False at the horizon, and
`datacollector` holds the weekly KPIs.

This file holds only the weekly schedule (docs/ODD.md, "Process overview"). Each process lives in one module
of `agents/`, is built from the config, has a weekly step, and names the weekly counters it feeds (`FEEDS`):
  -  exogenous drivers         agents/drivers.py     (economic stress and shocks, the school year, ramp-up)
  1  funding and budgets       agents/funding/       (plan, payers, ledger -> the week's ServiceLevels)
  2  prevention                agents/prevention.py
  2  the registry's drive      agents/registry.py
  3  harm and needs            agents/family.py      (Harm)
  4  detection                 agents/detection.py
  5  intake and triage         agents/hub.py
  6  assignment                agents/hub.py
  7  casework and referrals    agents/casework.py, agents/agency.py
  8  closure and recurrence    agents/casework.py, agents/family.py
  9  workforce                 agents/workforce.py, agents/training.py
 10  metrics                   sim/metrics.py (weekly table), `datacollector` (live KPIs)
Cases and caseloads change only through the case register (agents/cases.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from mesa import DataCollector, Model
from mesa.experimental.scenarios import Scenario

from agents import cases as C
from agents.agency import Agency
from agents.casework import Casework
from agents.detection import Detection, found_without_hub_chance
from agents.draws import Draws
from agents.drivers import Drivers
from agents.family import FamilyPopulation, Harm
from agents.funding import Funding
from agents.hub import IntegratedHub
from agents.prevention import Prevention
from agents.registry import CivilRegistry
from agents.workforce import SocialWorker, Workforce
from scenarios.scale import at_size, scale_of
from scenarios.schema import PARTNER_AGENCIES, Config
from scenarios.validate import ConfigError, check_seed
from sim.metrics import WeeklyMetrics
from sim.outcomes import LIVE, WORKER_REPORTERS

DEFAULT_SCENARIO = "makassar_pksai"
AGENCY_CHANNEL = C.CHANNELS.index("agency")  # the civil registry passes cases on as an agency


# the live outcomes, one value per week (sim/outcomes.py: LIVE; the whole weekly table: sim.run.collect), and
# each social worker's state
REPORTERS = {name: (lambda m, name=name: m.kpis[name]) for name in LIVE}
WORKER_COLUMNS = {name: name for name in WORKER_REPORTERS}


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
        self.scale = scale_of(config)  # the city's size relative to the scenario's (1 = its own)
        self.reference_children = config.population.reference_children or config.population.n_children
        self.cfg = cfg = at_size(config)
        self.seed = seed
        self.draws = draws = Draws(seed)
        self.n_weeks = cfg.n_weeks
        self.week = 0
        self.running = True

        self.metrics = metrics = WeeklyMetrics(self.n_weeks)
        self.drivers = Drivers.from_config(cfg)
        self.families = families = FamilyPopulation(cfg, draws)
        self.cases = cases = C.CaseTable()
        capacity = cfg.coordination.agency_capacity_per_week
        self.partners = [Agency(self, name, getattr(capacity, name)) for name in PARTNER_AGENCIES]
        self.n_partners = sum(a.capacity_per_week > 0 for a in self.partners)
        self.funding = Funding(self, cfg, self.n_partners, draws)
        self.registry = CivilRegistry(cfg, families, draws)
        self.prevention = Prevention(cfg, families, metrics, draws)
        self.harm = Harm(cfg, families, metrics, found_without_hub_chance(cfg))
        self.detection = Detection.from_config(cfg.detection, draws)
        self.hub = IntegratedHub(self, cfg, families, cases, metrics, draws)
        self.casework = Casework(cfg, families, cases, self.partners, metrics, draws)
        self.workforce = Workforce(self, cfg, self.funding.positions_in(cfg.run.start_year), cases, draws)
        self.kpis: dict[str, float] = {}  # this week's values of LIVE, set after each step
        self.datacollector = DataCollector(
            model_reporters=REPORTERS, agenttype_reporters={SocialWorker: WORKER_COLUMNS}
        )

    # ---- what the tools read ----

    @property
    def year(self) -> int:
        return self.cfg.run.start_year + self.week // 52

    @property
    def ledger(self):  # noqa: ANN201
        return self.funding.ledger

    @property
    def funder(self):  # noqa: ANN201
        return self.funding.funder

    @property
    def government(self):  # noqa: ANN201
        return self.funding.government

    @property
    def positions(self) -> dict[str, int]:
        return self.workforce.positions

    @property
    def worker_log(self) -> list:
        return self.workforce.log

    # ---- the week ----

    def step(self) -> None:
        if not self.running:
            raise RuntimeError(f"the run has ended after {self.n_weeks} weeks")
        w, staff = self.week, self.workforce
        today = self.drivers.step(w)
        staff.new_week()
        levels = self.funding.step(w, staff, today.ramp)  # 1
        self.prevention.step(w, levels.prevention)  # 2
        self.hub.take_in(w, *self._registry_referrals(w, today.ramp))  # 2: the drive's referrals to the unit
        self.harm.step(w, today)  # 3
        self.hub.take_in(w, *self.detection.step(w, self.families, levels, today, staff.outreach_effort()))  # 4, 5
        self.hub.assign(w, staff, levels.cms)  # 6
        self.casework.step(w, staff, levels)  # 7, 8
        staff.step(w, levels, self.funding.regulation, lambda e: self.funding.can_pay(e, staff, w))  # 9
        self.metrics.record(w, self.cases, self.families, staff, levels)  # 10
        self.kpis = self.metrics.kpis(w, LIVE, self.ledger.weekly_spent)
        self.week += 1
        self.running = self.week < self.n_weeks
        self.datacollector.collect(self)

    def _registry_referrals(self, week: int, ramp: float) -> tuple[np.ndarray, np.ndarray]:
        referred = self.registry.step(week, self.families, ramp)
        return referred, np.full(len(referred), AGENCY_CHANNEL)
