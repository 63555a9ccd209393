"""The workforce: social workers, their morale and exits, and the positions, vacancies and hires of the city.

Morale moves toward a target set by caseload above the norm, insecure pay, isolation from local meetings,
unfunded programme lines and supervision (000 l.693, l.753); the weekly chance of leaving grows as morale
falls. A worker who leaves hands their open cases back to the waiting list, and the post falls vacant until
it is refilled after the hiring lag, when the employer can pay (a donor contract only if its budget line can
pay it to the end of the year). A hiring plan adds posts (advertised now, filled after the lag) or abolishes
them (vacancies first, then the newest worker's contract ends). A worker's caseload is read from the case
register, never counted here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent, Model
from mesa.agent import AgentSet

from agents.cases import CaseTable
from agents.draws import Draws
from agents.family import MAX_WEEKLY_CHANCE
from agents.training import train
from agents.worktime import TimeUse, Worktime
from scenarios.schema import EMPLOYERS, Config, StaffingConfig, TrainingConfig, WorkforceConfig

if TYPE_CHECKING:
    from agents.funding import ServiceLevels


@dataclass(frozen=True)
class WorkingConditions:
    """What this week is like for every worker: set once per week by the workforce's step."""

    caseload_norm: int
    shortfall: float  # 0 = every programme line funded, 1 = none
    supervision: float  # supervisors per `workers_per_supervisor` workers, capped at 1
    isolation_factor: float  # 1 = national workers excluded from local meetings; less with a regional law

    @classmethod
    def this_week(
        cls, staffing: StaffingConfig, workforce: WorkforceConfig, shortfall: float, regulation: str, n_workers: int
    ) -> WorkingConditions:
        """Supervision is full at one supervisor per `workers_per_supervisor` workers; a regional law brings
        national workers into local planning and leaves `isolation_left_by_regional_law` of their isolation."""
        return cls(
            caseload_norm=staffing.caseload_norm,
            shortfall=shortfall,
            supervision=supervision_level(staffing, n_workers),
            isolation_factor=workforce.isolation_left_by_regional_law if regulation == "regional_law" else 1.0,
        )


def supervision_level(staffing: StaffingConfig, n_workers: int) -> float:
    """1 at one supervisor per `workers_per_supervisor` workers or better; less with fewer supervisors."""
    return min(1.0, staffing.workers_per_supervisor * staffing.supervisors / max(1, n_workers))


class SocialWorker(Agent):
    """One worker: employer, skill (see agents/training.py), caseload and morale. The caseload is read from the
    case register each week (`caseload` is that week's value, kept for reporting)."""

    def __init__(self, model: Model, employer: str, week: int, training: TrainingConfig, log_id: int, key: int) -> None:
        super().__init__(model)
        self.log_id = log_id  # position in the worker log; the id cases refer to
        self.key = key  # employer and hiring rank within it: the worker's random draws are keyed to it
        self.exit_clock = 0.0  # event clock of leaving (agents/draws.py): runs at the week's exit hazard
        self.exit_threshold = float(model.draws.exponential("exit", key))
        self.employer = employer
        self.skill = training.baseline_skill
        self.high_skill = training.baseline_high_skill
        self.experience_weeks = 0
        self.caseload = 0.0  # slots in use this week (a monitored case takes a fraction), from the register
        self.morale = 0.8
        self.hired_week = week
        self.exit_week = -1
        self.exit_reason = ""
        self.sessions_attended = 0
        self.mentored_weeks = 0.0
        self.away_hours = 0.0  # hours away from casework this week (a classroom session's days)

    def exit_chance(self, workforce: WorkforceConfig, conditions: WorkingConditions) -> float:
        """A week of work: experience, then morale moves toward this week's target. Returns the chance of
        leaving this week."""
        self.experience_weeks += 1
        overload = max(0.0, self.caseload / conditions.caseload_norm - 1.0)
        target = (
            1.0
            - workforce.overload_penalty * overload
            - getattr(workforce.insecure_pay_penalty, self.employer)
            - (workforce.isolation_penalty * conditions.isolation_factor if self.employer == "national" else 0.0)
            - workforce.shortfall_penalty * conditions.shortfall
            + workforce.supervision_bonus * conditions.supervision
        )
        target = min(1.0, max(0.0, target))
        self.morale += workforce.morale_adjust_per_week * (target - self.morale)
        return min(1.0, workforce.base_exit_weekly * math.exp(workforce.exit_morale_slope * (1.0 - self.morale)))


