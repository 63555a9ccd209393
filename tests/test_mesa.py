"""Mesa's contract: keyword parameters with defaults, `rng=`, `running`, a DataCollector, so that Mesa's own
tools (`batch_run`, `SolaraViz`) drive the model as they are."""

from __future__ import annotations

import multiprocessing

import mesa
import pandas as pd
import pytest
from conftest import SMALL

from scenarios.validate import ConfigError
from sim.model import CPModel
from sim.run import collect

TINY = {
    "population": {"n_children": 2000},
    "run": {"start_year": 2015, "end_year": 2017},
    "funding": {"withdrawal_start_year": 2016},
}


def run_to_end(model: CPModel) -> CPModel:
    while model.running:
        model.step()
    return model


def test_default_model_is_the_default_scenario() -> None:
    model = CPModel()
    assert model.cfg.run.name == "makassar_pksai" and model.running
    model.step()
    assert model.week == 1 and len(model.datacollector.get_model_vars_dataframe()) == 1


def test_rng_seeds_the_model_and_none_draws_a_recorded_seed() -> None:
    a, b, c = (run_to_end(CPModel(rng=seed, **TINY)) for seed in (4, 4, 5))
    frame = [m.datacollector.get_model_vars_dataframe() for m in (a, b, c)]
    pd.testing.assert_frame_equal(frame[0], frame[1])
    assert not frame[0].equals(frame[2])
    drawn = CPModel(rng=None, **TINY)
    assert isinstance(drawn.seed, int) and drawn.seed >= 0


def test_running_turns_false_at_the_horizon() -> None:
    model = run_to_end(CPModel(rng=0, **TINY))
    assert model.week == model.n_weeks == 104 and not model.running
    with pytest.raises(RuntimeError):
        model.step()


def test_datacollector_matches_the_weekly_table() -> None:
    model = run_to_end(CPModel(rng=1, **TINY))
    live = model.datacollector.get_model_vars_dataframe()
    weekly = collect(model).weekly
    assert len(live) == model.n_weeks
    for column in ("cases_opened", "cases_resolved", "backlog", "workers", "vacancies", "mean_morale"):
        assert live[column].tolist() == pytest.approx(weekly[column].astype(float).tolist()), column
    spent = weekly.spend_funder.sum()
    assert live.spend_funder.sum() == pytest.approx(spent) and spent > 0


def test_flat_and_section_overrides_are_the_same_config() -> None:
    flat = CPModel(
        rng=0, population__n_children=2000, staffing__workers__donor=30, run=TINY["run"], funding=TINY["funding"]
    )
    nested = CPModel(rng=0, staffing={"workers": {"donor": 30}}, **TINY)
    # 30 donor posts in the scenario's 137,932-child city are about 0.4 at 2,000 children: one (scale rule)
    assert flat.cfg == nested.cfg and flat.cfg.staffing.workers.donor == 1


def test_bad_override_names_the_field() -> None:
    with pytest.raises(ConfigError, match="staffing.caseload_cap"):
        CPModel(staffing__caseload_cap=-1)


def test_batch_run_drives_the_model_as_it_is() -> None:
    method = multiprocessing.get_start_method(allow_none=True)  # batch_run forces "spawn" process-wide
    results = mesa.batch_run(
        CPModel,
        parameters={
            "population__reference_children": SMALL["population"]["n_children"],  # posts for this city as given
            "staffing__workers__local": [1, 8],
            "staffing__workers__national": 0,
            "staffing__workers__donor": 0,
            **{f"{k}__{f}": v for k, d in SMALL.items() for f, v in d.items()},
        },
        rng=[0, 1],
        max_steps=1000,
        display_progress=False,
    )
    multiprocessing.set_start_method(method, force=True)
    frame = pd.DataFrame(results).drop_duplicates("RunId")  # one row per social worker: keep the model's
    assert len(frame) == 4 and set(frame.Step) == {5 * 52}
    assert frame.effective_coverage_to_date.between(0, 1).all()  # the headline outcome, from batch_run itself
    backlog = {local: group.backlog.mean() for local, group in frame.groupby("staffing__workers__local")}
    assert backlog[8] < backlog[1]  # more workers leave a smaller backlog


def test_solara_page_builds_on_the_model() -> None:
    pytest.importorskip("solara")
    from mesa.visualization import Slider, SolaraViz, make_plot_component

    model = CPModel(rng=0, **SMALL)
    page = SolaraViz(
        model,
        components=[make_plot_component(["backlog", "workers"]), make_plot_component("resolution_rate")],
        model_params={"rng": 0, "staffing__workers__local": Slider("local workers", 8, 0, 40)},
        name="cpsim",
    )
    assert page is not None
    model.step()
    assert model.datacollector.get_model_vars_dataframe().backlog.iloc[-1] >= 0


def test_mesa_scenario_objects_rebuild_the_same_city() -> None:
    """SolaraViz's Reset passes the model's own Mesa scenario back to the class: the city and seed survive."""
    from mesa.experimental.scenarios import Scenario

    from sim.model import City

    model = CPModel(scenario="tulungagung_ult_psai", rng=7, population__n_children=2000)
    assert isinstance(model.scenario, City) and model.scenario.name == "tulungagung_ult_psai"
    again = CPModel(scenario=City(name=model.scenario.name, rng=model.scenario.rng), population__n_children=2000)
    assert again.cfg == model.cfg and again.seed == 7
    assert CPModel(scenario=Scenario(rng=3), **TINY).cfg.run.name == "makassar_pksai"
