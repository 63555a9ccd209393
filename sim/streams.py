"""Independent random streams, one per process, spawned from a single seed.

Each process draws from its own stream, and the harm stream draws the same number of numbers every week
whatever happens elsewhere. So two runs with the same seed but different levers (staffing, a funding plan)
see the same families and the same harm draws: common random numbers, and low-variance paired differences.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STREAM_NAMES = ("population", "harm", "prevention", "detection", "casework", "referral", "workforce", "funding")


@dataclass(frozen=True)
class Streams:
    population: np.random.Generator
    harm: np.random.Generator
    prevention: np.random.Generator
    detection: np.random.Generator
    casework: np.random.Generator
    referral: np.random.Generator
    workforce: np.random.Generator
    funding: np.random.Generator

    @classmethod
    def from_seed(cls, seed: int) -> Streams:
        children = np.random.SeedSequence(seed).spawn(len(STREAM_NAMES))
        return cls(**{name: np.random.default_rng(s) for name, s in zip(STREAM_NAMES, children, strict=True)})
