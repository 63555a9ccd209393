"""Families: the households whose children come to harm, as one vectorised agent set.

The ~60,000 households of a city are agents in the ODD sense, but their state lives in numpy arrays (one
row a family, the way Starsim holds people and mesa-frames holds agent sets) and their behaviour is array
code applied to all of them at once: weekly hazards of harm and needs, awareness, early-intervention
protection, hidden episodes that end by themselves, and what a family's case means for its episode and its
recurrence risk. A per-family Mesa `step()` would cost ~3 us a family a week: minutes per run.

A family has at most one ongoing episode (harm or unmet need) at a time. An episode stays hidden until one of
the detection channels finds it, and ends when its case resolves or, while hidden, on its own.

Onset, the end of hidden harm and detection are event clocks (`agents/draws.py`): the family's clock runs at
the week's hazard (-log(1 - weekly chance), so each week's chance is exactly the configured one) and the event
happens when it passes a threshold drawn for that family's k-th episode. Two runs that differ in a lever
therefore see the same episode a little earlier or later, not a different one.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from scenarios.schema import CASE_TYPES, HARM_TYPES, VULNERABILITIES, Config

if TYPE_CHECKING:
    from agents.draws import Draws
    from agents.drivers import Week
    from sim.metrics import WeeklyMetrics

BIT = {name: 1 << i for i, name in enumerate(VULNERABILITIES)}
N_HARM = len(HARM_TYPES)
REGISTRATION = CASE_TYPES.index("birth_registration")
NO_EPISODE = -1
MAX_WEEKLY_CHANCE = 1.0 - 1e-12  # a weekly chance of 1 is a certain event: an infinite hazard


def per_case_type(group: object) -> np.ndarray:
    """Per-case-type values from a CaseTypeValues group, in CASE_TYPES order."""
    return np.array([getattr(group, name) for name in CASE_TYPES], dtype=np.float64)


class FamilyPopulation:
    """Numeric state of every household, and the vectorised weekly processes that act on all of them."""

    def __init__(self, cfg: Config, draws: Draws) -> None:
        pop, harm = cfg.population, cfg.harm
        rng = draws.population()
        self.draws = draws
        n = max(1, round(pop.n_children / pop.children_per_family))
        self.n = n
        # children: 1 + Poisson, then adjusted so the total matches the configured count exactly
        kids = 1 + rng.poisson(pop.children_per_family - 1.0, n)
        kids = _match_total(kids, pop.n_children, rng)
        self.children = kids.astype(np.int16)
        self.n_children = int(kids.sum())

        # vulnerability profile: how many (1, 2, 3+), then which ones; poverty first in a poor-household database
        shares = np.array(
            [pop.share_one_vulnerability, pop.share_two_vulnerabilities, pop.share_three_plus_vulnerabilities]
        )
        self.vuln_count = (1 + rng.choice(3, size=n, p=shares / shares.sum())).astype(np.int8)
        self.vuln_mask = _draw_vulnerabilities(self.vuln_count, pop.vulnerability_weights, rng)
        # the registry's backlog: families without certificates beyond the draw's (steady) level, which the civil
        # registry's drive clears (001 l.138, l.152, l.159)
        unflagged = np.flatnonzero((self.vuln_mask & BIT["no_birth_certificate"]) == 0)
        self.unregistered_steady = n - len(unflagged)
        if pop.unregistered_backlog > 0:
            k = min(len(unflagged), round(pop.unregistered_backlog * n))
            self.vuln_mask[rng.choice(unflagged, size=k, replace=False)] |= np.uint8(BIT["no_birth_certificate"])

        self.stress_base = rng.lognormal(-0.5 * pop.stress_sd**2, pop.stress_sd, n)
        self.awareness0 = np.clip(rng.normal(pop.awareness_mean, pop.awareness_spread, n), 0.0, 1.0)
        self.awareness = self.awareness0.copy()
        self.protective = self.awareness0.copy()  # safer practice: follows awareness with a lag
        self.covered = rng.random(n) < pop.registry_coverage

        # B[f, j]: weekly hazard of type j at economic stress multiplier 1 (children x risk x own stress)
        self.harm = harm
        self.per_child = per_case_type(harm.weekly_hazard_per_child)
        self.elasticity = per_case_type(harm.stress_elasticity)
        self.base_hazard = self._base_hazard(np.arange(n))
        self._total_hazard = np.zeros(n)
        self._hazard_key: tuple | None = None
        self.siblings_share = per_case_type(harm.siblings_harmed_share)

        # episode state
        self.episode = np.full(n, NO_EPISODE, dtype=np.int8)  # case type of the ongoing episode
        self.known = np.zeros(n, dtype=bool)  # ongoing episode has an open case
        self.episode_detected = np.zeros(n, dtype=bool)  # current episode was found at least once
        self.protected_until = np.full(n, -1, dtype=np.int32)
        # after a resolved case the family's hazard is lower until this week (-1: never); nothing else raises or
        # lowers a family's risk after an episode: its own risk (vulnerabilities, stress) goes on
        self.aftercare_until = np.full(n, -1, dtype=np.int32)
        self.ever_served = np.zeros(n, dtype=bool)
        self.harmed = np.zeros(n, dtype=np.int16)  # children harmed in the ongoing episode
        self.episode_start = np.full(n, -1, dtype=np.int32)
        self.episode_id = np.full(n, -1, dtype=np.int64)  # unique over the run, to group an episode's cases
        self.episode_reached = np.zeros(n, dtype=bool)  # the ongoing episode has had a first service
        self.episode_served = np.zeros(n, dtype=bool)  # ... a service that worked (effectively served)
        self._next_episode = 0
        # event clocks and their thresholds (see the module docstring); thresholds are keyed to the family and
        # its episode number, so the k-th episode of a family meets the same luck in any configuration
        self.episodes = np.zeros(n, dtype=np.int32)  # episodes begun; the ongoing one is number episodes - 1
        self.onset_clock = np.zeros(n)
        self.onset_threshold = draws.exponential("onset", np.arange(n), 0)
        self.hidden_clock = np.zeros(n)  # runs while the episode is hidden; it ends by itself at the threshold
        self.hidden_threshold = np.full(n, np.inf)
        self.detect_clock = np.zeros(n)  # runs while hidden; found at the threshold (anew after each case)
        self.detect_threshold = np.full(n, np.inf)
        self.times_found = np.zeros(n, dtype=np.int32)  # cases opened about the ongoing episode
        self._h, self._h2 = np.empty(n), np.empty(n)  # reused weekly buffers
        # families that may still be under early intervention / aftercare (a superset, pruned weekly, that may
        # repeat a family): a few hundred, so the week's hazard is lowered by index instead of by a mask over
        # every family; `h[ids] *= c` multiplies a repeated family's hazard once all the same
        self._protected = self._aftercare = np.zeros(0, dtype=np.int64)
        self.at_risk = np.flatnonzero(self.vuln_count >= 2)  # targets of early intervention

    def _base_hazard(self, families: np.ndarray) -> np.ndarray:
        """Rows of B for these families: per-child hazard x children x relative risk x own stress."""
        return (
            self.per_child[None, :]
            * self.children[families, None].astype(np.float64)
            * self._relative_risk(families)
            * self.stress_base[families, None] ** self.elasticity[None, :]
        )

    def _relative_risk(self, families: np.ndarray) -> np.ndarray:
        """Per family and case type: extra vulnerabilities and the specific links the studies name."""
        harm, mask = self.harm, self.vuln_mask[families]
        rr = np.ones((len(families), len(CASE_TYPES)))
        rr *= (harm.extra_vulnerability_risk ** (self.vuln_count[families] - 1).astype(np.float64))[:, None]
        col = {name: i for i, name in enumerate(CASE_TYPES)}

        def has(flag: str) -> np.ndarray:
            return (mask & BIT[flag]) > 0

        rr[has("no_birth_certificate"), col["sexual_exploitation"]] *= harm.no_birth_certificate_trafficking_risk
        rr[has("out_of_school"), col["economic_exploitation"]] *= harm.out_of_school_labour_risk
        rr[has("street_involved"), col["economic_exploitation"]] *= harm.street_labour_risk
        rr[has("kin_care"), col["neglect"]] *= harm.kin_care_neglect_risk
        rr[has("disability"), col["neglect"]] *= harm.disability_neglect_risk
        # needs follow the matching vulnerability: no certificate -> registration, out of school -> drop-out
        rr[~has("no_birth_certificate"), col["birth_registration"]] *= harm.registered_registration_need
        rr[has("out_of_school"), col["school_dropout"]] *= harm.out_of_school_dropout_need
        return rr

    # ---- weekly, vectorised ----

    def update_awareness(self, gain: float, decay: float, lag_weeks: float) -> None:
        """Primary prevention raises awareness; without it awareness drifts back to where it started. Safer
        practice (what lowers the hazard) follows awareness with a lag: knowing comes before doing."""
        a, rise, fall = self.awareness, self._h, self._h2  # in place: a += gain (1 - a) - decay (a - a0)
        np.multiply(np.subtract(1.0, a, out=rise), gain, out=rise)
        np.multiply(np.subtract(a, self.awareness0, out=fall), decay, out=fall)
        a += np.subtract(rise, fall, out=rise)
        np.clip(a, 0.0, 1.0, out=a)
        self.protective += np.divide(np.subtract(a, self.protective, out=rise), lag_weeks, out=rise)

    def protect(self, families: np.ndarray, until_week: int) -> None:
        """Secondary prevention (early intervention) for the given families."""
        self.protected_until[families] = until_week
        self._protected = np.concatenate((self._protected, families))
        self.ever_served[families] = True

    def draw_episodes(
        self,
        week: int,
        stress: np.ndarray,
        season: np.ndarray,
        awareness_protection: float,
        protection: float,
        protection_after_resolution: float,
        hidden_end: float,
    ) -> tuple[np.ndarray, np.ndarray]:
        """New harm / needs among families without an episode; hidden episodes that end by themselves. Both
        are event clocks keyed to the family's episode (module docstring). Returns (new families, their types).
        """
        key = (*stress, *season)
        # the city-wide stress of each case type through its elasticity, times the type's season this week
        type_factor = stress**self.elasticity * season
        if self._hazard_key != key:  # cheap matvec, redone only when stress or season changes (or a registration)
            self._total_hazard = self.base_hazard @ type_factor
            self._hazard_key = key
        # in place, in the order of h = total * (1 - protection * protective): the same numbers, fewer arrays
        h = np.multiply(self.protective, awareness_protection, out=self._h)
        np.subtract(1.0, h, out=h)
        np.multiply(self._total_hazard, h, out=h)
        self._protected = _still(self._protected, self.protected_until, week)  # under early intervention
        h[self._protected] *= 1.0 - protection
        self._aftercare = _still(self._aftercare, self.aftercare_until, week)
        h[self._aftercare] *= 1.0 - protection_after_resolution
        busy = self.in_episode()
        np.minimum(h, MAX_WEEKLY_CHANCE, out=h)
        np.negative(h, out=h)
        np.log1p(h, out=h)  # for every family; only the free ones are used
        self._run_onset_clocks(h, busy)
        passed = np.flatnonzero(self.onset_clock >= self.onset_threshold)
        new = passed[self.episode[passed] == NO_EPISODE]
        # hidden episodes that stop on their own, on their own clock at the constant weekly chance
        hidden = busy[~self.known[busy]]
        self.hidden_clock[hidden] += -math.log1p(-min(hidden_end, MAX_WEEKLY_CHANCE))
        ends = hidden[self.hidden_clock[hidden] >= self.hidden_threshold[hidden]]
        self.episode[ends] = NO_EPISODE
        # the type: a categorical over this week's type hazards, from the episode's own uniform
        number = self.episodes[new]
        if len(new):
            cum = np.cumsum(self.base_hazard[new] * type_factor[None, :], axis=1)
            target = self.draws.keyed("harm_type", new, number)[:, None] * cum[:, -1:]
            kinds = np.minimum((cum < target).sum(axis=1), len(CASE_TYPES) - 1).astype(np.int8)
        else:
            kinds = np.zeros(0, dtype=np.int8)
        self._start_clocks(new, number)
        self.episode[new] = kinds
        self.episode_detected[new] = False
        self.episode_reached[new] = False
        self.episode_served[new] = False
        self.episode_start[new] = week
        self.episode_id[new] = self._next_episode + np.arange(len(new))
        self._next_episode += len(new)
        # who is harmed: the index child and a share of the siblings (household-wide for neglect)
        siblings = self.children[new].astype(np.float64) - 1.0
        self.harmed[new] = 1 + np.round(self.siblings_share[kinds] * siblings).astype(np.int16)
        return new, kinds

    def in_episode(self) -> np.ndarray:
        """Families with an ongoing episode (known or hidden): a small minority, so kept as indices."""
        return np.flatnonzero(self.episode != NO_EPISODE)

    def _run_onset_clocks(self, log_survival: np.ndarray, busy: np.ndarray) -> None:
        """Onset clocks run (by -log_survival) for families without an episode and wait for the others (`busy`):
        run all of them, then put the few busy ones back (cheaper than a masked subtraction)."""
        paused = self.onset_clock[busy]
        self.onset_clock -= log_survival
        self.onset_clock[busy] = paused

    def _start_clocks(self, new: np.ndarray, number: np.ndarray) -> None:
        """Episode `number` of these families begins: the onset clock restarts toward the next episode's
        threshold, and the hidden-end and detection clocks toward this one's."""
        draws = self.draws
        self.episodes[new] = number + 1
        self.onset_clock[new] = 0.0
        self.onset_threshold[new] = draws.exponential("onset", new, number + 1)
        self.hidden_clock[new] = 0.0
        self.hidden_threshold[new] = draws.exponential("hidden_end", new, number)
        self.times_found[new] = 0
        self.detect_clock[new] = 0.0
        self.detect_threshold[new] = draws.exponential("detection", new, number, 0)

    def episode_number(self, families: np.ndarray) -> np.ndarray:
        """The family's number for its ongoing episode (0 for its first): the key of the episode's draws."""
        return self.episodes[families] - 1

    def case_opened(self, families: np.ndarray) -> None:
        """The system has taken up these families' episodes: no longer hidden; counted as found and served. If
        the case closes with the harm going on, the episode can be found again, on a fresh detection clock."""
        self.known[families] = True
        self.episode_detected[families] = True
        self.ever_served[families] = True
        self.times_found[families] += 1
        self.detect_clock[families] = 0.0
        found = self.times_found[families]
        self.detect_threshold[families] = self.draws.exponential(
            "detection", families, self.episode_number(families), found
        )

    def first_service(self, families: np.ndarray) -> np.ndarray:
        """Mark these families' episodes as reached; return the ones reached for the first time."""
        first = families[~self.episode_reached[families]]
        self.episode_reached[first] = True
        return first

    def first_effective_service(self, families: np.ndarray) -> np.ndarray:
        """Mark these families' episodes as effectively served (a service that worked); return the ones for
        which it is the first."""
        first = families[~self.episode_served[families]]
        self.episode_served[first] = True
        return first

    def cases_closed(self, families: np.ndarray, resolved: np.ndarray, week: int, recurrence_window: int) -> None:
        """A resolved case ends the episode and lowers the family's hazard for `recurrence_window` weeks (the
        service worked); otherwise the harm goes on, hidden again, at the family's own risk.
        A resolved registration case registers the family's children: its missing-certificate flag clears, and
        with it the raised trafficking risk (001 l.138) and the registration need itself."""
        self.known[families] = False
        ended = families[resolved]
        self.register(ended[self.episode[ended] == REGISTRATION])
        self.episode[ended] = NO_EPISODE
        self.aftercare_until[ended] = week + recurrence_window
        self._aftercare = np.concatenate((self._aftercare, ended))

    def reached_by_registry(self, families: np.ndarray) -> np.ndarray:
        """The civil registry's drive reaches these families without certificates. It registers on the spot
        those with no registration need pending, and those whose need the unit already has as a case (the case
        goes on). A family whose need is pending but hidden is a case the registry cannot settle at its counter
        (mostly migrant workers' children, 001 l.52): it is returned, for the registry to pass to the unit's
        one-stop service (001 l.117), which registers the children when the case resolves."""
        pending = (self.episode[families] == REGISTRATION) & ~self.known[families]
        self.register(families[~pending])
        return families[pending]

    def unregistered(self) -> np.ndarray:
        """Families whose children have no birth certificate."""
        return np.flatnonzero(self.vuln_mask & BIT["no_birth_certificate"])

    def register(self, families: np.ndarray) -> None:
        """These families' children get birth certificates: the flag clears, with the risks that follow it."""
        if len(families) == 0:
            return
        self.vuln_mask[families] &= ~np.uint8(BIT["no_birth_certificate"])
        rows = self._base_hazard(families)
        if rows.tobytes() != self.base_hazard[families].tobytes():  # unchanged rows leave the total valid
            self.base_hazard[families] = rows
            self._hazard_key = None  # the cached total hazard is stale

    def hidden(self) -> np.ndarray:
        """Families whose ongoing episode has no open case."""
        busy = self.in_episode()
        return busy[~self.known[busy]]

    def children_in_harm(self, busy: np.ndarray | None = None) -> int:
        """Children in an ongoing episode of harm (not a service need), known or hidden: the week's harm burden.
        `busy`: this week's `in_episode()`, if the caller has it."""
        busy = self.in_episode() if busy is None else busy
        return int(self.harmed[busy[self.episode[busy] < N_HARM]].sum(dtype=np.int64))

    def children_at_risk_served(self) -> tuple[int, int]:
        """Children in families with 2+ vulnerabilities, and how many of them were ever served."""
        vulnerable = self.vuln_count >= 2
        return int(self.children[vulnerable].sum()), int(self.children[vulnerable & self.ever_served].sum())


