"""Hydra callback: when a multirun ends, collect its points into tables and (optionally) draw the report."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

log = logging.getLogger("cpsim")


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
            log.warning("corrupt point, counted as missing (rerun to redo it): %s", problem)
        if self.report and len(sweep.runs):
            from experiments.sweeps.report import write_report

            log.info("report: %s", write_report(root, sweep))
