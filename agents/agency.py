"""Partner agencies: the services the hub refers cases to, and the coordination that sets their terms.

Each partner has a weekly capacity and a queue. Whether a partner accepts a referral, and how long it takes
before the service is delivered, depend on coordination: SOPs, an MoU, a regional law that binds agencies,
a working shared case-management system, a hub, and the number of actors (000 l.619, l.723; 001 l.117).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass

from mesa import Agent, Model

from agents.draws import poisson_one
from scenarios.schema import CoordinationConfig


@dataclass(frozen=True)
class ReferralTerms:
    acceptance: float  # chance a partner accepts a referral
    mean_delay_weeks: float  # mean wait between acceptance and the service


def referral_terms(
    coord: CoordinationConfig, regulation: str, cms_level: float, n_partners: int, n_employer_groups: int = 1
) -> ReferralTerms:
    """Acceptance and delay of referrals this week, from the coordination arrangements in force.

    `cms_level` is how much of the shared case-management system works this week (its funded share, 0 to 1).
    Worker groups with different employers and overlapping roles share less information (000 l.679)."""
    acceptance = coord.base_acceptance
    acceptance += coord.sop_bonus * coord.sop + coord.mou_bonus * coord.mou
    acceptance += coord.cms_bonus * cms_level + coord.hub_bonus * coord.hub
    acceptance += coord.regional_law_bonus * (regulation == "regional_law")
    if not coord.hub:  # without a hub every extra actor is another bilateral link to keep up
        acceptance -= coord.actor_penalty * max(0, n_partners - 4)
    acceptance -= coord.role_overlap_penalty * max(0, n_employer_groups - 1)
    delay = coord.base_delay_weeks * (1.0 - coord.cms_delay_reduction * cms_level)
    delay *= 1.0 - coord.hub_delay_reduction * coord.hub
    return ReferralTerms(min(1.0, max(0.0, acceptance)), delay)


def capacity_factor(coord: CoordinationConfig, regulation: str, shortfall: float, ramp: float) -> float:
    """Partner capacity this week relative to the base: an MoU and a regional law commit capacity, a hub
    frees some by coordinating (fewer duplicate referrals); the part paid by the programme goes with its
    funding shortfall (000 l.619, l.723, l.753; 002 l.90)."""
    committed = coord.mou_capacity_gain * coord.mou + coord.regional_law_capacity_gain * (regulation == "regional_law")
    committed += coord.hub_capacity_gain * coord.hub
    return (1.0 + ramp * committed) * (1.0 - coord.partner_funding_dependence * shortfall)


class Agency(Agent):
    """A partner agency: accepts referrals, queues them, serves up to its weekly capacity."""

    def __init__(self, model: Model, name: str, capacity_per_week: float) -> None:
        super().__init__(model)
        self.name = name
        self.base_capacity = capacity_per_week
        self.capacity_per_week = capacity_per_week
        self._queue: list[tuple[int, int]] = []  # (week the case is ready to be served, case id)
        self._credit = 0.0  # fractional capacity carried between weeks
        self.received = 0
        self.accepted = 0
        self.served = 0

    def offer(
        self, case_id: int, week: int, acceptance: float, mean_delay: float, u_accept: float, u_delay: float
    ) -> bool:
        """A referral arrives; the partner accepts it or not (`u_accept` below the acceptance). Accepted ones
        wait a Poisson delay (from `u_delay`), then a slot."""
        self.received += 1
        if u_accept >= acceptance:
            return False
        self.accepted += 1
        ready = week + poisson_one(u_delay, mean_delay)
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
