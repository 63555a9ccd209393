"""The stress test: futures sampled over stated ranges, every plan run in every future on the same seeds, the
robustness table, PRIM's box of the futures in which a plan fails, and a resumed run that redoes only what is
missing."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.plans.cli import main
from experiments.plans.discovery import describe, discover
from experiments.plans.futures import sample, transition_risks, uncertainties
from scenarios.validate import config_from_dict
from sim.compose import scenario_dict

TINY = ["population.n_children=8000", "run.start_year=2019"]
TINY += [f"staffing.workers.{e}=1" for e in ("national", "local", "donor")]
TINY_ARGS = [arg for item in TINY for arg in ("--set", item)]
# a plan that works only if the city pays on time: the funder leaves in 2021 and the city takes over every line
FULL_PICKUP = """name: full_pickup
legal_anchor: regional_law
funder_share:
  2021: {all: 0.0}
pickup:
  all: {share: 1.0, delay_years: 0}
"""


def test_prim_finds_a_planted_failure_region_and_says_it_in_words() -> None:
    rng = np.random.default_rng(1)
    x = pd.DataFrame(
        {
            "pickup_delay_extra": rng.integers(0, 4, 300).astype(float),
            "hazard_scale": rng.uniform(0.5, 2.0, 300),
            "noise": rng.uniform(0, 1, 300),
        }
    )
    fails = ((x.pickup_delay_extra >= 2) & (x.hazard_scale > 1.2)).to_numpy()
    box = discover(x, fails)
    assert box is not None and set(box.limits) == {"pickup_delay_extra", "hazard_scale"}
    assert box.limits["pickup_delay_extra"][0] > 1 and box.limits["hazard_scale"][0] == pytest.approx(1.2, abs=0.15)
    assert box.density >= 0.8 and box.coverage >= 0.8
    words = describe(box, fails, {"pickup_delay_extra": "the pickup's delay"}, x, frozenset({"pickup_delay_extra"}))
    assert words.startswith("fails in ") and "the pickup's delay is at least 2" in words
    assert describe(discover(x, np.zeros(300, bool)), np.zeros(300, bool), {}, x) == "holds in every future sampled"


def test_futures_cover_the_stated_ranges_and_every_one_is_a_valid_config() -> None:
    base = config_from_dict(scenario_dict("makassar_pksai"))
    dims = uncertainties("makassar_pksai", base, 2021)
    names = {u.name for u in dims}
    assert {"pickup_delay_extra", "pickup_fraction", "shock_size", "shock_year"} <= names
    assert "hazard_scale" in names  # calibrated, within its posterior interval
    assert not any(n.startswith(("transition.", "funding.")) for n in names)  # the plan is not a future
    table = sample(dims, 40, seed=3)
    for u in dims:  # a Latin hypercube: every range spanned, nothing outside it
        col = table[u.name]
        assert col.min() >= u.lo - 1e-9 and col.max() <= u.hi + 1e-9
        assert col.max() - col.min() > 0.8 * (u.hi - u.lo)
    assert sample(dims, 40, seed=3).equals(table)
    assert [u.name for u in uncertainties("makassar_pksai", base, 2021, "transition")] == [
        u.name for u in transition_risks(2021, 2024)
    ]


def test_stress_finds_that_a_plan_fails_when_the_pickup_is_late_and_resumes(tmp_path: Path) -> None:
    plan = tmp_path / "full_pickup.yaml"
    plan.write_text(FULL_PICKUP)
    out = tmp_path / "stress"
    args = ["stress", "funder_stays", str(plan), *TINY_ARGS, "--futures", "24", "--seeds", "1", "--space"]
    args += ["transition", "--tolerance", "0.15", "--out", str(out), "--no-progress", "--jobs", "2"]
    with pytest.raises(SystemExit) as done:
        main(args)
    assert done.value.code == 0
    futures = pd.read_parquet(out / "futures.parquet")
    assert len(futures) == 24 * 2 and {"pickup_delay_extra", "effective_coverage_after"} <= set(futures.columns)
    robustness = pd.read_csv(out / "robustness.csv").set_index("plan")
    assert 0 < robustness.loc["full_pickup", "holds_share"] < 1
    box = json.loads((out / "boxes.json").read_text())["full_pickup"]
    assert set(box["box"]) == {"pickup_delay_extra"} and box["box"]["pickup_delay_extra"][0] > 0
    report = (out / "report.md").read_text()
    assert "years the city's pickup comes later than the plan says is at least 1" in report
    assert (out / "figures" / "failures_full_pickup.png").stat().st_size > 5_000
    # killed half-way: a point lost is redone, the others are reused, and the answer is the same
    shutil.rmtree(next((out / "points").iterdir()))
    with pytest.raises(SystemExit) as again:
        main(args)
    assert again.value.code == 0
    assert pd.read_parquet(out / "futures.parquet").equals(futures)
    # another design in the same folder is refused with one line, before anything runs
    with pytest.raises(SystemExit) as refused:
        main([*args[:-5], "--out", str(out), "--futures", "5"])
    assert refused.value.code == 2


def _slurm_answers() -> bool:
    try:
        return subprocess.run(["sinfo", "-h"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.mark.slow
@pytest.mark.parametrize(
    "launcher",
    [
        "submitit_local",
        pytest.param("slurm", marks=pytest.mark.skipif(not _slurm_answers(), reason="no SLURM cluster here")),
    ],
)
def test_stress_on_a_job_array_gives_the_same_answer_as_local_cores(tmp_path: Path, launcher: str) -> None:
    """The SLURM path (a submitit job array of chunks): on a cluster when `sinfo` answers, and always through
    submitit's local stand-in on this computer."""
    args = ["stress", "funder_stays", "exit_no_pickup", *TINY_ARGS, "--futures", "6", "--seeds", "1", "--space"]
    args += ["transition", "--no-progress", "--points-per-task", "5", "--jobs", "2"]
    tables = {}
    for how in ("local", launcher):
        out = tmp_path / how
        with pytest.raises(SystemExit) as done:
            main([*args, "--out", str(out), "--launcher", how])
        assert done.value.code == 0
        tables[how] = pd.read_parquet(out / "futures.parquet")
    pd.testing.assert_frame_equal(tables["local"], tables[launcher])
    results = list((tmp_path / launcher / ".submitit").glob("*/*_result.pkl"))
    assert len(results) == 3  # 6 futures x 2 plans in array tasks of 5 points


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--futures", "0"], "--futures"),
        (["--space", "everything"], "--space"),
        (["--seeds", "-1"], "--seeds"),
        (["--launcher", "kubernetes"], "--launcher"),
        (["--launcher", "slurm", "--partition", "short;rm -rf"], "--partition"),
        (["--launcher", "slurm", "--time-min", "0"], "--time-min"),
        (["--partition", "short"], "--partition"),
        (["--launcher", "slurm", "--points-per-task", "0"], "--points-per-task"),
    ],
)
def test_bad_stress_options_get_one_line(tmp_path: Path, extra: list[str], words: str, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["stress", "funder_stays", "exit_no_pickup", "--out", str(tmp_path / "s"), *extra])
    err = capsys.readouterr().err.strip()
    assert exc.value.code == 2 and len(err.splitlines()) == 1 and words in err


