"""Weekly counters, and the weekly time-series table built from them.

The processes of `agents/` feed the flows as they happen (each names the counters it feeds in `FEEDS`);
step 10 of the week, `record`, reads the stocks (waiting list, workforce, awareness, service levels) once
everything else has run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from agents import cases as C
from agents.cases import CHANNELS
from scenarios.schema import BUDGET_LINES, CASE_TYPES, EMPLOYERS, HARM_TYPES, PAYERS

if TYPE_CHECKING:
    from agents.family import FamilyPopulation
    from agents.funding import ServiceLevels
    from agents.workforce import Workforce

# the stocks `record` reads each week (the flows are fed by the processes, see their FEEDS)
FEEDS = (
    "waiting",
    "active",
    "workers",
    "vacancies",
    "hires",
    "exits",
    "layoffs",
    "mean_skill",
    "mean_high_skill",
    "mean_morale",
    "mean_caseload",
    "max_caseload",
    "referral_acceptance",
    "referral_delay",
    "awareness",
    "hidden_episodes",
    "children_in_harm",
    "outreach_intensity",
    "prevention_intensity",
    "cms_level",
    "spare_hours",
    "staff_outreach_effort",
    "mean_attention",
)

CLOSED_KINDS = ("resolved", "unresolved", "dropped")


class WeeklyMetrics:
    def __init__(self, n_weeks: int) -> None:
        z = lambda *shape: np.zeros((n_weeks, *shape))  # noqa: E731
        self.new_episodes = z(len(CASE_TYPES))  # children newly harmed / in need, by type
        self.found_without_hub = z()  # of them, expected to be found without the integrated system
        self.first_detections = z(len(CASE_TYPES))  # children whose episode was found for the first time
        self.reached = z(len(CASE_TYPES))  # children whose episode got its first service (contact coverage)
        self.served = z(len(CASE_TYPES))  # ... its first service that worked: resolved or referral delivered
        self.opened_by_channel = z(len(CHANNELS))
        self.closed = z(len(CLOSED_KINDS))
        self.waiting, self.active = z(), z()
        self.workers = z(len(EMPLOYERS))
        self.vacancies, self.hires, self.exits, self.layoffs = z(), z(), z(), z()
        self.mean_skill, self.mean_high_skill, self.mean_morale = z(), z(), z()
        self.mean_caseload, self.max_caseload = z(), z()
        self.referrals_sent, self.referrals_accepted, self.referrals_completed = z(), z(), z()
        self.referral_acceptance, self.referral_delay = z(), z()
        self.awareness, self.hidden_episodes, self.early_interventions = z(), z(), z()
        self.children_in_harm = z()  # the harm burden: children in an ongoing episode of harm, known or hidden
        self.outreach_intensity, self.prevention_intensity, self.cms_level = z(), z(), z()
        self.spare_hours, self.staff_outreach_effort, self.mean_attention = z(), z(), z()

    def record(
        self, week: int, cases: C.CaseTable, fam: FamilyPopulation, staff: Workforce, levels: ServiceLevels
    ) -> None:
        """Step 10: this week's stocks, read after every other process has run."""
        w = week
        counts = np.bincount(cases.status, minlength=5)
        self.waiting[w], self.active[w] = counts[C.WAITING], counts[C.ACTIVE]
        self.hires[w], self.exits[w], self.layoffs[w] = staff.hires, staff.exits, staff.layoffs
        workers = staff.workers()
        self.workers[w] = [staff.counts[e] for e in EMPLOYERS]
        if workers:
            self.mean_skill[w] = np.mean([wk.skill for wk in workers])
            self.mean_high_skill[w] = np.mean([wk.high_skill for wk in workers])
            self.mean_morale[w] = np.mean([wk.morale for wk in workers])
            loads = staff.caseloads()[[wk.log_id for wk in workers]].tolist()
            self.mean_caseload[w], self.max_caseload[w] = np.mean(loads), max(loads)
        self.vacancies[w] = len(staff.vacancies)
        self.spare_hours[w] = staff.spare_hours
        self.staff_outreach_effort[w] = staff.outreach_effort()
        active = cases.ids_with_status(C.ACTIVE)
        self.mean_attention[w] = cases.attention[active].mean() if len(active) else 1.0
        self.awareness[w] = fam.awareness.mean()
        busy = fam.in_episode()
        self.hidden_episodes[w] = np.count_nonzero(~fam.known[busy])
        self.children_in_harm[w] = fam.children_in_harm(busy)
        self.outreach_intensity[w] = levels.outreach
        self.prevention_intensity[w] = levels.prevention
        self.cms_level[w] = levels.cms
        self.referral_acceptance[w] = levels.terms.acceptance
        self.referral_delay[w] = levels.terms.mean_delay_weeks

    def kpis(self, week: int, names: tuple[str, ...], weekly_spent: np.ndarray) -> dict[str, float]:
        """This week's value of each named series (sim/outcomes.py: SERIES; for the live DataCollector): the
        weekly table's columns, and the children cascade and resolution rate to date."""
        closed = self.closed[: week + 1].sum(axis=0)
        harm = [CASE_TYPES.index(t) for t in HARM_TYPES]
        harmed, found, reached, served = (
            m[: week + 1, harm].sum() for m in (self.new_episodes, self.first_detections, self.reached, self.served)
        )
        derived = {
            "cases_opened": self.opened_by_channel[week].sum(),
            "cases_resolved": self.closed[week, 0],
            "backlog": self.waiting[week] + self.active[week],
            "workers": self.workers[week].sum(),
            "children_harmed_to_date": harmed,
            "children_found_to_date": found,
            "children_reached_to_date": reached,
            "children_served_to_date": served,
            "effective_coverage_to_date": served / harmed if harmed else np.nan,
            "resolution_rate_to_date": closed[0] / closed.sum() if closed.sum() else np.nan,
            **{f"spend_{p}": weekly_spent[week, i].sum() for i, p in enumerate(PAYERS)},
        }
        return {n: float(derived[n] if n in derived else getattr(self, n)[week]) for n in names}

    def to_frame(self, start_year: int, weekly_spent: np.ndarray) -> pd.DataFrame:
        """One row per week; spending columns are `spend_<payer>` and `spend_<line>` (Rp m)."""
        n = len(self.waiting)
        cols: dict[str, np.ndarray] = {
            "week": np.arange(n),
            "year": start_year + np.arange(n) // 52,
        }
        for i, t in enumerate(CASE_TYPES):
            cols[f"new_{t}"] = self.new_episodes[:, i]
            cols[f"detected_{t}"] = self.first_detections[:, i]
            cols[f"reached_{t}"] = self.reached[:, i]
            cols[f"served_{t}"] = self.served[:, i]
        cols["found_without_hub"] = self.found_without_hub
        cols["cases_opened"] = self.opened_by_channel.sum(axis=1)
        for i, ch in enumerate(CHANNELS):
            cols[f"opened_via_{ch}"] = self.opened_by_channel[:, i]
        for i, kind in enumerate(CLOSED_KINDS):
            cols[f"cases_{kind}"] = self.closed[:, i]
        cols["waiting"] = self.waiting
        cols["active"] = self.active
        cols["backlog"] = self.waiting + self.active
        for i, e in enumerate(EMPLOYERS):
            cols[f"workers_{e}"] = self.workers[:, i]
        cols["workers"] = self.workers.sum(axis=1)
        for name in (
            "vacancies",
            "hires",
            "exits",
            "layoffs",
            "mean_skill",
            "mean_high_skill",
            "mean_morale",
            "mean_caseload",
            "max_caseload",
            "referrals_sent",
            "referrals_accepted",
            "referrals_completed",
            "referral_acceptance",
            "referral_delay",
            "awareness",
            "hidden_episodes",
            "children_in_harm",
            "early_interventions",
            "outreach_intensity",
            "prevention_intensity",
            "cms_level",
            "spare_hours",
            "staff_outreach_effort",
            "mean_attention",
        ):
            cols[name] = getattr(self, name)
        for p, payer in enumerate(PAYERS):
            cols[f"spend_{payer}"] = weekly_spent[:, p, :].sum(axis=1)
        for ln, line in enumerate(BUDGET_LINES):
            cols[f"spend_{line}"] = weekly_spent[:, :, ln].sum(axis=1)
        for p, payer in enumerate(PAYERS):  # who paid for which line (a planner's yearly table)
            for ln, line in enumerate(BUDGET_LINES):
                cols[f"spend_{payer}_{line}"] = weekly_spent[:, p, ln]
        frame = pd.DataFrame(cols)
        prefixes = ("new_", "detected_", "reached_", "served_", "cases_", "opened_", "workers")
        int_cols = [c for c in frame.columns if c.startswith(prefixes)]
        int_cols += ["waiting", "active", "backlog", "vacancies", "hires", "exits", "layoffs"]
        int_cols += [
            "referrals_sent",
            "referrals_accepted",
            "referrals_completed",
            "hidden_episodes",
            "children_in_harm",
        ]
        int_cols += ["early_interventions"]
        return frame.astype({c: np.int64 for c in int_cols})
