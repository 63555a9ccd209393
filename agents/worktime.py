"""A worker's week of hours: what staff time buys.

Every worker has `worktime.hours_per_week`. Administration and reporting come off the top (less of it with a
working shared case-management system, 000 l.645), then supervision (as far as the city has supervisors),
mentoring (when funded) and a classroom session's days (the week after it). What is left is the worker's
casework time. Each open case needs hours a week by its type and severity (a case in monitoring needs
`casework.monitoring_load` of them). A worker takes a waiting case only when its hours fit in the time left
(agents/hub.py); a worker whose cases need more than the time there is gives each case less attention, so
casework slows and families drop out more (agents/casework.py). The hours no case needs go to outreach and
family visits: the outreach channel finds hidden harm at its funded rate times the staff effort, the spare
hours relative to `outreach_hours_per_1000_children` (capped; agents/detection.py). So staff levels decide
how many children are found and how well cases are followed, not only how fast they close (000 l.679-685).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from agents import cases as C
from agents.family import per_case_type
from scenarios.schema import Config

if TYPE_CHECKING:
    from agents.workforce import SocialWorker


@dataclass(frozen=True)
class TimeUse:
    """This week's casework hours by worker id: what each worker has, and what their cases need."""

    available: np.ndarray
    demand: np.ndarray
    in_post: np.ndarray  # worker ids of the workers in post

    @property
    def free(self) -> np.ndarray:
        """Casework hours a worker has beyond what their cases need (0 when overcommitted)."""
        return np.maximum(0.0, self.available - self.demand)

    @property
    def attention(self) -> np.ndarray:
        """Share of the hours their cases need that each worker can give (1 when there is time enough)."""
        return np.minimum(1.0, self.available / np.maximum(self.demand, 1e-9))

    def spare_hours(self) -> float:
        """Hours the workers in post have left for outreach and family visits this week."""
        return float(self.free[self.in_post].sum())


class Worktime:
    """The hours side of the workforce: what a case needs, what a worker has."""

    def __init__(self, cfg: Config) -> None:
        wt = cfg.worktime
        self.cfg = wt
        self.case_hours_by_type = per_case_type(wt.case_hours_per_week)
        self.monitoring_load = cfg.casework.monitoring_load
        # staff hours a week that make the outreach channel work at its full funded rate
        self.outreach_hours_needed = wt.outreach_hours_per_1000_children * cfg.population.n_children / 1000.0

    def case_hours(self, cases: C.CaseTable, ids: np.ndarray) -> np.ndarray:
        """Hours a week each of these cases needs from its worker."""
        hours = self.case_hours_by_type[cases.kind[ids]]
        hours = hours * np.where(cases.high_severity[ids], self.cfg.high_severity_hours_multiplier, 1.0)
        return hours * np.where(cases.monitoring[ids], self.monitoring_load, 1.0)

    def time_use(
        self,
        cases: C.CaseTable,
        workers: Sequence[SocialWorker],
        n_log: int,
        supervision: float,
        cms_level: float,
        mentoring: float,
    ) -> TimeUse:
        """This week's casework hours of every worker in post, and the hours their active cases need.
        `supervision`: the supervision level (1 = full), `mentoring`: this week's funded mentoring (0-1)."""
        wt = self.cfg
        fixed = wt.hours_per_week * wt.admin_share * (1.0 - wt.cms_admin_saving * cms_level)
        fixed += wt.supervision_hours_per_week * supervision + wt.mentoring_hours_per_week * mentoring
        available = np.zeros(n_log)
        in_post = np.array([wk.log_id for wk in workers], dtype=np.int64)
        away = np.array([wk.away_hours for wk in workers])
        available[in_post] = np.maximum(0.0, wt.hours_per_week - fixed - away)
        active = cases.ids_with_status(C.ACTIVE)
        demand = np.bincount(cases.worker[active], weights=self.case_hours(cases, active), minlength=n_log)
        return TimeUse(available, demand[:n_log], in_post)

    def outreach_effort(self, spare_hours: float) -> float:
        """The staff side of outreach: spare hours relative to what full outreach needs, capped."""
        return min(self.cfg.outreach_effort_cap, spare_hours / self.outreach_hours_needed)
