"""cpsim's `local_cores` launcher, where Hydra looks for plugins (`hydra_plugins.*`); the work is in
`experiments.sweeps.launcher` (a killed worker: one line saying how to resume; a killed parent: no orphans)."""

from __future__ import annotations

from collections.abc import Sequence

from hydra.core.utils import JobReturn
from hydra_plugins.hydra_joblib_launcher.joblib_launcher import JoblibLauncher


class LocalCoresLauncher(JoblibLauncher):
    def launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> Sequence[JobReturn]:
        from experiments.sweeps.launcher import launch

        return launch(self, job_overrides, initial_job_idx)
