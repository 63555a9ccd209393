"""The `local_cores` launcher: Hydra's joblib launcher, made to survive kills.

- A killed worker ends the sweep with one line saying how to resume (finished points are kept; the same
  command with the same `hydra.sweep.dir` redoes only what is missing), not joblib's traceback.
- A killed parent takes its workers down: each worker watches its parent process and exits within a fraction
  of a second once it is gone (Linux: the worker is re-parented), so no orphan finishes points nobody collects.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from hydra.core.singleton import Singleton
from hydra.core.utils import JobReturn, configure_log, filter_overrides, setup_globals
from hydra_plugins.hydra_joblib_launcher._core import execute_job, process_joblib_cfg
from hydra_plugins.hydra_joblib_launcher.joblib_launcher import JoblibLauncher
from joblib import Parallel, delayed
from joblib.externals.loky.process_executor import BrokenProcessPool as LokyBrokenPool
from joblib.externals.loky.process_executor import TerminatedWorkerError

from experiments.common.orphans import watch_parent, workers_born_deaf
from experiments.sweeps.claim import resume_command

log = logging.getLogger(__name__)


def _guarded_job(parent: int, *args: Any) -> JobReturn:
    watch_parent(parent)
    return execute_job(*args)


def launch(launcher: JoblibLauncher, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> list[JobReturn]:
    """Hydra's joblib launch, with each worker watching its parent and a dead worker reported in one line."""
    setup_globals()
    assert launcher.config is not None and launcher.task_function is not None and launcher.hydra_context is not None
    configure_log(launcher.config.hydra.hydra_logging, launcher.config.hydra.verbose)
    sweep_dir = Path(str(launcher.config.hydra.sweep.dir))
    sweep_dir.mkdir(parents=True, exist_ok=True)
    joblib_cfg = launcher.joblib
    joblib_cfg["backend"] = "loky"  # as Hydra's joblib launcher: threads do not work with Hydra
    process_joblib_cfg(joblib_cfg)
    log.info("Joblib.Parallel(n_jobs=%s) is launching %d jobs", joblib_cfg.get("n_jobs"), len(job_overrides))
    log.info("Launching jobs, sweep output dir : %s", sweep_dir)
    for idx, overrides in enumerate(job_overrides):
        log.info("\t#%d : %s", idx, " ".join(filter_overrides(overrides)))
    state = Singleton.get_state()
    parent = os.getpid()
    try:
        with ExitStack() as stack:
            with workers_born_deaf():  # the workers start here, deaf to a Ctrl-C while they import
                parallel = stack.enter_context(Parallel(**joblib_cfg))  # one pool of workers for both calls
                parallel([delayed(os.getpid)()])
            runs = parallel(
                delayed(_guarded_job)(
                    parent,
                    initial_job_idx + idx,
                    overrides,
                    launcher.hydra_context,
                    launcher.config,
                    launcher.task_function,
                    state,
                )
                for idx, overrides in enumerate(job_overrides)
            )
    except (TerminatedWorkerError, LokyBrokenPool, BrokenProcessPool) as exc:
        print(
            f"cpsim: error: a sweep worker died ({type(exc).__name__}: killed or crashed); finished points are kept; "
            f"to resume, run: {resume_command(sweep_dir, sys.argv[1:])}",
            file=sys.stderr,
        )
        raise SystemExit(1) from None
    return list(runs)
