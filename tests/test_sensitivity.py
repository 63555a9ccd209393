"""Sensitivity code on functions with known indices, and the parameter space on the real schema."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from SALib.test_functions import Ishigami

from experiments.sensitivity.analysis import morris_screen, ranking_markdown, shortlist, sobol_indices
from experiments.sensitivity.plot import tornado
from experiments.sensitivity.space import apply, assumed_factors, lever_factors, problem
from scenarios.validate import config_from_dict
from sim.compose import scenario_dict

ISHIGAMI = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
# analytic indices of the Ishigami function with a=7, b=0.1 (Sobol' & Levitan 1999)
S1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
ST = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}


def test_sobol_recovers_ishigami_indices() -> None:
    table = sobol_indices(ISHIGAMI, lambda x: Ishigami.evaluate(x)[:, None], ("y",), 2048, seed=1)
    got = table.set_index("factor")
    for name in ISHIGAMI["names"]:
        assert got.S1[name] == pytest.approx(S1[name], abs=0.05)
        assert got.ST[name] == pytest.approx(ST[name], abs=0.05)
    assert table.factor.tolist() == ["x1", "x2", "x3"]  # ranked by ST


def test_morris_ranks_a_linear_model_by_its_slopes(tmp_path) -> None:
    prob = {"num_vars": 4, "names": ["a", "b", "c", "d"], "bounds": [[0, 1], [0, 1], [0, 2], [0, 1]]}
    # y1 = 5a + b + 0c + 3d: mu* is each slope times its range; y2 depends on c alone
    model = lambda x: np.column_stack([5 * x[:, 0] + x[:, 1] + 3 * x[:, 3], x[:, 2]])  # noqa: E731
    table = morris_screen(prob, model, ("y1", "y2"), trajectories=6, seed=0)
    y1 = table[table.output == "y1"].set_index("factor")
    assert y1.index.tolist() == ["a", "d", "b", "c"]
    assert y1.mu_star.to_dict() == pytest.approx({"a": 5.0, "d": 3.0, "b": 1.0, "c": 0.0})
    assert shortlist(table, top=1) == ["a", "c"]  # each output's leader
    sobol = sobol_indices(prob, model, ("y1", "y2"), 64, seed=0)
    table, sobol = table.assign(group="lever"), sobol.assign(group="assumed")
    assert "| 1 | a | " in ranking_markdown(table, sobol, top=2).split("## y2")[0]
    assert tornado(table, sobol, tmp_path / "tornado.png").stat().st_size > 10_000


def test_parameter_space_corners_are_valid_configs() -> None:
    base = config_from_dict({"run": {"end_year": 2020}, "funding": {"withdrawal_start_year": 2017}})
    levers = lever_factors(base)
    assumed = assumed_factors(base, exclude={f.name for f in levers})
    names = {f.name for f in assumed}
    assert "training.classroom_effect" in names and "casework.work_weeks" in names  # scalar and group
    assert "staffing.workers" not in names  # a lever's group is not also an assumed factor
    assert "population.n_children" not in names  # study-sourced, not assumed
    effect = next(f for f in assumed if f.name == "training.classroom_effect")
    assert (effect.lo, effect.hi) == (0.1, 0.4)  # the range its provenance states
    factors = levers + assumed
    prob = problem(factors)
    data = dataclasses.asdict(base)
    for corner in (0, 1):
        row = [b[corner] for b in prob["bounds"]]
        cfg = config_from_dict(apply(data, factors, row))
        assert cfg.funding.withdrawal_start_year == (2016 if corner == 0 else 2019)


def test_a_scenarios_calendar_years_are_not_scaled_as_assumptions() -> None:
    """Tulungagung's hub opening (2016) and registry drive (2017-2018) are dates: scaling them by +-50% gave
    years like 1008; every corner of its space is a valid config."""
    base = config_from_dict(scenario_dict("tulungagung_ult_psai"))
    levers = lever_factors(base)
    assumed = assumed_factors(base, exclude={f.name for f in levers})
    assert not [f.name for f in assumed if f.name.endswith("_year")]
    assert "population.unregistered_backlog" in {f.name for f in assumed}
    prob, data = problem(levers + assumed), dataclasses.asdict(base)
    for corner in (0, 1):
        config_from_dict(apply(data, levers + assumed, [b[corner] for b in prob["bounds"]]))


def test_sobol_says_when_it_is_unsure() -> None:
    from experiments.sensitivity.analysis import sobol_warnings

    model = lambda x: Ishigami.evaluate(x)[:, None]  # noqa: E731
    thorough = sobol_indices(ISHIGAMI, model, ("y",), 2048, seed=1)
    assert sobol_warnings(thorough, 2048) == []
    rough = sobol_indices(ISHIGAMI, model, ("y",), 16, seed=1)
    warnings = sobol_warnings(rough, 16)
    assert any("N=16 for 3 factors" in w and "--sobol-n 512" in w for w in warnings)
    assert any("95% interval wider than" in w for w in warnings)
    planted = thorough.assign(S1=[2.31, 0.4, 0.0])  # what a tiny N gave on the real model
    assert any("x1 on y: S1 2.31" in w and "outside [0, 1]" in w for w in sobol_warnings(planted, 2048))
    text = ranking_markdown(rough.assign(mu_star=1.0, group="lever"), rough.assign(group="lever"), 2, warnings)
    assert "**How sure:**" in text and "screening-grade" in text


def test_each_sample_is_the_mean_over_its_seeds() -> None:
    from experiments.sensitivity.analysis import _simulate
    from sim.run import run

    small = {"population": {"n_children": 1000}, "run": {"end_year": 2016}, "funding": {"withdrawal_shape": "none"}}
    base = dataclasses.asdict(config_from_dict(small))
    factors = lever_factors(config_from_dict(base))[:1]
    row = np.array([(factors[0].lo + factors[0].hi) / 2])
    got = _simulate(row, base, factors, [3, 4], ("children_harmed",))
    config = config_from_dict(apply(base, factors, row))
    assert got == [pytest.approx(np.mean([run(config, s).summary["children_harmed"] for s in (3, 4)]))]


def test_the_readme_counts_the_factors_that_run() -> None:
    from pathlib import Path

    from experiments.sensitivity.analysis import SCALES

    base = config_from_dict(SCALES["small"])
    levers = lever_factors(base)
    assumed = assumed_factors(base, exclude={f.name for f in levers})
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    readme = " ".join(readme.split())  # the paragraph's line breaks do not matter
    expected = f'every lever ({len(levers)}) and every "assumed" parameter ({len(assumed)}), '
    expected += f"**{len(levers) + len(assumed)} factors**"
    assert expected in readme, "README's factor count is stale"


def test_sobol_intervals_are_the_same_every_time_with_seed_0() -> None:
    """SALib seeds its bootstrap only for a truthy seed: the default seed 0 must still repeat its intervals."""
    model = lambda x: Ishigami.evaluate(x)[:, None]  # noqa: E731
    a, b = (sobol_indices(ISHIGAMI, model, ("y",), 64, seed=0) for _ in range(2))
    pd.testing.assert_frame_equal(a, b)
