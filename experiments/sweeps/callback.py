"""Hydra callbacks of a multirun: before it starts, take its folder (one sweep, one process: claim.py); when it
ends, collect its points into tables and (optionally) draw the report."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import IO, Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

log = logging.getLogger("cpsim")


class ClaimSweep(Callback):
    """Before any point runs: the sweep folder is this sweep's (or new), and no other process writes it."""

    def __init__(self) -> None:
        self.lock: IO[str] | None = None

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        from experiments.sweeps.claim import SweepBusy, claim_sweep, lock_sweep, resume_command, sweep_identity
        from scenarios.files import one_line
        from sim.interrupt import say_on_interrupt
        from sim.ownership import ForeignTarget

        root = Path(config.hydra.sweep.dir)
        try:
            claim_sweep(root, sweep_identity(config))  # before the lock: a user's folder gets no lock file
            self.lock = lock_sweep(root)
        except (ForeignTarget, SweepBusy, OSError) as exc:
            text = str(exc) if not isinstance(exc, OSError) else f"hydra.sweep.dir: {root}: {exc.strerror}"
            print(one_line(f"cpsim: error: {text}"), file=sys.stderr)
            raise SystemExit(1) from None
        say_on_interrupt(f"finished points are kept in {root}; to resume, run: {resume_command(root, sys.argv[1:])}")

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        if self.lock is not None:
            self.lock.close()
            self.lock = None


class CollectSweep(Callback):
    def __init__(self, report: bool = True) -> None:
        self.report = report

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        from experiments.sweeps.collect import write_tables

        root = Path(config.hydra.sweep.dir)
        sweep = write_tables(root)
        failed = int((sweep.points.status == "failed").sum())
        log.info("collected %d points (%d failed), %d runs into %s", len(sweep.points), failed, len(sweep.runs), root)
        for problem in sweep.corrupt:
            log.warning("point left out, counted as missing (rerun to redo it): %s", problem)
        if self.report and len(sweep.runs):
            from experiments.sweeps.report import write_report

            log.info("report: %s", write_report(root, sweep))
