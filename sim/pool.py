"""One way to get worker processes: forkserver, with the model preloaded.

Plain fork copies a process that may already run threads (tqdm's monitor, BLAS), which can deadlock the
child; forkserver starts children from a clean server process, and preloading `sim.run` there pays the
import cost once per pool instead of once per child.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor


def process_pool(workers: int) -> ProcessPoolExecutor:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["sim.run"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
