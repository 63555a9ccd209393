"""Many runs as one object: named configs x seeds, in processes, with tidy tables, means with intervals, paired
comparisons and a plot (what Covasim's `MultiSim` / `Scenarios` and Starsim's equivalents give).

    from experiments.multirun import MultiRun

    multi = MultiRun(
        {"Makassar": "makassar_pksai", "Tulungagung": "tulungagung_ult_psai"},  # a scenario name,
        seeds=range(5),                                                      # a (partial) dict or a Config
        overrides={"population": {"n_children": 20_000}},                    # merged into each scenario
    ).run(processes=2)
    multi.runs                       # one row per name x seed: every summary outcome (sim/outcomes.py)
    multi.reduce()                   # per name x outcome: mean and 90% t interval
    multi.compare("Makassar")        # paired differences (same seeds) against a baseline, with intervals
    multi.plot("effective_coverage") # means with their intervals, labelled from the outcome registry

Every name runs on the same seeds, so differences are paired (common random numbers). The runs go through
the planner's loop (`experiments/plans/runner.py: run_plans`, a pool of processes via
`experiments/common/pool.py`), so a MultiRun and `cpsim-plans compare` give the same numbers for the same
configs and seeds, whatever the number of processes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from experiments.common.tables import t_interval
from experiments.plans.paired import LEVEL, Kpi, paired_table
from experiments.plans.runner import run_plans
from scenarios.schema import Config
from scenarios.validate import ConfigError, config_from_dict
from sim.compose import deep_merge, scenario_dict
from sim.outcomes import OUTCOMES

if TYPE_CHECKING:
    from matplotlib.figure import Figure

NAME = "plan"  # the column naming a config in the tables (the planner's name for it)


def resolve(spec: str | Mapping[str, Any] | Config, overrides: Mapping[str, Any] | None = None) -> Config:
    """A validated config from a scenario name, a (partial) nested dict over the schema defaults, or a Config;
    `overrides` (a nested dict) merged into it."""
    if isinstance(spec, Config):
        data = dataclasses.asdict(spec)
    elif isinstance(spec, str):
        data = scenario_dict(spec)
    elif isinstance(spec, Mapping):
        data = dict(spec)
    else:
        raise ConfigError(f"configs: {spec!r} is not allowed; expected a scenario name, a dict or a Config")
    return config_from_dict(deep_merge(data, dict(overrides or {})))


class MultiRun:
    """Named configs x seeds. `run()` fills `runs` (one row per name x seed) and `quarters` (per quarter)."""

    def __init__(
        self,
        configs: Mapping[str, str | Mapping[str, Any] | Config],
        seeds: Iterable[int] = range(5),
        overrides: Mapping[str, Any] | None = None,
        window_from: int | None = None,
    ) -> None:
        if not configs:
            raise ConfigError("configs: none given; expected at least one name -> config")
        self.configs = {str(name): resolve(spec, overrides) for name, spec in configs.items()}
        self.seeds = [int(s) for s in seeds]
        if not self.seeds or len(set(self.seeds)) != len(self.seeds):
            raise ConfigError(f"seeds: {self.seeds} is not allowed; expected distinct integers, at least one")
        self.window_from = window_from  # outcomes from this year to the end are added as `<key>_after`
        self.runs = pd.DataFrame()
        self.quarters = pd.DataFrame()

    def run(self, processes: int = 1, progress: bool = False) -> MultiRun:
        self.runs, self.quarters = run_plans(
            self.configs, self.seeds, jobs=processes, progress=progress, window_from=self.window_from
        )
        return self

    def _ran(self) -> pd.DataFrame:
        if self.runs.empty:
            raise RuntimeError("no runs yet: call run() first")
        return self.runs

    def outcomes(self) -> list[str]:
        """The numeric outcomes of the registry that the runs hold, in registry order."""
        runs = self._ran()
        return [k for k in OUTCOMES if k in runs and pd.api.types.is_numeric_dtype(runs[k])]

    def reduce(self, outcomes: Iterable[str] | None = None, level: float = LEVEL) -> pd.DataFrame:
        """Per name x outcome: mean, the `level` t interval of the mean (across seeds), and the seeds used."""
        runs = self._ran()
        rows = []
        for name, mine in runs.groupby(NAME, sort=False):
            for key in outcomes or self.outcomes():
                mean, low, high = t_interval(mine[key], level)
                n = int(mine[key].notna().sum())
                rows.append({"name": name, "outcome": key, "mean": mean, "low": low, "high": high, "n": n})
        return pd.DataFrame(rows)

    def compare(self, baseline: str, outcomes: Iterable[str] | None = None) -> pd.DataFrame:
        """Per name x outcome: its mean, the baseline's, and the paired difference (same seeds) with its 90%
        interval. The planner's paired table (experiments/plans/paired.py)."""
        runs = self._ran()
        if baseline not in self.configs:
            raise ConfigError(f"baseline: {baseline!r} is not allowed; expected one of {', '.join(self.configs)}")
        kpis = tuple(Kpi.of(k) for k in (outcomes or self.outcomes()))
        return paired_table(runs, baseline, kpis).rename(columns={"plan": "name", "kpi": "outcome"})

    def plot(self, outcome: str = "effective_coverage", ax: Any = None) -> Figure:
        """Each name's mean of `outcome` with its 90% interval, labelled from the outcome registry."""
        import matplotlib.pyplot as plt

        from sim.plots import percent_axis

        if outcome not in OUTCOMES:
            raise ConfigError(f"outcome: {outcome!r} is not allowed; expected a key of sim/outcomes.py")
        table = self.reduce([outcome])
        if ax is None:
            _, ax = plt.subplots(figsize=(6, 0.6 + 0.5 * len(table)), layout="constrained")
        errors = [table["mean"] - table["low"], table["high"] - table["mean"]]
        ax.errorbar(table["mean"], range(len(table)), xerr=errors, fmt="o", capsize=4, color="#1f4e79")
        ax.set_yticks(range(len(table)), table["name"])
        ax.set_ylim(len(table) - 0.5, -0.5)  # the first name on top
        ax.set_xlabel(OUTCOMES[outcome].axis_label)
        percent_axis(ax.xaxis, outcome)
        ax.set_title(f"Mean over {len(self.seeds)} seeds, with its 90% interval", fontsize=10)
        ax.grid(axis="x", alpha=0.3)
        return ax.figure