def test_robust_search_returns_a_schedule_and_the_share_of_futures_it_holds_in(tmp_path: Path, capsys) -> None:
    out = tmp_path / "robust.yaml"
    args = ["optimize", "--robust", "--futures", "4", "--trials", "4", "--seeds", "1", *TINY_ARGS[:4]]
    args += ["--tolerance", "0.15", "--robust-share", "0.5", "--out", str(out), "--no-progress", "--jobs", "2"]
    with pytest.raises(SystemExit) as done:
        main(args)
    printed = capsys.readouterr().out
    assert done.value.code == 0, printed
    held = float(printed.split("holds in ")[1].split("%")[0]) / 100
    assert held >= 0.5 and "of 4 futures (required: 50%)" in printed
    text = out.read_text()
    assert "# robust: holds in" in text and "pickup:" in text


def test_a_stop_flag_ends_the_runs_under_way_and_keeps_no_point(tmp_path: Path) -> None:
    """The workbench's Cancel: once the flag file exists, the runs under way stop at their next week (not at the
    end of their future x plan), and no point is written, neither finished nor failed, so a rerun redoes them."""
    import time

    from experiments.plans.plan_file import load_plan
    from experiments.plans.stress import Stopped, run_stress

    flag = tmp_path / "stop"
    flag.touch()
    scenario = scenario_dict("makassar_pksai")  # full scale: a future x plan would take seconds
    plans = [load_plan("funder_stays"), load_plan("linear_taper_3y")]
    started = time.perf_counter()
    with pytest.raises(Stopped):
        run_stress(plans, scenario, "makassar_pksai", 2, [0, 1], tmp_path / "out", jobs=2, stop_flag=str(flag))
    assert time.perf_counter() - started < 60  # the run's own start-up; a future x plan alone runs ~5 s a seed
    assert not list((tmp_path / "out" / "points").glob("*/point/point.json"))
