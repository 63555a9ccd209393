"""Detection: how hidden harm comes to the system's attention; most of it never does.

Four channels, each a weekly chance per ongoing hidden episode: outreach, as far as it is funded and staff
have hours for it (weaker outside the registry-covered areas, 004 l.108), community reports driven by
awareness (004 l.119), agency channels (schools, health, police) that pass a case on as readily as referrals
are accepted, and NGO identification (ECPAT-style, 002 l.104). An episode is found when its detection clock,
run at the week's hazard of being found by any channel, passes its threshold (an event clock,
`agents/draws.py`); the episode's own uniform then picks the channel in proportion to the channels' chances
that week.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from agents.cases import CHANNELS
from agents.family import MAX_WEEKLY_CHANCE, FamilyPopulation, per_case_type
from scenarios.schema import Config, DetectionConfig

if TYPE_CHECKING:
    from agents.draws import Draws
    from agents.drivers import Week
    from agents.funding import ServiceLevels


@dataclass(frozen=True)
class Detection:
    """Step 4 of the week."""

    outreach: np.ndarray  # weekly chance by case type, at full outreach funding
    community: np.ndarray  # at full awareness
    agency: np.ndarray  # at full referral acceptance
    ngo: np.ndarray
    uncovered_outreach_factor: float
    uncovered_community_factor: float  # no committee to take neighbours' reports (004 l.108)
    draws: Draws  # one uniform per family a week

    @classmethod
    def from_config(cls, det: DetectionConfig, draws: Draws) -> Detection:
        return cls(
            per_case_type(det.outreach_weekly),
            per_case_type(det.community_report_weekly),
            per_case_type(det.agency_channel_weekly),
            per_case_type(det.ngo_identification_weekly),
            det.uncovered_outreach_factor,
            det.uncovered_community_factor,
            draws,
        )

    def step(
        self, week: int, fam: FamilyPopulation, levels: ServiceLevels, today: Week, staff_effort: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """This week's finds: outreach needs both its money (`levels.outreach`) and staff hours for it
        (`staff_effort`, agents/worktime.py); the hub's links to schools, health and police grow after it opens
        (ramp-up)."""
        return self.find(
            fam,
            levels.outreach * staff_effort,
            levels.terms.acceptance * today.ramp,
            today.detection,
            today.season,
        )

    def find(
        self,
        fam: FamilyPopulation,
        outreach_intensity: float,
        acceptance: float,
        factor: float = 1.0,
        season: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(families whose hidden episode is found this week, the channel that found each). `factor` scales
        every channel (a shock that closes schools and stops visits); `season` (per case type) scales the
        agency channel (schools notice drop-outs when pupils do not come back)."""
        hidden = fam.hidden()
        kind = fam.episode[hidden].astype(np.intp)  # gathers by intp are several times faster than by int8
        covered = fam.covered[hidden]
        reach = np.where(covered, 1.0, self.uncovered_outreach_factor)
        heard = np.where(covered, 1.0, self.uncovered_community_factor)
        p = _channel_chances(  # the per-type factors multiply the 6 types' values, then are gathered by type
            (self.outreach * outreach_intensity)[kind] * reach,
            self.community[kind] * fam.awareness[hidden] * heard,
            (self.agency * acceptance * (1.0 if season is None else season))[kind],
            self.ngo[kind],
        )
        p *= factor
        p_any = np.minimum(1.0 - np.prod(1.0 - p, axis=0), MAX_WEEKLY_CHANCE)
        clock = fam.detect_clock[hidden] - np.log1p(-p_any)
        fam.detect_clock[hidden] = clock
        is_found = clock >= fam.detect_threshold[hidden]
        found = hidden[is_found]
        # which channel found it: the episode's own uniform, split in proportion to the channel probabilities
        u = self.draws.keyed("channel", found, fam.episode_number(found), fam.times_found[found])
        cum = np.cumsum(p[:, is_found], axis=0)
        channels = np.minimum((cum < u * cum[-1]).sum(axis=0), len(CHANNELS) - 1)
        return found, channels


def _channel_chances(*rows: np.ndarray) -> np.ndarray:
    """The channels' chances stacked as rows of one (channels x episodes) array (np.stack costs more)."""
    p = np.empty((len(rows), len(rows[0])))
    for i, row in enumerate(rows):
        p[i] = row
    return p


def found_without_hub_chance(cfg: Config) -> np.ndarray:
    """By case type: the chance that an episode would be found at all without the integrated system, by the
    agency channel alone at the acceptance of partners with no coordination aids (`base_acceptance`), before
    it ends on its own. Both are constant weekly hazards, so the agency channel wins the race with chance
    a / (a + e). The denominator of `access_ratio`: the study's "five times more likely to reach services"
    compares the same children with and without the integrated system (000 l.569)."""
    det = cfg.detection
    weekly = np.minimum(per_case_type(det.agency_channel_weekly) * cfg.coordination.base_acceptance, MAX_WEEKLY_CHANCE)
    a = -np.log1p(-weekly)
    e = -np.log1p(-min(cfg.harm.hidden_harm_ends_weekly, MAX_WEEKLY_CHANCE))
    return a / (a + e) if e > 0 else np.where(a > 0, 1.0, 0.0)
