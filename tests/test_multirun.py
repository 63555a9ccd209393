"""`MultiRun`: named configs x seeds as one object; its tables, means, paired comparisons and plot are the
numbers a user would get run by run."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.multirun import MultiRun
from scenarios.validate import ConfigError
from sim.outcomes import OUTCOMES
from sim.run import run

SMALL = {"population": {"n_children": 3000}}
SCENARIOS = {"Makassar": "makassar_pksai", "Tulungagung": "tulungagung_ult_psai"}


@pytest.fixture(scope="module")
def multi() -> MultiRun:
    return MultiRun(SCENARIOS, seeds=range(5), overrides=SMALL).run(processes=2)


def test_one_row_per_name_and_seed_with_the_numbers_of_a_single_run(multi: MultiRun) -> None:
    assert len(multi.runs) == 10
    assert multi.runs.groupby("plan").seed.apply(sorted).to_dict() == {n: [0, 1, 2, 3, 4] for n in SCENARIOS}
    alone = run(multi.configs["Tulungagung"], 3).summary
    row = multi.runs[(multi.runs.plan == "Tulungagung") & (multi.runs.seed == 3)].iloc[0]
    for key in ("children_harmed", "children_served", "effective_coverage", "spend_total", "cases_opened"):
        assert row[key] == pytest.approx(alone[key], nan_ok=True), key


def test_reduce_gives_the_mean_and_an_interval_around_it(multi: MultiRun) -> None:
    table = multi.reduce(["children_harmed", "effective_coverage"]).set_index(["name", "outcome"])
    for name in SCENARIOS:
        values = multi.runs.loc[multi.runs.plan == name, "children_harmed"]
        got = table.loc[(name, "children_harmed")]
        assert got["mean"] == pytest.approx(values.mean()) and got["n"] == 5
        assert got["low"] < got["mean"] < got["high"]
    assert set(multi.reduce().outcome) <= set(OUTCOMES) and "effective_coverage" in set(multi.reduce().outcome)


def test_compare_pairs_the_seeds(multi: MultiRun) -> None:
    table = multi.compare("Makassar", ["children_harmed"]).set_index("name")
    runs = multi.runs.set_index(["plan", "seed"])["children_harmed"]
    differences = runs["Tulungagung"] - runs["Makassar"]
    got = table.loc["Tulungagung"]
    assert got["delta"] == pytest.approx(differences.mean()) and got["pairs"] == 5
    assert got["delta_lo"] < got["delta"] < got["delta_hi"]
    assert table.loc["Makassar", "delta"] == 0


def test_the_plot_is_labelled_from_the_registry(multi: MultiRun) -> None:
    fig = multi.plot("effective_coverage")
    ax = fig.axes[0]
    assert ax.get_xlabel() == OUTCOMES["effective_coverage"].axis_label
    assert [t.get_text() for t in ax.get_yticklabels()] == list(SCENARIOS)
    lines = ax.lines[0].get_xdata()
    means = multi.reduce(["effective_coverage"])["mean"].to_numpy()
    assert np.allclose(lines, means)


def test_the_tables_do_not_depend_on_the_number_of_processes(multi: MultiRun) -> None:
    one = MultiRun({"Makassar": "makassar_pksai"}, seeds=[0, 1], overrides=SMALL).run(processes=1)
    same = multi.runs[(multi.runs.plan == "Makassar") & multi.runs.seed.isin([0, 1])].reset_index(drop=True)
    assert one.runs.drop(columns="wall_seconds", errors="ignore").equals(
        same.drop(columns="wall_seconds", errors="ignore")
    )


@pytest.mark.parametrize(
    ("configs", "seeds", "message"),
    [
        ({"a": "no_such_city"}, [0], "scenario: 'no_such_city' is not allowed"),
        ({}, [0], "configs: none given"),
        ({"a": "makassar_pksai"}, [1, 1], "seeds: .* expected distinct integers"),
        ({"a": 7}, [0], "configs: 7 is not allowed"),
    ],
)
def test_bad_input_is_one_clear_error(configs: dict, seeds: list[int], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        MultiRun(configs, seeds=seeds)


def test_a_baseline_that_was_not_run_and_no_runs_are_errors(multi: MultiRun) -> None:
    with pytest.raises(ConfigError, match="baseline: 'Gowa' is not allowed; expected one of Makassar, Tulungagung"):
        multi.compare("Gowa")
    with pytest.raises(RuntimeError, match="call run"):
        MultiRun({"a": "makassar_pksai"}, seeds=[0]).reduce()
