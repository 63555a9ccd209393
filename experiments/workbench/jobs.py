"""Compares run in the background: one pool of worker processes for the server, one job per Compare click.

Workers report every simulated quarter through a queue, so the progress bar moves within a second of the
click. Cancel drops the runs not yet started and stops the runs under way at their next simulated week: the
server leaves a flag file named after the job in a folder of its own, which each worker looks for every week
(a file, because the workers were started before the job existed and share nothing else with it). Each job
keeps its own futures and its own results, so two compares never see each other's runs; board.py queues them.
The tables are those of `compare_plans` (the same function `cpsim-plans compare` uses), with this module's
runner in place of `run_plans`.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import pandas as pd

from experiments.plans.compare import PlanComparison, compare_plans
from experiments.plans.plan_file import Plan
from experiments.plans.runner import tables
from scenarios.schema import Config

REPORT_EVERY_WEEKS = 13  # one progress message per simulated quarter
STOP_WAIT_S = 10.0  # a run stops at its next simulated week; this bounds the wait if a worker hangs


class Cancelled(Exception):
    """The user pressed Cancel."""


# ---- worker side -------------------------------------------------------------------------------------------
_worker_queue: Any = None
_cancel_dir = ""


def _init_worker(queue: Any, server_pid: int, cancel_dir: str) -> None:
    global _worker_queue, _cancel_dir
    _worker_queue, _cancel_dir = queue, cancel_dir
    threading.Thread(target=_exit_with_server, args=(server_pid,), daemon=True).start()


def _exit_with_server(server_pid: int) -> None:
    """End this worker when the server process is gone: a server stopped by a signal does not shut its pool
    down, and the workers (with their forkserver) would otherwise stay behind."""
    while True:
        time.sleep(1.0)
        try:
            os.kill(server_pid, 0)
        except ProcessLookupError:
            os._exit(0)
        except PermissionError:  # another user's process took the number: the server is gone too
            os._exit(0)


def _warm() -> int:
    import sim.run  # noqa: F401  (already preloaded by the forkserver; this just waits for the worker)

    return 0


def run_task(
    job_id: str, plan: str, config: Config, seed: int, window_from: int
) -> tuple[str, int, dict, pd.DataFrame]:
    """One run, as runner.run_one, telling the server its progress every simulated quarter and stopping at the
    week after the job is cancelled."""
    from sim.run import run

    flag = os.path.join(_cancel_dir, job_id)

    def report(week: int, n_weeks: int) -> None:
        if _cancel_dir and os.path.exists(flag):
            raise Cancelled()
        if _worker_queue is not None and (week % REPORT_EVERY_WEEKS == 0 or week == n_weeks):
            _worker_queue.put((job_id, plan, seed, week))

    return plan, seed, *tables(run(config, seed, progress=report), window_from)


# ---- server side -------------------------------------------------------------------------------------------
class Pool:
    """The server's worker processes (forkserver, model preloaded) and the thread that reads their progress."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._queue: Any = None
        self._jobs: dict[str, CompareJob] = {}
        self.cancel_dir = tempfile.mkdtemp(prefix="cpsim-workbench-cancel-")

    def executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                ctx = multiprocessing.get_context("forkserver")
                ctx.set_forkserver_preload(["sim.run"])
                self._queue = ctx.Queue()
                args = (self._queue, os.getpid(), self.cancel_dir)
                self._executor = ProcessPoolExecutor(
                    self.workers, mp_context=ctx, initializer=_init_worker, initargs=args
                )
                threading.Thread(target=self._listen, args=(self._queue,), daemon=True).start()
            return self._executor

    def warm(self) -> None:
        """Start the workers now, so the first Compare does not wait for them."""
        ex = self.executor()
        for f in [ex.submit(_warm) for _ in range(self.workers)]:
            f.result()

    def _listen(self, queue: Any) -> None:
        while True:
            try:
                job_id, plan, seed, week = queue.get()
            except (EOFError, OSError):
                return
            job = self._jobs.get(job_id)
            if job is not None:
                job.weeks_done[plan, seed] = week

    def submit(self, job: CompareJob, plan: str, config: Config, seed: int, window_from: int) -> Future:
        self._jobs[job.id] = job
        try:
            return self.executor().submit(run_task, job.id, plan, config, seed, window_from)
        except BrokenProcessPool:
            with self._lock:
                self._executor = None
            return self.executor().submit(run_task, job.id, plan, config, seed, window_from)

    def stop(self, job: CompareJob) -> None:
        """Tell the workers to stop this job's runs under way."""
        with open(os.path.join(self.cancel_dir, job.id), "w"):
            pass

    def forget(self, job: CompareJob) -> None:
        self._jobs.pop(job.id, None)
        with contextlib.suppress(FileNotFoundError):
            os.remove(os.path.join(self.cancel_dir, job.id))

    def shutdown(self) -> None:
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None
        shutil.rmtree(self.cancel_dir, ignore_errors=True)