class Workforce:
    """The city's posts by employer, who fills them (an AgentSet of active workers, in hiring order), the
    vacancies, and everyone ever employed (the worker log). Step 9 of the week: training, morale, exits, hires."""

    def __init__(self, model: Model, cfg: Config, positions: dict[str, int], cases: CaseTable, draws: Draws) -> None:
        self.model = model
        self.cfg = cfg
        self.staffing = cfg.staffing
        self.training = cfg.training
        self.cases = cases  # the register: a leaving worker's open cases go back to its waiting list
        self.draws = draws
        self.hired = dict.fromkeys(EMPLOYERS, 0)  # workers ever hired by employer (the next one's rank)
        self.active = AgentSet([], random=model.random)
        self._in_post: list[SocialWorker] = []  # the same workers in the same order, cheaper to iterate
        self.log: list[SocialWorker] = []  # index = worker id
        self.vacancies: list[tuple[int, str]] = []  # (week it can be filled, employer)
        self.positions = dict(positions)
        self.counts = dict.fromkeys(EMPLOYERS, 0)  # active workers by employer
        self.hires = self.exits = self.layoffs = 0  # this week's counts
        self.worktime = Worktime(cfg)
        self.mentoring_level = 0.0  # last week's funded mentoring: this week's hours with the mentor
        for employer, n in self.positions.items():
            for _ in range(n):
                self.hire(employer, 0)
        self.spare_hours = self.time_use(0.0).spare_hours()  # hours for outreach in the coming week

    def time_use(self, cms_level: float) -> TimeUse:
        """This week's casework hours of each worker in post and what their cases need (agents/worktime.py)."""
        workers = self.workers()
        supervision = supervision_level(self.staffing, len(workers))
        return self.worktime.time_use(self.cases, workers, len(self.log), supervision, cms_level, self.mentoring_level)

    def workers(self) -> list[SocialWorker]:
        """The workers in post, in hiring order (the AgentSet's order): a fresh list, kept alongside the AgentSet
        because iterating its weak references costs about a microsecond a worker, many times a week."""
        return list(self._in_post)

    def outreach_effort(self) -> float:
        """The staff side of outreach this week: last week's spare hours against what full outreach needs."""
        return self.worktime.outreach_effort(self.spare_hours)

    def __len__(self) -> int:
        return len(self.active)

    def count(self, employer: str) -> int:
        return self.counts[employer]

    def caseloads(self) -> np.ndarray:
        """Caseload per worker id, read from the case register."""
        return self.cases.caseloads(len(self.log), self.cfg.casework.monitoring_load)

    def hire(self, employer: str, week: int) -> None:
        """A new worker: the employer's next hire, whose draws are keyed to (employer, rank), so the n-th local
        worker of two configurations shares their luck whatever the other employers did."""
        key = EMPLOYERS.index(employer) << 32 | self.hired[employer]
        self.hired[employer] += 1
        worker = SocialWorker(self.model, employer, week, self.training, len(self.log), key)
        self.log.append(worker)
        self.active.add(worker)
        self._in_post.append(worker)
        self.counts[employer] += 1

    def separate(self, worker: SocialWorker, week: int, reason: str, refill: bool = True) -> None:
        """A worker leaves: their open cases go back to the waiting list and the post falls vacant (unless the
        post itself is abolished)."""
        worker.exit_week = week
        worker.exit_reason = reason
        self.active.remove(worker)
        self._in_post.remove(worker)
        self.counts[worker.employer] -= 1
        worker.remove()
        self.cases.release(worker.log_id)
        worker.caseload = 0.0
        if refill:
            self.vacancies.append((week + self.staffing.hiring_lag_weeks, worker.employer))
        self.exits += 1
        self.layoffs += reason == "contract_ended"

    def follow_plan(self, positions: dict[str, int], week: int) -> None:
        """New posts are advertised (filled after the hiring lag); abolished posts go first from the
        vacancies, then the most recently hired worker's contract ends."""
        for employer, n in positions.items():
            change = n - self.positions[employer]
            self.vacancies.extend([(week + self.staffing.hiring_lag_weeks, employer)] * max(0, change))
            for _ in range(-change):
                mine = [v for v in self.vacancies if v[1] == employer]
                if mine:
                    self.vacancies.remove(mine[-1])
                else:
                    last = max((wk for wk in self.active if wk.employer == employer), key=lambda wk: wk.log_id)
                    self.separate(last, week, "contract_ended", refill=False)
            self.positions[employer] = n

    def end_contracts_beyond(self, affordable: int, week: int) -> None:
        """Donor contracts the line cannot pay to the end of the year end now, newest first."""
        if self.counts["donor"] <= affordable:
            return
        donors = [wk for wk in self.active if wk.employer == "donor"]
        for worker in donors[affordable:]:
            self.separate(worker, week, "contract_ended")

    def step(self, week: int, levels: ServiceLevels, regulation: str, can_pay: Callable[[str], bool]) -> None:
        """Classroom and mentoring as funded, skill drift, then each worker's morale and exit, then hires."""
        workers = self.workers()
        holding = self.cases.holding(len(self.log))
        u = self.draws.keyed("classroom", keys(workers), week)
        sessions = [wk.sessions_attended for wk in workers]
        train(workers, self.training, levels.training, levels.mentoring, u, holding)
        # next week's hours: a session's days away from casework, the mentor's hours
        away = self.cfg.worktime.classroom_hours_per_session
        for worker, before in zip(workers, sessions, strict=True):
            worker.away_hours = away if worker.sessions_attended > before else 0.0
        self.mentoring_level = levels.mentoring if self.training.mentoring else 0.0
        conditions = WorkingConditions.this_week(
            self.staffing, self.cfg.workforce, levels.shortfall, regulation, len(workers)
        )
        self.morale_and_exits(conditions, self.caseloads(), week)
        self.fill_vacancies(week, can_pay)
        self.spare_hours = self.time_use(levels.cms).spare_hours()

    def morale_and_exits(self, conditions: WorkingConditions, caseloads: np.ndarray, week: int) -> None:
        """Each worker's week (morale), then whether they leave: on the worker's own event clock, so worse morale
        brings the same worker's exit forward."""
        for worker in self.workers():
            worker.caseload = float(caseloads[worker.log_id])
            worker.exit_clock -= math.log1p(-min(worker.exit_chance(self.cfg.workforce, conditions), MAX_WEEKLY_CHANCE))
            if worker.exit_clock >= worker.exit_threshold:
                self.separate(worker, week, "quit")

    def fill_vacancies(self, week: int, can_pay: Callable[[str], bool]) -> None:
        still_vacant = []
        for ready, employer in self.vacancies:
            if ready <= week and can_pay(employer):
                self.hire(employer, week)
                self.hires += 1
            else:
                still_vacant.append((ready, employer))
        self.vacancies = still_vacant

    def new_week(self) -> None:
        self.hires = self.exits = self.layoffs = 0

    def payroll(self, salary: object) -> dict[str, float]:
        """This week's salaries by employer."""
        return {e: getattr(salary, e) * self.counts[e] for e in EMPLOYERS}


def keys(workers: list[SocialWorker]) -> np.ndarray:
    return np.array([wk.key for wk in workers], dtype=np.int64)
