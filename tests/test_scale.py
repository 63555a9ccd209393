"""One city at any size: a scenario's per-city counts follow its children (scenarios/scale.py)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scenarios.scale import at_size, posts, scale_of
from scenarios.schema import EMPLOYERS, EmployerCounts, TransitionYear
from scenarios.validate import config_from_dict
from sim.compose import scenario_dict
from sim.run import run


@given(
    counts=st.tuples(*(st.integers(0, 200) for _ in EMPLOYERS)),
    s=st.floats(0.001, 5.0, allow_nan=False),
)
def test_posts_keep_their_total_and_every_employer_that_had_one(counts: tuple[int, ...], s: float) -> None:
    scaled = posts(EmployerCounts(*counts), s)
    values = [getattr(scaled, e) for e in EMPLOYERS]
    floor_ones = sum(1 for c, v in zip(counts, values, strict=True) if c > 0 and v == 1 and s * c < 0.5)
    assert sum(values) == max(round(s * sum(counts)), 0) + floor_ones or sum(values) >= round(s * sum(counts))
    for c, v in zip(counts, values, strict=True):
        assert (v >= 1) if c > 0 else (v == 0)
        assert abs(v - s * c) < 1.5 or v == 1


def test_at_size_scales_every_per_city_count_and_nothing_else() -> None:
    base = config_from_dict(scenario_dict("makassar_pksai"))
    entry = TransitionYear(year=2021, local_budget=1000.0, positions=EmployerCounts(20, 16, 20))
    base = dataclasses.replace(base, transition=dataclasses.replace(base.transition, years=[entry]))
    small = dataclasses.replace(base, population=dataclasses.replace(base.population, n_children=27_586))
    s = scale_of(small)
    assert s == pytest.approx(0.2, rel=1e-4)
    city = at_size(small)
    assert city.population.reference_children == 27_586 and at_size(city) is city  # scaling twice: no change
    assert sum(getattr(city.staffing.workers, e) for e in EMPLOYERS) == round(
        s * sum(vars(base.staffing.workers).values())
    )
    assert city.coordination.agency_capacity_per_week.civil_registry == pytest.approx(15 * s)
    assert city.coordination.agency_capacity_per_week.police == 1.0  # 4 x 0.2 = 0.8: a partner serves one a week
    assert city.funding.outreach_cost_per_year == pytest.approx(s * base.funding.outreach_cost_per_year)
    assert city.prevention.early_intervention_families_per_year == pytest.approx(s * 1500)
    assert city.transition.years[0].local_budget == pytest.approx(1000 * s)
    assert sum(vars(city.transition.years[0].positions).values()) == round(s * 56)
    for section in ("harm", "detection", "casework", "workforce", "training", "economy"):
        assert getattr(city, section) == getattr(base, section), section
    assert city.staffing.salary_per_week == base.staffing.salary_per_week
    assert city.staffing.caseload_cap == base.staffing.caseload_cap


def test_a_run_at_another_size_records_the_city_it_ran() -> None:
    short = {
        "population": {"n_children": 20_000},
        "run": {"end_year": 2018},
        "funding": {"withdrawal_start_year": 2017},
    }
    res = run(scenario_dict("makassar_pksai", short), 0)
    assert res.summary["city_scale"] == pytest.approx(20_000 / 137_932)
    assert res.summary["reference_children"] == 137_932 and res.summary["children"] == 20_000
    assert res.config.population.reference_children == 20_000  # the recorded config reruns the same city
    assert sum(vars(res.config.staffing.workers).values()) == 4  # 27 assumed posts x 0.145 = 3.9
    assert run(res.config, 0).summary["children_served"] == res.summary["children_served"]


@pytest.mark.slow
def test_a_small_makassar_has_the_full_citys_per_child_outcomes() -> None:
    """Makassar at 20,000 children and at its own 137,932: per-child outcomes agree within 10% (means over
    seeds; the small city's noisier outcomes get more seeds). Turnover within 20%: the small city has 4 workers
    (27 x 0.145), and now that staff hours bind, one vacancy in a team of four overloads the other three for
    the hiring lag (measured: +14%, seeds 16-47 of the small city 0.169 +- 0.009 against 0.148)."""

    def per_child(n: int | None, seeds: range) -> dict[str, float]:
        cfg = scenario_dict("makassar_pksai", {"population": {"n_children": n}} if n else None)
        rows = [run(cfg, seed).summary for seed in seeds]
        return {
            "effective_coverage": np.mean([r["effective_coverage"] for r in rows]),
            "cases_per_1000": np.mean([1000 * r["cases_opened"] / r["children"] / r["years"] for r in rows]),
            "mean_caseload": np.mean([r["mean_caseload"] for r in rows]),
            "turnover_per_year": np.mean([r["turnover_per_year"] for r in rows]),
        }

    full, small = per_child(None, range(3)), per_child(20_000, range(16))
    off = {k: small[k] / full[k] - 1 for k in full}
    bars = {"effective_coverage": 0.10, "cases_per_1000": 0.10, "mean_caseload": 0.10, "turnover_per_year": 0.20}
    assert all(abs(off[k]) < bar for k, bar in bars.items()), off
