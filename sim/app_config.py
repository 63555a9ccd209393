"""The command-line app's config: the model `Config` plus run options (seed, plots, progress bar) and the
sweep options (how many seeds one job runs, which time series it keeps, whether it resumes)."""

from __future__ import annotations

from dataclasses import dataclass

from hydra.core.config_store import ConfigStore

from scenarios.schema import Config, param

APP_KEYS = ("seed", "plots", "progress", "replicates", "seeds", "timeseries", "resume")
TIMESERIES = ("yearly", "weekly")


@dataclass
class AppConfig(Config):
    seed: int = param(0, "random seed of the run (the first seed of a job with replicates)", lo=0, hi=2**63 - 1)
    plots: bool = param(True, "write the seaborn figures next to the tables")
    progress: bool = param(True, "show a progress bar")
    replicates: int = param(
        1, "seeds one job runs: seed, seed+1, ...; above 1 the job writes a sweep point", lo=1, hi=10_000
    )
    seeds: list[int] = param(list, "explicit seed list of a job (overrides seed and replicates)", lo=0, hi=2**63 - 1)
    timeseries: str = param("yearly", "time series a sweep point keeps per run", choices=TIMESERIES)
    resume: bool = param(True, "in a sweep, skip a point whose results for the same config and seeds exist")


def register() -> None:
    ConfigStore.instance().store(name="cpsim_schema", node=AppConfig)
