"""The command-line app's config: the model `Config` plus run options (seed, plots, progress bar) and the
sweep options (how many seeds one job runs, which time series it keeps, whether it resumes, which outcome a
job returns to a sampling sweeper); and where Hydra finds the app's root config (sim/conf/config.yaml) and the
groups other packages add."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml
from hydra.core.config_search_path import ConfigSearchPath
from hydra.core.config_store import ConfigStore
from hydra.core.plugins import Plugins
from hydra.plugins.search_path_plugin import SearchPathPlugin

from scenarios.files import excerpt
from scenarios.schema import Config, param
from scenarios.validate import ConfigError
from sim.outcomes import OUTCOMES

APP_KEYS = ("seed", "plots", "progress", "replicates", "seeds", "timeseries", "resume", "objective")
TIMESERIES = ("yearly", "weekly")
# an objective is an outcome with a number (not the scenario's name or the run's seed); "" = none
OBJECTIVES = ("", *(key for key, o in OUTCOMES.items() if o.unit))
DIRECTIONS = {+1: "maximize", -1: "minimize"}  # an outcome's `better`, in Optuna's words
CONFIG_MODULE = "sim.conf"  # the root config's package
CONFIG_PATH = f"pkg://{CONFIG_MODULE}"
CONFIG_NAME = "config"


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
    objective: str = param(
        "",
        "outcome a job returns (its mean over the job's seeds) for a sweeper that optimises (hydra/sweeper=optuna); "
        "empty: none",
        choices=OBJECTIVES,
    )


def check_objective(value: object) -> None:
    """An objective names an outcome with a number: one line with the nearest names if not (the schema's own
    message would list all of them)."""
    if value in OBJECTIVES:
        return
    names = OBJECTIVES[1:]
    near = difflib.get_close_matches(str(value), names, n=4, cutoff=0.6)
    shown = ", ".join(near or ("effective_coverage", "resolution_rate", "children_served"))
    raise ConfigError(
        f"objective: {excerpt(value)} is not allowed; expected one of {shown}, ... ({len(names)} outcomes with a "
        "number: README's summary table), or empty for none"
    )


def objective_direction(objective: str, direction: str | None) -> str:
    """The direction a sweeper optimises `objective` in: the one given, else the registry's `better`."""
    if direction is not None:
        return direction
    better = OUTCOMES[objective].better if objective in OUTCOMES else 0
    if better not in DIRECTIONS:
        raise ConfigError(
            f"hydra.sweeper.direction: null is not allowed with objective={objective or '(none)'} (neither higher "
            "nor lower is better); expected minimize or maximize"
        )
    return DIRECTIONS[better]


@cache
def root_searchpath() -> tuple[str, ...]:
    """The `hydra.searchpath` entries of the root config file."""
    text = (resources.files(CONFIG_MODULE) / f"{CONFIG_NAME}.yaml").read_text()
    return tuple((yaml.safe_load(text).get("hydra") or {}).get("searchpath") or ())


class RootSearchPath(SearchPathPlugin):
    """Adds the root config's `hydra.searchpath` to the search path Hydra starts with.

    Hydra reads `hydra.searchpath` only while composing a job, so without this `--help`, `--info` and shell
    completion would not see the groups found there (hydra issue #1469)."""

    def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
        present = {element.path for element in search_path.get_path()}
        if CONFIG_PATH not in present:
            return  # another Hydra app in this process
        for path in root_searchpath():
            if path not in present:
                search_path.append(provider="cpsim root config", path=path)


def register() -> None:
    ConfigStore.instance().store(name="cpsim_schema", node=AppConfig)
    if RootSearchPath not in Plugins.instance().discover(SearchPathPlugin):
        Plugins.instance().register(RootSearchPath)
