"""Run many (scenario config, seed) jobs over worker processes and keep only their observables.

Each job depends only on its config and seed, and results come back in job order, so the output is identical
whatever the number of processes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from experiments.observables import observe
from sim.pool import process_pool
from sim.run import run

Job = tuple[str, Mapping[str, Any], int]  # (label, config dict, seed)


def simulate(job: Job) -> dict[str, float]:
    _, config, seed = job
    logging.getLogger("MESA").setLevel(logging.WARNING)
    return observe(run(config, seed))


def run_jobs(jobs: Sequence[Job], processes: int = 2) -> list[dict[str, float]]:
    """Observables of every job, in job order."""
    if processes <= 1 or len(jobs) <= 1:
        return [simulate(job) for job in jobs]
    with process_pool(min(processes, len(jobs))) as pool:
        return list(pool.map(simulate, jobs))