def distinct(ids: np.ndarray) -> np.ndarray:
    """`np.unique` of the few ids of a week (sorted, no repeats), without the hash table that costs np.unique
    ~30 us a call."""
    if len(ids) < 2:
        return ids.copy()
    ids = np.sort(ids)
    return ids[np.concatenate(([True], ids[1:] != ids[:-1]))]


def _still(candidates: np.ndarray, until: np.ndarray, week: int) -> np.ndarray:
    """The candidates whose `until` week has not passed."""
    return candidates[until[candidates] >= week]


def _match_total(kids: np.ndarray, total: int, rng: np.random.Generator) -> np.ndarray:
    """Add or remove children one at a time from random families until the count is exact (each family >= 1)."""
    diff = total - int(kids.sum())
    if diff > 0:
        np.add.at(kids, rng.integers(0, len(kids), diff), 1)
    while diff < 0:
        donors = np.flatnonzero(kids > 1)
        pick = rng.choice(donors, size=min(-diff, len(donors)), replace=False)
        kids[pick] -= 1
        diff += len(pick)
    return kids


def _draw_vulnerabilities(count: np.ndarray, weights: object, rng: np.random.Generator) -> np.ndarray:
    """A bitmask of `count` distinct vulnerabilities per family, drawn by weight without replacement."""
    w = np.array([getattr(weights, v) for v in VULNERABILITIES], dtype=np.float64) + 1e-12
    # Gumbel top-k: the k largest of log(w) + Gumbel noise are a weighted sample without replacement
    keys = np.log(w)[None, :] + rng.gumbel(size=(len(count), len(w)))
    order = np.argsort(-keys, axis=1)
    mask = np.zeros(len(count), dtype=np.uint8)
    for rank in range(3):
        chosen = order[:, rank]
        take = count > rank
        mask[take] |= (1 << chosen[take]).astype(np.uint8)
    return mask


class Harm:
    """Step 3 of the week: new harm and needs among the families, and hidden episodes that end by themselves."""

    FEEDS = ("new_episodes", "found_without_hub")

    def __init__(
        self, cfg: Config, families: FamilyPopulation, metrics: WeeklyMetrics, found_without_hub: np.ndarray
    ) -> None:
        self.harm = cfg.harm
        self.found_without_hub = found_without_hub  # by type: the chance the agency channel alone finds it
        self.protection = cfg.prevention.early_intervention_risk_reduction
        self.families = families
        self.metrics = metrics

    def step(self, week: int, today: Week) -> None:
        fam, harm = self.families, self.harm
        new, kinds = fam.draw_episodes(
            week,
            today.stress,
            today.season,
            harm.awareness_protection,
            self.protection,
            harm.protection_after_resolution,
            harm.hidden_harm_ends_weekly,
        )
        np.add.at(self.metrics.new_episodes[week], kinds, fam.harmed[new])
        # the same children without the integrated system: expected to be found (access_ratio's denominator)
        self.metrics.found_without_hub[week] += (self.found_without_hub[kinds] * fam.harmed[new]).sum()
