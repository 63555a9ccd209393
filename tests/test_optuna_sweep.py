"""`cpsim -m hydra/sweeper=optuna objective=OUTCOME ...`: cpsim's own Optuna sweeper (hydra_plugins/
cpsim_optuna_sweeper; Hydra's hydra-optuna-sweeper requires optuna<3) finds the best of its trials in the
objective's better direction and says so in one line and in optimization_results.yaml, as the collected tables
confirm; a rerun reuses every trial; a bad objective or Optuna setting is one line and exit 2 before Hydra
starts; and without an objective a sweep job still returns its point's status."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hydra.core.override_parser.overrides_parser import OverridesParser
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

import sim.cli as cli
import sim.point as point
from hydra_plugins.cpsim_optuna_sweeper._space import search_space
from hydra_plugins.cpsim_optuna_sweeper._study import RESULTS
from sim.app_config import DIRECTIONS
from sim.outcomes import OUTCOMES
from sim.overrides import check_command_line
from sim.run import run

ROOT = Path(__file__).resolve().parents[1]
SMALL = [
    "population.n_children=2000",
    "run.end_year=2019",
    "funding.withdrawal_start_year=2016",  # the funder leaves within the run, so the local pickup matters
    "funding.taper_years=1",
    "plots=false",
    "progress=false",
    "hydra.callbacks.collect.report=false",
]
OPTUNA = ["-m", "hydra/sweeper=optuna"]


def _cpsim(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [sys.executable, "-m", "sim.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env
    )


def _means(sweep_dir: Path, objective: str, params: list[str]) -> dict[tuple, float]:
    """The objective's mean over each point's seeds, by the point's parameter values, from the tables the collect
    callback wrote (a trial that repeats an earlier one reuses its point, which is collected once)."""
    runs = pd.read_parquet(sweep_dir / "runs.parquet")
    return {k if isinstance(k, tuple) else (k,): v for k, v in runs.groupby(params)[objective].mean().items()}


def _trials(results: dict, params: list[str]) -> dict[tuple, float]:
    return {tuple(t["params"][p] for p in params): t["value"] for t in results["trials"]}


@pytest.mark.slow
def test_optuna_sweep_reports_the_best_of_its_trials(tmp_path: Path) -> None:
    sweep_dir = tmp_path / "opt"
    args = ["funding.pickup_share=interval(0,1)", "objective=effective_coverage", "hydra.sweeper.n_trials=6"]
    proc = _cpsim([*OPTUNA, *args, "hydra.sweeper.sampler.seed=1", *SMALL, f"hydra.sweep.dir={sweep_dir}"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    results = yaml.safe_load((sweep_dir / RESULTS).read_text())
    assert results["direction"] == "maximize" == DIRECTIONS[OUTCOMES["effective_coverage"].better]
    params = ["funding.pickup_share"]
    means = _means(sweep_dir, "effective_coverage", params)
    assert len(results["trials"]) == 6 and len(set(means.values())) > 1  # the lever moves the objective
    assert _trials(results, params) == pytest.approx(means)  # each trial's value is its point's mean
    assert results["best_value"] == pytest.approx(max(means.values()))
    best_share = results["best_params"]["funding.pickup_share"]
    assert 0 <= best_share <= 1 and all(0 <= share <= 1 for (share,) in means)
    assert means[(best_share,)] == pytest.approx(results["best_value"])
    best_lines = [line for line in proc.stdout.splitlines() if "Best parameters:" in line]
    assert len(best_lines) == 1 and f"Best value: {results['best_value']}" in best_lines[0], proc.stdout
    assert str(best_share) in best_lines[0] and "effective_coverage, maximize" in best_lines[0]


@pytest.mark.slow
def test_lower_is_better_is_minimised_and_a_rerun_reuses_every_trial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sweep_dir = tmp_path / "opt"
    params = ["funding.pickup_share", "funding.pickup_delay_years"]
    args = [*OPTUNA, "funding.pickup_share=choice(0,0.5,1)", "funding.pickup_delay_years=int(interval(0,3))"]
    args += ["objective=child_years_in_harm", "replicates=2", "hydra.sweeper.n_trials=4", "hydra.sweeper.n_jobs=3"]
    args += [*SMALL, f"hydra.sweep.dir={sweep_dir}"]
    cli.main(args)
    first = yaml.safe_load((sweep_dir / RESULTS).read_text())
    assert first["direction"] == "minimize" == DIRECTIONS[OUTCOMES["child_years_in_harm"].better]
    means = _means(sweep_dir, "child_years_in_harm", params)
    assert len(first["trials"]) == 4 and _trials(first, params) == pytest.approx(means)
    assert first["best_value"] == pytest.approx(min(means.values()))
    assert first["best_params"]["funding.pickup_share"] in (0, 0.5, 1)
    assert first["best_params"]["funding.pickup_delay_years"] in range(4)
    calls: list[int] = []
    monkeypatch.setattr(point, "run", lambda config, seed: calls.append(seed) or run(config, seed))
    cli.main(args)  # the same command again: the sampler's seed asks for the same trials, all finished
    assert calls == [] and yaml.safe_load((sweep_dir / RESULTS).read_text()) == first


def test_a_sweep_job_returns_its_status_or_the_objective_mean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    returned: list[object] = []
    job = cli.sweep_job
    monkeypatch.setattr(cli, "sweep_job", lambda *a: returned.append(job(*a)) or returned[-1])
    cli.main(["-m", "funding.pickup_share=0,1", *SMALL, f"hydra.sweep.dir={tmp_path / 'plain'}"])
    assert [sorted(r) for r in returned] == [["point", "resolution_rate", "status"]] * 2  # as before `objective`
    returned.clear()
    sweep_dir = tmp_path / "objective"
    sweep = ["-m", "funding.pickup_share=0,1", "objective=child_years_in_harm", "replicates=2"]
    cli.main([*sweep, *SMALL, f"hydra.sweep.dir={sweep_dir}"])
    assert all(type(r) is float for r in returned)  # the mean over the job's seeds
    means = _means(sweep_dir, "child_years_in_harm", ["funding.pickup_share"])
    assert returned == pytest.approx([means[(0,)], means[(1,)]])


def test_sweep_forms_become_distributions_and_trials_become_overrides() -> None:
    lines = ["a=interval(0,1)", "b=int(interval(1,5))", "c=tag(log,interval(1,100))", "d=range(0,10,2)"]
    lines += ["e=choice(x,'y z',[1,2])", "+g=p,q", "f=3", "a=interval(0,0.5)"]  # a later `a` replaces the first
    space = search_space(lines)
    assert space.distributions == {
        "b": IntDistribution(1, 5),
        "c": FloatDistribution(1, 100, log=True),
        "d": IntDistribution(0, 8, step=2),  # range's end is excluded, as in Hydra's basic sweeper
        "e": CategoricalDistribution(["x", "y z", "[1,2]"]),
        "+g": CategoricalDistribution(["p", "q"]),
        "a": FloatDistribution(0, 0.5),
    }
    trial = {"a": 0.25, "b": 2, "c": 10.0, "d": 4, "e": "y z", "+g": "q"}
    lines = space.overrides(trial)
    assert lines == ["b=2", "c=10.0", "d=4", "e=y\\ z", "+g=q", "f=3", "a=0.25"]
    parsed = {ov.get_key_element(): ov.value() for ov in OverridesParser.create().parse_overrides(lines)}
    assert parsed == {**trial, "f": 3}  # Hydra reads back exactly the trial's values
    list_choice = search_space(["e=choice(x,[1,2])"]).overrides({"e": "[1,2]"})
    assert OverridesParser.create().parse_overrides(list_choice)[0].value() == [1, 2]


SWEEP = [*OPTUNA, "funding.pickup_share=interval(0,1)"]
BAD = [
    (["objective=x"], "objective: 'x' is not allowed; expected one of effective_coverage, resolution_rate"),
    (["objective=efective_coverage"], "objective: 'efective_coverage' is not allowed; expected one of effective_cov"),
    (["objective=scenario"], "objective: 'scenario' is not allowed"),  # an outcome, but not a number
    (["-m", "seed=0,1", "objective=nope"], "objective: 'nope' is not allowed"),
    ([*SWEEP, "objective=nope"], "objective: 'nope' is not allowed"),
    (SWEEP, "objective: missing; hydra/sweeper=optuna optimises one outcome"),
    ([*SWEEP, "objective=spend_total"], "hydra.sweeper.direction: null is not allowed with objective=spend_total"),
    ([*SWEEP, "objective=resolution_rate", "hydra.sweeper.direction=up"], "hydra.sweeper.direction: 'up' is not"),
    ([*SWEEP, "objective=resolution_rate", "hydra.sweeper.n_trials=0"], "hydra.sweeper.n_trials: 0 is not allowed"),
    ([*OPTUNA, "scenario=glob(*)", "objective=resolution_rate"], "scenario: glob() is not supported by hydra/sw"),
    ([*OPTUNA, "seed=range(5,0)", "objective=resolution_rate"], "seed: range(5,0) cannot be sampled"),
    ([*OPTUNA, "funding.pickup_share=interval(0,2)", "objective=resolution_rate"], "funding.pickup_share: 2.0 is"),
    ([*OPTUNA, "objective=resolution_rate"], "hydra/sweeper=optuna: nothing to search"),
]


@pytest.mark.parametrize(("args", "message"), BAD, ids=[" ".join(a)[-50:] for a, _ in BAD])
def test_bad_objective_or_optuna_setting_is_one_line_exit_2(args, message, tmp_path, capsys) -> None:
    out = ["population.n_children=2000", f"hydra.run.dir={tmp_path}/r", f"hydra.sweep.dir={tmp_path}/s"]
    with pytest.raises(SystemExit) as exit_:
        cli.main([*args, *out])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.startswith(f"cpsim: error: {message}") and err.count("\n") == 1, err
    assert list(tmp_path.iterdir()) == []  # before Hydra: nothing written


def test_an_objective_neither_better_up_nor_down_takes_a_given_direction(tmp_path: Path) -> None:
    check_command_line(
        [*SWEEP, "objective=spend_total", "hydra.sweeper.direction=minimize", f"hydra.sweep.dir={tmp_path}/s"]
    )