_POOL: Pool | None = None


def shared_pool(workers: int = 2) -> Pool:
    global _POOL
    if _POOL is None:
        _POOL = Pool(workers)
    return _POOL


Progress = Callable[[float, str], None]


class CompareJob:
    """One compare: plans x seeds on the shared pool, with progress and cancel."""

    def __init__(self, plans: list[Plan], scenario: dict[str, Any], seeds: list[int], pool: Pool, **options: Any):
        self.id = uuid.uuid4().hex
        self.plans, self.scenario, self.seeds, self.pool, self.options = plans, scenario, seeds, pool, options
        self.weeks_done: dict[tuple[str, int], int] = {}
        self.n_weeks = 1
        self._cancel = threading.Event()
        self._futures: list[Future] = []

    def cancel(self) -> None:
        if not self._cancel.is_set():
            self._cancel.set()
            self.pool.stop(self)
        for f in self._futures:
            f.cancel()

    def _stop_all(self) -> None:
        """Cancel, and return (by raising Cancelled) only once the runs under way have stopped, so that a
        cancelled job has freed the cores when it ends."""
        self.cancel()
        wait(self._futures, timeout=STOP_WAIT_S)
        raise Cancelled()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def fraction(self, n_tasks: int) -> float:
        return min(1.0, sum(self.weeks_done.values()) / max(1, n_tasks * self.n_weeks))

    def run(self, on_progress: Progress | None = None) -> PlanComparison:
        """The comparison (raises Cancelled if cancelled; PlanError/ConfigError on a bad plan)."""
        say = on_progress or (lambda fraction, text: None)
        say(0.0, "Starting the runs")

        def runner(configs: dict[str, Config], seeds: list[int], window_from: int) -> tuple[pd.DataFrame, pd.DataFrame]:
            return self._run(configs, seeds, window_from, say)

        try:
            return compare_plans(self.plans, self.scenario, self.seeds, runner=runner, **self.options)
        finally:
            self.pool.forget(self)

    def _run(
        self, configs: dict[str, Config], seeds: list[int], window_from: int, say: Progress
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        tasks = [(plan, cfg, seed, window_from) for plan, cfg in configs.items() for seed in seeds]
        self.n_weeks = next(iter(configs.values())).n_weeks
        self._futures = [self.pool.submit(self, *task) for task in tasks]
        done: dict[tuple[str, int], tuple[dict, pd.DataFrame]] = {}
        pending = set(self._futures)
        while pending:
            if self.cancelled:
                self._stop_all()
            finished, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
            if self.cancelled or any(f.cancelled() for f in finished):
                self._stop_all()
            for f in finished:
                plan, seed, summary, q = f.result()
                done[plan, seed] = summary, q
                self.weeks_done[plan, seed] = self.n_weeks
            say(self.fraction(len(tasks)), f"{len(done)} of {len(tasks)} runs done")
        runs, quarters = [], []
        for plan, _, seed, _ in tasks:  # plan order, then seed order, as run_plans
            summary, q = done[plan, seed]
            runs.append({"plan": plan, **summary})
            quarters.append(q.assign(plan=plan, seed=seed))
        say(1.0, "Comparing the plans")
        return pd.DataFrame(runs), pd.concat(quarters, ignore_index=True)


def timed(job: CompareJob) -> tuple[PlanComparison, float, float]:
    """(comparison, seconds to the first simulated quarter reported, total seconds): for bench.py."""
    start = time.perf_counter()
    first: list[float] = []

    def on_progress(fraction: float, text: str) -> None:
        if fraction > 0 and not first:
            first.append(time.perf_counter() - start)

    comp = job.run(on_progress)
    return comp, (first[0] if first else float("nan")), time.perf_counter() - start
