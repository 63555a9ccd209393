"""The command-line app's config: the model `Config` plus run options (seed, plots, progress bar)."""

from __future__ import annotations

from dataclasses import dataclass

from hydra.core.config_store import ConfigStore

from sim.config import Config, param

APP_KEYS = ("seed", "plots", "progress")


@dataclass
class AppConfig(Config):
    seed: int = param(0, "random seed of the run", lo=0, hi=2**63 - 1)
    plots: bool = param(True, "write the seaborn figures next to the tables")
    progress: bool = param(True, "show a progress bar")


def register() -> None:
    ConfigStore.instance().store(name="cpsim_schema", node=AppConfig)
