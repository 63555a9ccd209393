"""The validation table's arithmetic on inputs whose answers are known by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from experiments.calibration.calibrate import (
    PROBLEMS,
    Problem,
    distance,
    draw_posterior,
    effective_sample_size,
    fitted_targets,
    set_path,
    summarize,
    weighted_quantiles,
)
from experiments.common.tables import ratio
from experiments.validation.observables import closed_by_year_end, count_by_year
from experiments.validation.table import compare, evaluate, fmt, misses_section, targets_table, verdict
from experiments.validation.targets import RETIRED, TARGETS, Target, loglinear_slope
from sim.overrides import scenario_names


def test_compare_mean_interval_and_tolerance() -> None:
    values = list(range(1, 21))  # mean 10.5; numpy's linear percentiles: 1 + 0.05 * 19, 1 + 0.95 * 19
    c = compare(values, 10, 11)
    assert (c.mean, c.p05, c.p95, c.within, c.n) == (10.5, pytest.approx(1.95), pytest.approx(19.05), True, 20)
    assert not compare(values, 11, 12).within
    assert compare(values, 10.5, 10.5).within  # the band's ends count as within


def test_a_verdict_within_two_standard_errors_of_a_band_edge_is_marked_near_edge() -> None:
    """Seed noise can turn a verdict whose mean sits close to a band edge: the table says so."""
    values = list(range(1, 21))  # mean 10.5, standard error of the mean 5.916 / sqrt(20) = 1.323
    assert compare(values, 10, 11).near_edge and verdict(compare(values, 10, 11)) == "within (near edge)"
    assert not compare(values, 0, 30).near_edge and verdict(compare(values, 0, 30)) == "within"
    assert compare(values, 13.1, 20).near_edge and verdict(compare(values, 13.1, 20)) == "**MISS** (near edge)"
    assert not compare(values, 13.2, 20).near_edge and verdict(compare(values, 13.2, 20)) == "**MISS**"
    assert compare([5.0], 0, 10).near_edge  # one seed: no estimate of the noise, so no verdict is safe


def test_compare_ignores_undefined_seeds_and_fails_with_none_left() -> None:
    c = compare([1.0, math.nan, 3.0], 0, 5)
    assert (c.mean, c.n) == (2.0, 2)
    empty = compare([math.nan, math.inf], 0, 5)
    assert empty.n == 0 and not empty.within and math.isnan(empty.mean)


def test_ratio_and_slope() -> None:
    assert ratio(3, 4) == 0.75 and math.isnan(ratio(1, 0))
    assert loglinear_slope([1, 2, 4, 8]) == pytest.approx(math.log(2))
    assert loglinear_slope([5, 5, 5]) == pytest.approx(0.0)
    assert math.isnan(loglinear_slope([3, 0, 2])) and math.isnan(loglinear_slope([7]))


CASES = pd.DataFrame(
    {
        "opened_year": [2019, 2019, 2019, 2019, 2020, 2017],
        "opened_week": [210, 230, 250, 255, 270, 110],
        "closed_week": [240, 270, -1, 259, -1, 120],  # 2019 ends at week 260 when the run starts in 2015
        "case_type": ["neglect", "violence", "neglect", "neglect", "violence", "neglect"],
    }
)


def test_count_by_year_fills_missing_years_with_zero() -> None:
    assert count_by_year(CASES, range(2017, 2021)) == {2017: 1, 2018: 0, 2019: 4, 2020: 1}
    neglect = CASES.case_type == "neglect"
    assert count_by_year(CASES, [2019, 2020], neglect) == {2019: 3, 2020: 0}


def test_closed_by_year_end_counts_only_closures_inside_the_year() -> None:
    # 2019 cohort: closed at weeks 240 and 259 (inside), 270 (after the year end), one still open
    assert closed_by_year_end(CASES, 2019, 2015) == 0.5
    assert closed_by_year_end(CASES, 2019, 2015, CASES.case_type == "neglect") == pytest.approx(2 / 3)
    assert math.isnan(closed_by_year_end(CASES, 2018, 2015))


def test_evaluate_pairs_scenarios_by_seed() -> None:
    gap = Target(
        "b", "gap", "b - a", "1", 1.0, 0.5, 1.5, "held-out", lambda o: o["b"]["x"] - o["a"]["x"], "why", ("a",)
    )
    obs = {"a": [{"x": 1.0}, {"x": 2.0}], "b": [{"x": 2.0}, {"x": 3.0}]}
    (row,) = evaluate([gap], obs)
    assert row.values == (1.0, 1.0) and row.result.within
    assert "`b.gap`" in targets_table([row]) and "within" in targets_table([row])
    far = Target("b", "far", "b", "9", 9.0, 8.0, 10.0, "fitted", lambda o: o["b"]["x"], "the reason")
    (miss,) = evaluate([far], obs)
    assert "**MISS**" in targets_table([miss]) and "the reason" in misses_section([miss])


def test_targets_are_well_formed() -> None:
    ids = [t.id for t in TARGETS]
    assert len(ids) == len(set(ids))
    assert all(t.lo < t.hi and t.role in ("input", "fitted", "held-out") and t.if_missed for t in TARGETS)
    # every studied system is checked, or its only published figures are retired with a reason
    retired = {name for ids, _, _ in RETIRED for name in scenario_names() if name in ids}
    assert {t.scenario for t in TARGETS} | retired == set(scenario_names())


def test_fmt() -> None:
    assert fmt(1964.4) == "1,964" and fmt(0.81234) == "0.812" and fmt(math.nan) == "n/a"


# ---- calibration arithmetic ----


def test_distance_is_rms_in_tolerance_half_widths() -> None:
    t1 = Target("s", "a", "", "", 10.0, 8.0, 12.0, "fitted", lambda o: 0.0, "x")  # half-width 2
    t2 = Target("s", "b", "", "", 0.0, -1.0, 1.0, "fitted", lambda o: 0.0, "x")  # half-width 1
    assert distance([14.0, 0.0], [t1, t2]) == pytest.approx(math.sqrt((4 + 0) / 2))
    assert distance([math.nan, 0.0], [t1, t2]) == math.inf


def test_weighted_quantiles_match_numpy_with_equal_weights_and_follow_the_weights() -> None:
    x = [3.0, 1.0, 2.0, 4.0]
    assert weighted_quantiles(x, [1, 1, 1, 1], (0.5,)) == [pytest.approx(np.median(x))]
    assert weighted_quantiles(x, [0, 0, 0, 1], (0.05, 0.5, 0.95)) == [4.0, 4.0, 4.0]  # all weight on one point
    lo, med, hi = weighted_quantiles(np.arange(101.0), np.ones(101), (0.05, 0.5, 0.95))
    assert (lo, med, hi) == pytest.approx((4.55, 50.0, 95.45))  # centred weights: 101 * q - 0.5


def test_effective_sample_size_is_kish() -> None:
    assert effective_sample_size([1, 1, 1, 1]) == pytest.approx(4.0)
    assert effective_sample_size([1, 0, 0, 0]) == pytest.approx(1.0)
    assert effective_sample_size([2, 1, 1]) == pytest.approx(16 / 6)


def test_summarize_pools_runs_with_equal_weight_and_reports_the_seed_difference() -> None:
    problem = next(p for p in PROBLEMS if p.scenario == "indonesia_ecpat")
    runs = [
        {"points": np.array([[0.001], [0.002], [0.003]]), "weights": np.array([1.0, 1.0, 1.0])},
        {"points": np.array([[0.004], [0.005]]), "weights": np.array([10.0, 10.0])},  # weights' scale is ignored
    ]
    (p,) = summarize(problem, runs)
    assert p["per_seed"][0]["median"] == pytest.approx(0.002) and p["per_seed"][1]["median"] == pytest.approx(0.0045)
    assert p["seed_difference"] == pytest.approx(0.0025)
    # pooled: run 1's points weigh 1/6 each, run 2's 1/4 each; the median falls between 0.003 and 0.004
    assert 0.003 <= p["estimate"] <= 0.004
    assert p["width_share_of_prior"] == pytest.approx((p["range90"][1] - p["range90"][0]) / (0.03 - 0.0005))


def test_draw_posterior_follows_the_weights() -> None:
    runs = [{"points": np.array([[1.0], [2.0]]), "weights": np.array([0.0, 1.0])}]
    assert set(draw_posterior(runs, 20, np.random.default_rng(0))[:, 0]) == {2.0}


def test_calibration_fits_only_fitted_targets_and_leaves_held_out_alone() -> None:
    fitted = {t.id for p in PROBLEMS for t in fitted_targets(p)}
    assert fitted == {t.id for t in TARGETS if t.role == "fitted"}  # every fitted target is fitted, nothing more
    bad = Problem("makassar_pksai", PROBLEMS[0].parameters, ("harm_cases_ratio_2020_2019",))  # a held-out target
    with pytest.raises(AssertionError):
        fitted_targets(bad)


def test_set_path_copies_and_sets_nested_and_list_values() -> None:
    data = {"economy": {"shocks": [{"year": 2020, "magnitude": 0.5}]}}
    out = set_path(data, "economy.shocks[0].magnitude", 0.9)
    assert out["economy"]["shocks"][0] == {"year": 2020, "magnitude": 0.9}
    assert data["economy"]["shocks"][0]["magnitude"] == 0.5
    assert set_path(data, "harm.x.y", 1.0)["harm"] == {"x": {"y": 1.0}}
