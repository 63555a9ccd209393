"""Runs on a SLURM cluster (or submitit's local stand-in), behind the interface of a process pool.

`ClusterExecutor.map` packs the tasks into chunks, submits them as one SLURM job array through submitit
(the same library as the sweeps' `hydra/launcher=slurm`), and yields the results in task order as the array's
tasks finish, so `run_many(fn, tasks, pool=ClusterExecutor(...))` works as with local cores: the progress bar,
Ctrl-C (the array is cancelled with scancel) and the resumable sweep points are the same. Each array task runs
its chunk on `cpus_per_task` local processes. The cluster's nodes must see this Python environment and the
output folder (a shared file system), as for the sweeps.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scenarios.files import excerpt

LAUNCHERS = ("local", "slurm", "submitit_local")  # local: this computer's cores (no submitit)
SLURM_NAME = re.compile(r"^[A-Za-z0-9_.,-]{1,64}$")  # a partition or account: nothing a shell would read
MAX_TIME_MIN = 60 * 24 * 14


def slurm_name(text: str) -> str:
    if not SLURM_NAME.match(text):
        raise argparse.ArgumentTypeError(
            f"{excerpt(text)} is not allowed; expected a SLURM name (letters, digits, _ . , -; at most 64)"
        )
    return text


def time_min(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_TIME_MIN:
        raise argparse.ArgumentTypeError(
            f"{excerpt(text)} is not allowed; expected minutes, a whole number from 1 to {MAX_TIME_MIN}"
        )
    return int(text)


@dataclass(frozen=True)
class ClusterSettings:
    launcher: str = "slurm"  # slurm | submitit_local
    partition: str | None = None
    account: str | None = None
    time_min: int = 60
    tasks_per_job: int = 10  # tasks run one after another (on cpus_per_task processes) in one array task
    cpus_per_task: int = 1
    mem_gb: int = 4
    array_parallelism: int = 100


def _run_chunk(fn: Callable[..., Any], chunk: list[tuple[Any, ...]], cpus: int) -> list[Any]:
    """One array task: its tasks, in order, on `cpus` processes of its node."""
    from experiments.common.pool import run_many

    return run_many(fn, chunk, cpus)


class ClusterExecutor(Executor):
    """A submitit job array that looks like a process pool to `run_many` (map and shutdown only)."""

    def __init__(self, folder: Path, settings: ClusterSettings) -> None:
        import submitit

        self.settings = settings
        cluster = "slurm" if settings.launcher == "slurm" else "local"
        self._executor = submitit.AutoExecutor(folder=str(folder / "%j"), cluster=cluster)
        params: dict[str, Any] = {"timeout_min": settings.time_min, "cpus_per_task": settings.cpus_per_task}
        if cluster == "slurm":
            params |= {"slurm_array_parallelism": settings.array_parallelism, "mem_gb": settings.mem_gb}
            if settings.partition:
                params["slurm_partition"] = settings.partition
            if settings.account:
                params["slurm_account"] = settings.account
        self._executor.update_parameters(name="cpsim", **params)
        self.jobs: list[Any] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("ClusterExecutor runs whole task lists: use map()")

    def map(
        self, fn: Callable[..., Any], *iterables: Sequence[Any], timeout: float | None = None, chunksize: int = 1
    ) -> Iterator[Any]:
        tasks = list(zip(*iterables, strict=True))
        size = self.settings.tasks_per_job
        chunks = [tasks[i : i + size] for i in range(0, len(tasks), size)]
        n = len(chunks)
        self.jobs = self._executor.map_array(_run_chunk, [fn] * n, chunks, [self.settings.cpus_per_task] * n)
        return self._results()

    def _results(self) -> Iterator[Any]:
        for job in self.jobs:
            yield from job.result()  # waits for this array task; raises if it failed on the node

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if cancel_futures:
            for job in self.jobs:
                if not job.done():
                    job.cancel(check=False)
