"""Families: the households whose children come to harm, as one vectorised agent set.

The ~60,000 households of a city are agents in the ODD sense, but their state lives in numpy arrays (one
row a family, the way Starsim holds people and mesa-frames holds agent sets) and their behaviour is array
code applied to all of them at once: weekly hazards of harm and needs, awareness, early-intervention
protection, hidden episodes that end by themselves, and what a family's case means for its episode and its
recurrence risk. A per-family Mesa `step()` would cost ~3 us a family a week: minutes per run.

A family has at most one ongoing episode (harm or unmet need) at a time. An episode stays hidden until one of
the detection channels finds it, and ends when its case resolves or, while hidden, on its own.
"""

from __future__ import annotations

import numpy as np

from scenarios.schema import CASE_TYPES, HARM_TYPES, VULNERABILITIES, Config

BIT = {name: 1 << i for i, name in enumerate(VULNERABILITIES)}
N_HARM = len(HARM_TYPES)
NO_EPISODE = -1


def per_case_type(group: object) -> np.ndarray:
    """Per-case-type values from a CaseTypeValues group, in CASE_TYPES order."""
    return np.array([getattr(group, name) for name in CASE_TYPES], dtype=np.float64)


class FamilyPopulation:
    """Numeric state of every household, and the vectorised weekly processes that act on all of them."""

    def __init__(self, cfg: Config, rng: np.random.Generator) -> None:
        pop, harm = cfg.population, cfg.harm
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

        self.stress_base = rng.lognormal(-0.5 * pop.stress_sd**2, pop.stress_sd, n)
        self.awareness0 = np.clip(rng.normal(pop.awareness_mean, pop.awareness_spread, n), 0.0, 1.0)
        self.awareness = self.awareness0.copy()
        self.covered = rng.random(n) < pop.registry_coverage

        # B[f, j]: weekly hazard of type j at economic stress multiplier 1 (children x risk x own stress)
        relative_risk = self._relative_risk(harm)
        elasticity = per_case_type(harm.stress_elasticity)
        self.elasticity = elasticity
        self.base_hazard = (
            per_case_type(harm.weekly_hazard_per_child)[None, :]
            * kids[:, None]
            * relative_risk
            * self.stress_base[:, None] ** elasticity[None, :]
        )
        self._total_hazard = np.zeros(n)
        self._hazard_key: float | None = None

        # episode state
        self.episode = np.full(n, NO_EPISODE, dtype=np.int8)  # case type of the ongoing episode
        self.known = np.zeros(n, dtype=bool)  # ongoing episode has an open case
        self.episode_detected = np.zeros(n, dtype=bool)  # current episode was found at least once
        self.protected_until = np.full(n, -1, dtype=np.int32)
        self.recur_until = np.full(n, -1, dtype=np.int32)
        self.ever_served = np.zeros(n, dtype=bool)
        self.at_risk = np.flatnonzero(self.vuln_count >= 2)  # targets of early intervention

    def _relative_risk(self, harm: object) -> np.ndarray:
        """Per family and case type: extra vulnerabilities and the specific links the studies name."""
        rr = np.ones((self.n, len(CASE_TYPES)))
        rr *= (harm.extra_vulnerability_risk ** (self.vuln_count - 1).astype(np.float64))[:, None]
        col = {name: i for i, name in enumerate(CASE_TYPES)}

        def has(flag: str) -> np.ndarray:
            return (self.vuln_mask & BIT[flag]) > 0

        rr[has("no_birth_certificate"), col["sexual_exploitation"]] *= harm.no_birth_certificate_trafficking_risk
        rr[has("out_of_school"), col["economic_exploitation"]] *= harm.out_of_school_labour_risk
        rr[has("street_involved"), col["economic_exploitation"]] *= harm.street_labour_risk
        rr[has("kin_care"), col["neglect"]] *= harm.kin_care_neglect_risk
        rr[has("disability"), col["neglect"]] *= harm.disability_neglect_risk
        # needs follow the matching vulnerability: no certificate -> registration, out of school -> drop-out
        rr[~has("no_birth_certificate"), col["birth_registration"]] *= 0.1
        rr[has("out_of_school"), col["school_dropout"]] *= 0.2  # already out: fewer new drop-outs
        return rr

    # ---- weekly, vectorised ----

    def update_awareness(self, gain: float, decay: float) -> None:
        """Primary prevention raises awareness; without it awareness drifts back to where it started."""
        a = self.awareness
        a += gain * (1.0 - a) - decay * (a - self.awareness0)
        np.clip(a, 0.0, 1.0, out=a)

    def protect(self, families: np.ndarray, until_week: int) -> None:
        """Secondary prevention (early intervention) for the given families."""
        self.protected_until[families] = until_week
        self.ever_served[families] = True

    def draw_episodes(
        self,
        week: int,
        stress_multiplier: float,
        u: np.ndarray,
        awareness_protection: float,
        protection: float,
        recurrence_multiplier: float,
        hidden_end: float,
    ) -> tuple[np.ndarray, np.ndarray]:
        """New harm / needs among families without an episode; hidden episodes that end by themselves.

        One uniform per family per week (`u`) drives both, so the draw count never depends on state and two
        runs with the same seed see the same harm (common random numbers). Returns (new families, their types).
        """
        if self._hazard_key != stress_multiplier:  # cheap matvec, redone only when stress changes
            self._total_hazard = self.base_hazard @ (stress_multiplier**self.elasticity)
            self._hazard_key = stress_multiplier
        h = self._total_hazard * (1.0 - awareness_protection * self.awareness)
        h[self.protected_until >= week] *= 1.0 - protection
        h[self.recur_until >= week] *= recurrence_multiplier
        free = self.episode == NO_EPISODE
        new = np.flatnonzero(free & (u < h))
        # the type: reuse the same uniform, rescaled within [0, h) -> categorical over the type hazards
        if len(new):
            weights = self.base_hazard[new] * (stress_multiplier**self.elasticity)[None, :]
            cum = np.cumsum(weights, axis=1)
            target = (u[new] / h[new])[:, None] * cum[:, -1:]
            kinds = np.minimum((cum < target).sum(axis=1), len(CASE_TYPES) - 1).astype(np.int8)
        else:
            kinds = np.zeros(0, dtype=np.int8)
        # hidden episodes that stop on their own (the same uniform, unused for families already in an episode)
        ends = np.flatnonzero(~free & ~self.known & (u < hidden_end))
        self.episode[ends] = NO_EPISODE
        self.episode[new] = kinds
        self.episode_detected[new] = False
        return new, kinds

    def case_opened(self, families: np.ndarray) -> None:
        """The system has taken up these families' episodes: no longer hidden; counted as found and served."""
        self.known[families] = True
        self.episode_detected[families] = True
        self.ever_served[families] = True

    def case_closed(self, family: int, resolved: bool, week: int, recurrence_window: int) -> None:
        """A resolved case ends the episode; otherwise the harm goes on, hidden again. Risk stays raised a while."""
        self.known[family] = False
        if resolved:
            self.episode[family] = NO_EPISODE
        self.recur_until[family] = week + recurrence_window

    def hidden(self) -> np.ndarray:
        """Families whose ongoing episode has no open case."""
        return np.flatnonzero((self.episode != NO_EPISODE) & ~self.known)

    def children_at_risk_served(self) -> tuple[int, int]:
        """Children in families with 2+ vulnerabilities, and how many of them were ever served."""
        vulnerable = self.vuln_count >= 2
        return int(self.children[vulnerable].sum()), int(self.children[vulnerable & self.ever_served].sum())


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
