"""cpsim's Optuna sweeper (`hydra/sweeper=optuna`), where Hydra looks for plugins (`hydra_plugins.*`).

Hydra's own `hydra-optuna-sweeper` (1.3.0, its newest release) requires optuna<3, and cpsim needs optuna>=4
(`cpsim-plans optimize`), so cpsim brings its own: the same override forms and settings (`n_trials`, `n_jobs`
as the batch size, `direction`, `sampler`) and the same `optimization_results.yaml`, with the direction taken
from the objective's `better` (sim/outcomes.py) when none is given. The work is in `_space` (overrides to
distributions) and `_study` (ask, launch, tell, report); Optuna is imported only when a sweep starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hydra.core.plugins import Plugins
from hydra.plugins.launcher import Launcher
from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf


class OptunaSweeper(Sweeper):
    def __init__(
        self, sampler: Any, direction: str | None, n_trials: int, n_jobs: int, params: DictConfig | None = None
    ) -> None:
        self.sampler = sampler  # instantiated by Hydra from `hydra.sweeper.sampler`
        self.direction = direction
        self.n_trials = n_trials
        self.n_jobs = n_jobs
        self.params = dict(params or {})
        self.config: DictConfig | None = None
        self.launcher: Launcher | None = None

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        self.hydra_context = hydra_context
        self.config = config
        self.launcher = Plugins.instance().instantiate_launcher(
            hydra_context=hydra_context, task_function=task_function, config=config
        )

    def sweep(self, arguments: list[str]) -> Any:
        from hydra_plugins.cpsim_optuna_sweeper._space import search_space
        from hydra_plugins.cpsim_optuna_sweeper._study import Plan, report, run_study
        from sim.app_config import objective_direction

        assert self.config is not None and self.launcher is not None
        objective = str(self.config.get("objective") or "")
        plan = Plan(objective, objective_direction(objective, self.direction), self.n_trials, self.n_jobs)
        space = search_space([*(f"{k}={v}" for k, v in self.params.items()), *arguments])
        sweep_dir = Path(self.config.hydra.sweep.dir)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        OmegaConf.save(self.config, sweep_dir / "multirun.yaml")  # as Hydra's sweepers do
        study = run_study(plan, space, self.sampler, self._launch)
        return report(study, plan, sweep_dir)

    def _launch(self, jobs: list[list[str]], first: int) -> Any:
        """One batch: its configs composed first (a composition error stops the sweep before any runs), as
        Hydra's basic sweeper does."""
        assert self.launcher is not None
        self.validate_batch_is_legal(jobs)
        return self.launcher.launch(jobs, initial_job_idx=first)
