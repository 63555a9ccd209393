"""The EMA Workbench adapter (experiments/ema.py): its inputs and outcomes come from the schema and the registry,
its multipliers reach the model, a short horizon runs, EMA runs it, and PRIM works on integer inputs under
pandas 3 and finds a box that is there."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from experiments.ema import (
    AFTER_EXIT,
    GROUPS,
    about,
    base_config,
    ema_model,
    prim_box,
    prim_inputs,
    run_experiments,
)
from experiments.plans.futures import uncertainties
from scenarios.levers import levers
from scenarios.schema import CASE_TYPES, PARTNER_AGENCIES
from scenarios.validate import ConfigError, config_from_dict
from sim.compose import scenario_dict
from sim.outcomes import OUTCOMES

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import ema_workbench as ema

SMALL = 3000  # children: a run of a few years takes a fraction of a second


@pytest.fixture(scope="module")
def model() -> ema.Model:
    return ema_model("makassar_pksai", n_children=SMALL)


def _by_variable(params: object) -> dict[str, object]:
    return {p.variable_name[0]: p for p in params}


# ---- inputs and outcomes come from the schema and the registry ----


def test_every_lever_of_the_schema_is_an_ema_lever_with_its_bounds(model: ema.Model) -> None:
    cfg = config_from_dict(model.function.base)
    expected = levers(cfg)
    got = _by_variable(model.levers)
    assert set(got) == {lv.name for lv in expected}
    for lv in expected:
        param = got[lv.name]
        assert param.name.isidentifier()
        if lv.kind == "bool":
            assert isinstance(param, ema.BooleanParameter)
        else:
            assert isinstance(param, ema.IntegerParameter if lv.kind == "int" else ema.RealParameter)
            assert (param.lower_bound, param.upper_bound) == (lv.lo, lv.hi)


def test_uncertainties_are_the_futures_with_the_group_multipliers(model: ema.Model) -> None:
    cfg = config_from_dict(model.function.base)
    futures = {u.name: u for u in uncertainties("makassar_pksai", cfg, cfg.run.start_year)}
    got = _by_variable(model.uncertainties)
    lever_paths = {lv.name for lv in levers(cfg)}
    # a lever is the planner's: the staff scale, whose group holds two levers, is not a future
    assert "staffing.workers" in futures and "staffing.workers" not in got
    assert set(got) == {n for n in futures if not any(lv.startswith(n + ".") or lv == n for lv in lever_paths)}
    for name, param in got.items():
        u = futures[name]
        assert param.name.isidentifier()
        assert isinstance(param, ema.IntegerParameter if u.whole else ema.RealParameter)
        assert param.lower_bound == pytest.approx(math.ceil(u.lo) if u.whole else u.lo)
        assert param.upper_bound == pytest.approx(math.floor(u.hi) if u.whole else u.hi)
    names = {p.name: p.variable_name[0] for p in model.uncertainties}
    assert names["hazard_scale"] == "hazard_scale"  # the calibrated scale of every harm hazard
    assert names["capacity_scale"] == GROUPS["capacity_scale"]  # the sensitivity space's group


def test_the_transition_space_keeps_the_risks_and_both_multipliers() -> None:
    for scenario, hazard in (("makassar_pksai", "hazard_scale"), ("gowa_pksai", GROUPS["hazard_scale"])):
        m = ema_model(scenario, n_children=SMALL, space="transition")
        names = {p.name: p for p in m.uncertainties}
        risks = {"pickup_delay_extra", "pickup_fraction", "shock_size", "shock_year"}
        assert set(names) == risks | set(GROUPS)
        assert names["hazard_scale"].variable_name == [hazard]  # calibrated where the scenario has it
    assert (names["hazard_scale"].lower_bound, names["hazard_scale"].upper_bound) == (0.5, 1.5)


def test_outcome_kinds_follow_better() -> None:
    windowed = [f"{k}{AFTER_EXIT}" for k, o in OUTCOMES.items() if o.windowed]
    m = ema_model("makassar_pksai", n_children=SMALL, outcomes=[*OUTCOMES, *windowed])
    kinds = {1: ema.ScalarOutcome.MAXIMIZE, -1: ema.ScalarOutcome.MINIMIZE, 0: ema.ScalarOutcome.INFO}
    for outcome in m.outcomes:
        entry = OUTCOMES[outcome.name.removesuffix(AFTER_EXIT) if outcome.name not in OUTCOMES else outcome.name]
        assert outcome.kind == kinds[entry.better], outcome.name
    assert {o.name for o in m.outcomes} >= {"effective_coverage_after_exit", "children_harmed"}
    for bad in ("no_such_outcome", "funder_exit_year_after_exit"):  # the second is not windowed
        with pytest.raises(ValueError, match="outcomes"):
            ema_model("makassar_pksai", outcomes=[bad])


# ---- the inputs reach the config ----


def test_multipliers_levers_and_risks_reach_the_config(model: ema.Model) -> None:
    f, base = model.function, model.function.base
    hazard = next(u for u in f.dims if u.name == "hazard_scale")
    data = f.config(
        {
            "hazard_scale": 2 * hazard.estimate,
            GROUPS["capacity_scale"]: 1.5,
            "coordination.hub": False,
            "funding.pickup_delay_years": 2,
            "pickup_delay_extra": 1,
            "pickup_fraction": 0.5,
        }
    )
    for t in CASE_TYPES:
        h = "harm", "weekly_hazard_per_child"
        assert data[h[0]][h[1]][t] == pytest.approx(2 * base[h[0]][h[1]][t])
    capacity = "coordination", "agency_capacity_per_week"
    for a in PARTNER_AGENCIES:
        assert data[capacity[0]][capacity[1]][a] == pytest.approx(1.5 * base[capacity[0]][capacity[1]][a])
    assert data["coordination"]["hub"] is False
    assert data["funding"]["pickup_delay_years"] == 3  # the lever's 2, a year late
    assert data["funding"]["pickup_share"] == pytest.approx(0.5 * base["funding"]["pickup_share"])
    assert f.config({}) == base  # no input: the scenario as it is
    config_from_dict(data)


def test_a_short_horizon_clips_the_withdrawal_year() -> None:
    with pytest.raises(ConfigError, match="withdrawal_start_year"):  # what a plain override does
        scenario_dict("makassar_pksai", {"run": {"end_year": 2018}})
    base = base_config("makassar_pksai", n_children=SMALL, end_year=2018)
    assert (base["run"]["end_year"], base["funding"]["withdrawal_start_year"]) == (2018, 2017)
    m = ema_model("makassar_pksai", n_children=SMALL, end_year=2018)
    withdrawal = _by_variable(m.levers)["funding.withdrawal_start_year"]
    assert (withdrawal.lower_bound, withdrawal.upper_bound) == (2016, 2017)
    assert _by_variable(m.uncertainties)["shock_year"].upper_bound == 2017


@pytest.mark.slow
def test_a_short_horizon_runs() -> None:
    m = ema_model("makassar_pksai", n_children=SMALL, end_year=2017, outcomes=("children_harmed", "spend_local"))
    out = m.function()
    assert out["children_harmed"] > 0 and math.isfinite(out["spend_local"])


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["makassar_pksai", "gowa_pksai"])  # a calibrated scale; the multiplier
def test_the_hazard_scale_changes_children_harmed(scenario: str) -> None:
    m = ema_model(scenario, n_children=SMALL, end_year=2018, outcomes=("children_harmed",), space="transition")
    param = next(p for p in m.uncertainties if p.name == "hazard_scale")
    name = param.variable_name[0]
    low = m.function(**{name: param.lower_bound})["children_harmed"]
    high = m.function(**{name: param.upper_bound})["children_harmed"]
    assert high > 1.5 * low  # hazards 3-4 times higher; harm grows nearly as much


# ---- EMA runs it ----


@pytest.mark.slow
def test_perform_experiments_returns_finite_outcomes() -> None:
    # the funder withdraws early and abruptly, so the two years after its exit fit in a five-year run
    overrides = {"funding": {"withdrawal_start_year": 2016, "taper_years": 1.0}}
    keys = ("children_harmed", "effective_coverage", "effective_coverage_after_exit", "spend_local")
    m = ema_model("makassar_pksai", n_children=SMALL, end_year=2020, outcomes=keys, overrides=overrides)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        experiments, outcomes = ema.perform_experiments(
            m, scenarios=4, policies=2, uncertainty_sampling_kwargs={"rng": 3}, lever_sampling_kwargs={"rng": 4}
        )
    assert experiments.shape == (8, len(m.uncertainties) + len(m.levers) + 3)
    assert set(outcomes) == set(keys) and all(v.shape == (8,) for v in outcomes.values())
    for key in keys[:2] + keys[3:]:
        assert np.isfinite(outcomes[key]).all(), key
    # a linear taper's exit is the withdrawal year + ceil(taper) - 1; its two years must end by 2019
    exits = experiments.funding_withdrawal_start_year + np.ceil(experiments.funding_taper_years) - 1
    assert (np.isfinite(outcomes["effective_coverage_after_exit"]) == (exits + 1 <= 2019)).all()
    assert experiments["policy"].nunique() == 2
    x, integers = prim_inputs(experiments)
    assert all(t == np.float64 for t in x.dtypes) and {"coordination_hub", "shock_year"} <= integers


@pytest.mark.slow
def test_run_experiments_keeps_the_levers_at_the_scenario() -> None:
    m = ema_model("makassar_pksai", n_children=SMALL, end_year=2017, outcomes=("children_harmed",))
    experiments, outcomes = run_experiments(m, 2, processes=1, sampler_seed=5)
    assert len(outcomes["children_harmed"]) == 2 and not set(experiments.columns) & {p.name for p in m.levers}


# ---- PRIM under pandas 3 ----


def _planted(n: int = 400, seed: int = 0) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Inputs as EMA returns them (int64 years, booleans as categories) and an outcome below 0 exactly where
    year <= 2018 and share > 0.6."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(
        {
            "year": rng.integers(2015, 2025, n),
            "share": rng.random(n),
            "hub": pd.Categorical(rng.random(n) < 0.5),
            "noise": rng.integers(0, 10, n),
            "scenario": np.arange(n),
            "policy": "None",
        }
    )
    y = np.where((x.year <= 2018) & (x.share > 0.6), -1.0, 1.0) + rng.normal(0, 0.01, n)
    y[:10] = np.nan  # undefined outcomes are left out
    return x, {"y": y}


def test_raw_prim_fails_on_integer_inputs_under_pandas_3() -> None:
    from ema_workbench.analysis import prim

    x, out = _planted()
    x = x[["year", "share"]].iloc[10:]
    y = out["y"][10:] < 0
    if int(pd.__version__.split(".")[0]) < 3:
        pytest.skip(f"pandas {pd.__version__} takes PRIM's cut points in an int64 column")
    with pytest.raises(TypeError, match="int64"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prim.Prim(x, y, peel_alpha=0.05, mass_min=0.05).find_box()


def test_prim_box_finds_the_planted_box() -> None:
    x, out = _planted()
    found = prim_box(x, out, "y", 0.0, about={"year": "the year"})
    assert found.experiments == 390 and found.share == pytest.approx(np.mean(out["y"][10:] < 0))
    box = found.box
    assert box is not None and set(box.limits) == {"year", "share"}  # the noise and the switch stay free
    # PRIM keeps the widest box at least 80% dense: the planted one, or a little more of `share`
    assert 2018 <= box.limits["year"][1] < 2019 and box.limits["year"][0] == 2015
    assert 0.45 < box.limits["share"][0] <= 0.6 and box.limits["share"][1] == pytest.approx(x.share.max())
    inside = (x.year <= box.limits["year"][1]) & (x.share >= box.limits["share"][0])
    hits = out["y"] < 0
    defined = np.isfinite(out["y"])
    assert box.density == pytest.approx(hits[inside & defined].mean()) and box.density >= 0.8
    assert box.coverage == pytest.approx(hits[inside & defined].sum() / hits[defined].sum()) and box.coverage > 0.9
    assert "the year is at most 2018" in found.words and "share is at least" in found.words


def test_prim_box_above_and_inputs() -> None:
    x, out = _planted()
    found = prim_box(x, out, "y", 0.0, below=False, inputs=["year", "share", "hub"])
    assert found.share == pytest.approx(np.mean(out["y"][10:] > 0))
    with pytest.raises(ValueError, match="'label' is not numeric"):
        prim_box(x.assign(label="a"), out, "y", 0.0, inputs=["year", "label"])


def test_about_says_the_risks_in_words(model: ema.Model) -> None:
    words = about(model)
    assert words["pickup_fraction"] == "share of the planned pickup the city actually pays"
    assert words["hazard_scale"] == "hazard_scale"
