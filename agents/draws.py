"""Random numbers keyed to what they decide, so that two configurations share every draw they have in common.

A random decision takes its number from a key — its purpose, the run's seed, and what it is about: the family
and the week, the episode, the case and its referral attempt, the worker and the week, the budget year — never
from how many numbers were drawn before it. Two runs with the same seed and different levers (more staff, a
funder's exit) therefore face the same luck wherever they face the same decision: the same families come to
harm, the same hidden episodes are found, a case opened in both has the same severity and workload and the
same odds of success, a worker in both leaves in the same week if morale allows. Their difference has the low
variance that makes paired comparisons cheap (common random numbers, as in Starsim).

A recurring event (a family's next episode of harm, a hidden episode found or ending by itself, a family
dropping out of its case, a worker leaving) is an event clock: the clock runs at the week's hazard, -log(1 -
weekly chance), and the event happens in the week it passes a standard exponential threshold keyed to what
the event is about. Each week's chance is exactly the configured one, as with a fresh uniform every week, but
a lever that raises the hazard brings the same event forward instead of drawing a different one.

Two kinds of draw:
- `per_family(purpose, week, n)`: one uniform per family (index = family) for a weekly decision many families
  face at once (the registry's drive, early intervention): a fast generator (SFC64) seeded from (seed,
  purpose, week).
- `keyed(purpose, *keys)`: one uniform per element of the broadcast key arrays, a SplitMix64 hash of the seed,
  the purpose and the keys, for decisions about particular episodes, cases and workers; `exponential` turns
  it into an event clock's threshold.
The population itself is built once from `population()`, a generator seeded from (seed, purpose).
"""

from __future__ import annotations

import functools

import numpy as np

# a fixed code per purpose: adding a purpose never changes the numbers of another
PURPOSES = {
    "population": 1,
    "harm": 2,
    "detection": 3,
    "registry": 4,
    "early_intervention": 5,
    "severity": 6,
    "needs_referral": 7,
    "work": 8,
    "work_2": 9,
    "ngo_keeps": 10,
    "drop_out": 11,
    "success": 12,
    "referral_accepted": 13,
    "referral_delay": 14,
    "exit": 15,
    "classroom": 16,
    "pickup": 17,
    "onset": 18,
    "hidden_end": 19,
    "harm_type": 20,
    "channel": 21,
    "drop_or_loss": 22,
}

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_UNIT = 1.0 / 2**53


_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser (Steele, Lea & Flood 2014): a bijection of uint64 whose outputs look independent
    for neighbouring inputs. Works on a fresh array, in place."""
    z += _GOLDEN
    z ^= z >> _S30
    z *= _M1
    z ^= z >> _S27
    z *= _M2
    z ^= z >> _S31
    return z


def _as_key(values: np.ndarray | int) -> np.ndarray:
    """The key's int64 bits as uint64 (-1, "none", wraps to a valid key): a view, no copy, for int64 keys."""
    key = np.asarray(values)
    return (key if key.dtype == np.int64 else key.astype(np.int64)).view(np.uint64)


def _key_shape(parts: list[np.ndarray]) -> tuple[int, ...]:
    """The broadcast shape of the keys; usually one array shape and scalars, which needs no broadcasting."""
    shapes = {part.shape for part in parts if part.ndim}
    return shapes.pop() if len(shapes) == 1 else np.broadcast_shapes(*(part.shape for part in parts))


class Draws:
    """The run's random numbers, keyed by purpose (see the module docstring)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._root = _mix(np.array([seed], dtype=np.uint64))[0]
        # each purpose's hash state before its keys, mix(root ^ code): the same for every draw, so computed once
        codes = np.array(list(PURPOSES.values()), dtype=np.uint64)
        self._start = dict(zip(PURPOSES, _mix(self._root ^ codes), strict=True))

    def population(self) -> np.random.Generator:
        """The generator that builds the families (drawn once, in a fixed order)."""
        return np.random.default_rng([self.seed, PURPOSES["population"]])

    def per_family(self, purpose: str, week: int, n: int) -> np.ndarray:
        """`n` uniforms in [0, 1), one per family, for `purpose` in `week`."""
        return np.random.Generator(np.random.SFC64([self.seed, PURPOSES[purpose], week])).random(n)

    def keyed(self, purpose: str | tuple[str, ...], *keys: np.ndarray | int) -> np.ndarray:
        """One uniform in [0, 1) per element of the broadcast `keys` (ints, e.g. family and week). Several
        purposes at once give one row of uniforms per purpose (a leading axis)."""
        parts = [_as_key(k) for k in keys]
        shape = _key_shape(parts)
        names = (purpose,) if isinstance(purpose, str) else purpose
        x = np.empty((len(names), *shape), dtype=np.uint64)
        x[...] = np.array([self._start[name] for name in names]).reshape((-1,) + (1,) * len(shape))
        for part in parts:  # each key broadcasts into x in place
            x ^= part
            x = _mix(x)
        u = (x >> _S11) * _UNIT
        return u[0] if isinstance(purpose, str) else u

    def exponential(self, purpose: str, *keys: np.ndarray | int) -> np.ndarray:
        """A standard exponential per element of `keys`: the threshold of an event clock (see below)."""
        return -np.log1p(-self.keyed(purpose, *keys))


def gamma2(u1: np.ndarray, u2: np.ndarray, scale: float) -> np.ndarray:
    """Gamma(shape 2, `scale`) from two uniforms: the sum of two exponentials (inverse transform)."""
    return -scale * (np.log1p(-u1) + np.log1p(-u2))


def poisson(u: np.ndarray, mean: float) -> np.ndarray:
    """Poisson(`mean`) by inverse transform of the uniforms `u`: the same uniform gives the same or a longer
    wait under a larger mean."""
    u = np.asarray(u, dtype=np.float64)
    if mean <= 0:
        return np.zeros(u.shape, dtype=np.int64)
    cdf = _poisson_cdf(float(mean))
    return np.minimum(np.searchsorted(cdf, u, side="right"), len(cdf) - 1).astype(np.int64)


def poisson_one(u: float, mean: float) -> int:
    """`poisson` of a single uniform, without the array round trip (one referral's delay)."""
    if mean <= 0:
        return 0
    cdf = _poisson_cdf(float(mean))
    return min(int(np.searchsorted(cdf, u, side="right")), len(cdf) - 1)


@functools.lru_cache(maxsize=256)
def _poisson_cdf(mean: float) -> np.ndarray:
    """The cumulative distribution of Poisson(`mean`) up to mean + 12 sd + 20 (computed once per mean)."""
    top = int(mean + 12.0 * np.sqrt(mean) + 20)
    k = np.arange(top + 1)
    log_pmf = k * np.log(mean) - mean - np.cumsum(np.log(np.maximum(k, 1)))
    cdf = np.cumsum(np.exp(log_pmf))
    cdf.flags.writeable = False
    return cdf
