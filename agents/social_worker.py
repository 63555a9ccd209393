"""Social workers: skill from training and mentoring, morale from working conditions, exits when morale falls.

Two skills: `skill` for low-severity work, `high_skill` for high-severity cases. Classroom training mostly
raises the first and decays; mentoring on the job raises the second (000 l.679-689). Morale moves toward a
target set by caseload above the norm, insecure pay, isolation from local meetings, unfunded programme lines
and supervision (000 l.693, l.753); the weekly chance of leaving grows as morale falls.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mesa import Agent

from scenarios.schema import TrainingConfig, WorkforceConfig

if TYPE_CHECKING:
    from sim.model import CPModel


@dataclass(frozen=True)
class WorkingConditions:
    """What this week is like for every worker: set once per week by the model."""

    caseload_norm: int
    shortfall: float  # 0 = every programme line funded, 1 = none
    supervision: float  # supervisors per eight workers, capped at 1
    isolation_factor: float  # 1 = national workers excluded from local meetings; less with a regional law


class SocialWorker(Agent):
    def __init__(self, model: CPModel, employer: str, week: int, training: TrainingConfig, log_id: int) -> None:
        super().__init__(model)
        self.log_id = log_id  # position in the worker log; the id cases refer to
        self.employer = employer
        self.skill = training.baseline_skill
        self.high_skill = training.baseline_high_skill
        self.experience_weeks = 0
        self.caseload = 0
        self.morale = 0.8
        self.hired_week = week
        self.exit_week = -1
        self.exit_reason = ""
        self.sessions_attended = 0
        self.mentored_weeks = 0.0
        self.cases_resolved = 0

    @property
    def active(self) -> bool:
        return self.exit_week < 0

    def attend_classroom(self, training: TrainingConfig) -> None:
        """A classroom session closes part of the skill gap; little of it reaches high-severity work."""
        gain = training.classroom_effect
        self.skill += gain * (1.0 - self.skill)
        self.high_skill += gain * training.classroom_high_severity_share * (1.0 - self.high_skill)
        self.sessions_attended += 1

    def be_mentored(self, training: TrainingConfig, intensity: float) -> None:
        """A week of mentoring by a senior: mostly high-severity skill, which classroom training hardly reaches."""
        gain = training.mentoring_effect_per_week * intensity
        self.high_skill += gain * (1.0 - self.high_skill)
        self.skill += gain * training.mentoring_low_severity_share * (1.0 - self.skill)
        self.mentored_weeks += intensity

    def weekly_update(
        self, training: TrainingConfig, workforce: WorkforceConfig, conditions: WorkingConditions
    ) -> float:
        """Skill decay and learning by doing, then morale. Returns this week's chance of leaving."""
        decay = training.decay_per_week
        self.skill -= decay * (self.skill - training.baseline_skill)
        self.high_skill -= decay * (self.high_skill - training.baseline_high_skill)
        if self.caseload > 0:
            self.skill += training.learning_by_doing_per_week * (1.0 - self.skill)
            self.high_skill += 0.5 * training.learning_by_doing_per_week * (1.0 - self.high_skill)
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

    def leave(self, week: int, reason: str) -> None:
        self.exit_week = week
        self.exit_reason = reason
