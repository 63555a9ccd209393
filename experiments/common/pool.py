"""The one way experiments fan out model runs: a pure function of (config, seed, ...) over worker processes.

Each task depends only on its own arguments and results come back in task order, so the output is identical
whatever the number of processes. Workers come from a forkserver with the model preloaded: plain fork copies a
process that may already run threads (tqdm's monitor, BLAS), which can deadlock the child, and preloading
`sim.run` in the server pays the import cost once per pool instead of once per child.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any

from tqdm import tqdm

from experiments.common.orphans import watch_parent, workers_born_deaf


def process_pool(workers: int) -> ProcessPoolExecutor:
    """Workers that end with this process (experiments/common/orphans.py) and leave Ctrl-C to it."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["sim.run"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=watch_parent, initargs=(os.getpid(),))


def stop_workers(pool: Executor) -> None:
    """Take a pool's workers down now (an interrupt): what runs is stopped, what has not begun never will."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # shutdown forgets them
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()


def run_many[T](
    fn: Callable[..., T],
    tasks: Sequence[tuple[Any, ...]],
    processes: int = 1,
    *,
    pool: Executor | None = None,
    progress: str | None = None,
    on_done: Callable[[int, int], None] | None = None,
) -> list[T]:
    """`fn(*task)` for every task, in task order. Runs go to `pool` if given, else to a pool of `processes`
    workers (none for one process or one task). `progress` is the label of a progress bar (None: no bar);
    `on_done(done, total)` is called after each task, and an exception it raises stops the tasks not yet begun
    (a page's Cancel)."""
    if not tasks:
        return []
    if pool is None and processes > 1 and len(tasks) > 1:
        with process_pool(min(processes, len(tasks))) as own:
            return _map(own, fn, tasks, progress, on_done)
    return _map(pool, fn, tasks, progress, on_done)


def _map[T](
    pool: Executor | None,
    fn: Callable[..., T],
    tasks: Sequence[tuple],
    progress: str | None,
    on_done: Callable[[int, int], None] | None,
) -> list[T]:
    with tqdm(total=len(tasks), unit="run", desc=progress, disable=progress is None, leave=False) as bar:
        out = []
        try:
            if pool is None:
                results: Iterator[T] = (fn(*t) for t in tasks)
            else:
                with workers_born_deaf():  # map submits every task now, which starts the workers
                    results = pool.map(fn, *zip(*tasks, strict=True))
            for result in results:
                out.append(result)
                bar.update(1)
                if on_done is not None:
                    on_done(len(out), len(tasks))
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM (sim/interrupt.py): no run goes on without us
            if pool is not None:
                stop_workers(pool)
            raise
        except BaseException:
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)  # what has not begun never will
            raise
    return out
