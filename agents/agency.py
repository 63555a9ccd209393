"""Partner agencies: the services the hub refers cases to, and the coordination that sets their terms.

Each partner has a weekly capacity and a queue. Whether a partner accepts a referral, and how long it takes
before the service is delivered, depend on coordination: SOPs, an MoU, a regional law that binds agencies,
a working shared case-management system, a hub, and the number of actors (000 l.619, l.723; 001 l.117).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from mesa import Agent, Model

from scenarios.schema import CoordinationConfig


@dataclass(frozen=True)
class ReferralTerms:
    acceptance: float  # chance a partner accepts a referral
    mean_delay_weeks: float  # mean wait between acceptance and the service


def referral_terms(
    coord: CoordinationConfig, regulation: str, cms_working: bool, n_partners: int, n_employer_groups: int = 1
) -> ReferralTerms:
    """Acceptance and delay of referrals this week, from the coordination arrangements in force.

    Worker groups with different employers and overlapping roles share less information (000 l.679)."""
    acceptance = coord.base_acceptance
    acceptance += coord.sop_bonus * coord.sop + coord.mou_bonus * coord.mou
    acceptance += coord.cms_bonus * cms_working + coord.hub_bonus * coord.hub
    acceptance += coord.regional_law_bonus * (regulation == "regional_law")
    if not coord.hub:  # without a hub every extra actor is another bilateral link to keep up
        acceptance -= coord.actor_penalty * max(0, n_partners - 4)
    acceptance -= coord.role_overlap_penalty * max(0, n_employer_groups - 1)
    delay = coord.base_delay_weeks * (1.0 - coord.cms_delay_reduction * cms_working)
    delay *= 1.0 - coord.hub_delay_reduction * coord.hub
    return ReferralTerms(min(1.0, max(0.0, acceptance)), delay)


class Agency(Agent):
    """A partner agency: accepts referrals, queues them, serves up to its weekly capacity."""

    def __init__(self, model: Model, name: str, capacity_per_week: float) -> None:
        super().__init__(model)
        self.name = name
        self.capacity_per_week = capacity_per_week
        self._queue: list[tuple[int, int]] = []  # (week the case is ready to be served, case id)
        self._credit = 0.0  # fractional capacity carried between weeks
        self.received = 0
        self.accepted = 0
        self.served = 0

    def offer(self, case_id: int, week: int, terms: ReferralTerms, rng: np.random.Generator) -> bool:
        """A referral arrives; the partner accepts it or not. Accepted ones wait for a delay, then a slot."""
        self.received += 1
        if rng.random() >= terms.acceptance:
            return False
        self.accepted += 1
        ready = week + int(rng.poisson(terms.mean_delay_weeks))
        heapq.heappush(self._queue, (ready, case_id))
        return True

    def serve(self, week: int, still_needed: Callable[[int], bool]) -> list[int]:
        """Deliver the service to ready cases, oldest first, up to this week's capacity.

        Cases closed while queued leave the queue without using a slot.
        """
        self._credit = min(self._credit + self.capacity_per_week, max(1.0, self.capacity_per_week))
        done: list[int] = []
        while self._queue and self._queue[0][0] <= week:
            case_id = self._queue[0][1]
            if not still_needed(case_id):
                heapq.heappop(self._queue)
                continue
            if self._credit < 1.0:
                break
            heapq.heappop(self._queue)
            done.append(case_id)
            self._credit -= 1.0
        self.served += len(done)
        return done

    @property
    def queue_length(self) -> int:
        return len(self._queue)
