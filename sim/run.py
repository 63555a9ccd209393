"""`run(config, seed) -> Results`: one simulation, no Hydra needed (notebooks, SALib, EMA Workbench)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from scenarios.files import excerpt
from scenarios.schema import Config
from scenarios.validate import ConfigError, check_seed, config_from_dict, validate
from sim.model import CPModel
from sim.summary import summarise, window_outcomes


@dataclass
class Results:
    config: Config  # the city as run (its counts at its size: scenarios/scale.py)
    seed: int
    summary: dict[str, Any]  # every outcome of sim/outcomes.py over the whole run
    weekly: pd.DataFrame  # one row per week
    cases: pd.DataFrame  # one row per case
    workers: pd.DataFrame  # one row per worker ever employed

    def window(self, first_year: int, last_year: int | None = None) -> dict[str, float]:
        """Every windowed outcome (sim/outcomes.py) over the calendar years first_year to last_year inclusive
        (default: to the end of the run), e.g. `res.window(2021, 2022)["effective_coverage"]` for coverage in
        the two years after a 2021 exit."""
        run = self.config.run
        last = run.end_year - 1 if last_year is None else last_year
        if not run.start_year <= first_year <= last <= run.end_year - 1:
            raise ValueError(
                f"window: years {first_year}-{last} are not allowed; expected years within the run, "
                f"{run.start_year}-{run.end_year - 1}, first <= last"
            )
        first_week, end_week = 52 * (first_year - run.start_year), 52 * (last + 1 - run.start_year)
        return window_outcomes(self.weekly, self.cases, self.workers, self.config, first_week, end_week)


def run(
    config: Config | Mapping[str, Any] | None = None,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> Results:
    """Simulate one city for the configured horizon. `config` may be a `Config`, a (partial) dict, or None
    for the default; it is validated first (`ConfigError` on a bad value). `progress(week, n_weeks)` is
    called after every week if given. `seed` is an integer in [0, 2**63 - 1]; None is an error (a run is
    always reproducible)."""
    seed = check_seed(seed)
    if config is not None and not isinstance(config, (Config, Mapping)):
        raise ConfigError(f"config: {excerpt(config)} is not allowed; expected a Config, a mapping or None")
    cfg = validate(config) if isinstance(config, Config) else config_from_dict(config)
    model = CPModel(config=cfg, rng=seed)
    for _ in range(model.n_weeks):
        model.step()
        if progress is not None:
            progress(model.week, model.n_weeks)
    return collect(model)


def collect(model: CPModel) -> Results:
    """Turn a finished model into result tables."""
    start = model.cfg.run.start_year
    weekly = model.metrics.to_frame(start, model.ledger.weekly_spent)
    cases = model.cases.to_frame(start)
    workers = worker_frame(model)
    return Results(model.cfg, model.seed, summarise(model, weekly, cases, workers), weekly, cases, workers)


WORKER_COLUMNS = (
    "worker_id",
    "employer",
    "hired_week",
    "exit_week",
    "exit_reason",
    "skill",
    "high_skill",
    "morale",
    "experience_weeks",
    "sessions_attended",
    "mentored_weeks",
    "cases_resolved",
)


def worker_frame(model: CPModel) -> pd.DataFrame:
    resolved = model.cases.resolved_by(len(model.worker_log))
    rows = [
        {
            "worker_id": w.log_id,
            "employer": w.employer,
            "hired_week": w.hired_week,
            "exit_week": w.exit_week,
            "exit_reason": w.exit_reason or "still_employed",
            "skill": w.skill,
            "high_skill": w.high_skill,
            "morale": w.morale,
            "experience_weeks": w.experience_weeks,
            "sessions_attended": w.sessions_attended,
            "mentored_weeks": w.mentored_weeks,
            "cases_resolved": int(resolved[w.log_id]),
        }
        for w in model.worker_log
    ]
    columns = list(WORKER_COLUMNS)
    return pd.DataFrame(rows, columns=columns).astype({"employer": "category", "exit_reason": "category"})
