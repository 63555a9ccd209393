"""`python -m experiments.workforce`: its tables at a small scale. The checks are relationships that must hold
whatever the parameters, not tuned numbers: half the staff hold fewer cases and leave more families waiting,
the posts follow the factor, coverage that counts what worked never exceeds coverage that counts contact, and
every employer with posts has a stated source."""

from __future__ import annotations

import pytest

from experiments.calibration.provenance import KINDS
from experiments.multirun import MultiRun
from experiments.workforce import (
    BASELINE,
    lever_configs,
    lever_tables,
    main,
    scenario_configs,
    scenario_table,
    staffing_provenance,
    total_posts,
)
from scenarios.scale import at_size
from scenarios.schema import EMPLOYERS
from sim.compose import scenario_dict
from sim.overrides import scenario_names

# 40,000 children: Makassar's 27 posts scale to 8, so half of them (4) is a real cut, not the one-post floor
SMALL_CITY = {
    "population": {"n_children": 40_000},
    "run": {"end_year": 2020},
    "funding": {"withdrawal_start_year": 2017},
}
SEEDS = range(2)


@pytest.fixture(scope="module")
def levers() -> MultiRun:
    return MultiRun(lever_configs(overrides=SMALL_CITY), seeds=SEEDS).run(processes=2)


def test_the_staff_variants_scale_every_employer_and_keep_one_post() -> None:
    configs = lever_configs(overrides=SMALL_CITY)
    base, half, more = (configs[n] for n in (BASELINE, "staff x0.5", "staff x1.5"))
    assert total_posts(half) < total_posts(base) < total_posts(more)
    assert total_posts(half) == pytest.approx(0.5 * total_posts(base), abs=1.5)
    for cfg in (half, more):
        for e in EMPLOYERS:
            assert (getattr(cfg.staffing.workers, e) >= 1) == (getattr(base.staffing.workers, e) >= 1), e
    assert configs["better training"].staffing == base.staffing  # training variants keep the posts


@pytest.mark.slow
def test_half_the_staff_hold_fewer_cases_and_more_families_wait(levers: MultiRun) -> None:
    paired, text = lever_tables(levers)
    means = levers.runs.groupby("plan")[["mean_workers", "mean_caseload", "mean_waiting", "children_served"]].mean()
    held = means.mean_workers * means.mean_caseload  # cases in workers' hands, a week
    assert means.loc["staff x0.5", "mean_workers"] < means.loc[BASELINE, "mean_workers"]
    assert held["staff x0.5"] < held[BASELINE]
    assert means.loc["staff x0.5", "mean_waiting"] > means.loc[BASELINE, "mean_waiting"]
    assert means.loc["staff x0.5", "children_served"] < means.loc[BASELINE, "children_served"]
    cap = levers.configs[BASELINE].staffing.caseload_cap
    assert (levers.runs.mean_caseload <= cap).all()
    # the paired table: one row per variant x outcome, the baseline's difference zero, the interval around it
    table = paired.set_index(["name", "outcome"])
    assert table.loc[(BASELINE, "effective_coverage"), "delta"] == 0
    row = table.loc[("staff x0.5", "mean_waiting")]
    assert row["delta_lo"] <= row["delta"] <= row["delta_hi"] and row["pairs"] == len(SEEDS)
    assert text.count("\n| staff x0.5 |") == 2  # in the means and in the differences


@pytest.mark.slow
def test_the_scenario_table_has_a_row_per_scenario_at_its_own_size() -> None:
    names = ["makassar_pksai", "tulungagung_ult_psai"]
    multi = MultiRun(scenario_configs(names, SMALL_CITY), seeds=SEEDS).run(processes=2)
    numbers, text = scenario_table(multi)
    assert list(numbers.index) == names and all(f"| {n} |" in text for n in names)
    for name in names:
        cfg = multi.configs[name]
        assert cfg.population.reference_children == cfg.population.n_children == 40_000  # scaled: posts as run
        assert numbers.loc[name, "posts"] == total_posts(cfg)
        assert 0 < numbers.loc[name, "mean_workers"] <= total_posts(cfg)
        assert numbers.loc[name, "mean_caseload"] <= cfg.staffing.caseload_cap
        assert numbers.loc[name, "effective_coverage"] <= numbers.loc[name, "contact_coverage"]


def test_every_employer_with_posts_has_a_stated_source() -> None:
    names = scenario_names()
    frame, text = staffing_provenance(names)
    assert len(frame) == len(names) * len(EMPLOYERS)
    for row in frame[frame.posts > 0].itertuples():
        assert row.source.split(":")[0] in KINDS, (row.scenario, row.employer, row.source)
        assert row.posts_as_run >= 1
    for name in names:
        as_run = at_size(scenario_configs([name])[name]).staffing.workers
        mine = frame[frame.scenario == name].set_index("employer")
        assert all(mine.loc[e, "posts_as_run"] == getattr(as_run, e) for e in EMPLOYERS)
        assert mine.posts.to_dict() == scenario_dict(name)["staffing"]["workers"]
    assert len(text.splitlines()) == len(frame) + 2  # the header, its rule and one line a row


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seeds", "0"], "argument --seeds: '0' is not allowed"),
        (["--scenarios", "atlantis"], "'atlantis' is not a scenario"),
        (["--quick", "--seeds", "3"], "not allowed with argument"),
        (["--processes", "x"], "argument --processes"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(args: list[str], message: str, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
