"""`cpsim-validate` and `cpsim-calibrate` end to end on tiny settings, their argument errors, and determinism."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from experiments.calibration import calibrate, files
from experiments.calibration.provenance import missing_provenance, scenario_leaves
from experiments.validation import cli as validate
from experiments.validation.observables import run_jobs
from experiments.validation.targets import TARGET_IDS
from scenarios.scale import at_size
from scenarios.validate import config_from_dict
from sim.compose import scenario_dict

TINY = {"population": {"n_children": 3_000}, "run": {"end_year": 2018}, "funding": {"withdrawal_start_year": 2017}}


def test_validate_writes_the_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    validate.main(
        ["--seeds", "2", "--scenarios", "makassar_pksai", "--quick", "--processes", "1", "--out", str(tmp_path)]
    )
    report = (tmp_path / "validation.md").read_text()
    assert "`makassar_pksai.harm_cases_2019`" in report and "Quick mode" in report
    assert "tulungagung" not in report  # only targets of the chosen scenarios
    for name in ("targets.png", "cases_by_year.png", "per_seed.csv", "run_info.json", "configs.yaml"):
        assert (tmp_path / "validation" / name).stat().st_size > 0
    assert not (tmp_path / "validation.partial").exists()
    assert "targets within tolerance" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seeds", "0"], "--seeds: '0' is not allowed"),
        (["--scenarios", "nope"], "'nope' is not a scenario; expected one of"),
        (["--processes", "two"], "'two' is not allowed; expected a whole number >= 1"),
        (["--first-seed", "-1"], "--first-seed: -1 is not allowed"),
        (["--bogus"], "unrecognized arguments"),
    ],
)
def test_validate_bad_arguments(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        validate.main([*args, "--out", str(tmp_path / "out")])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and err.startswith("cpsim-validate: error:") and message in err
    assert not (tmp_path / "out").exists()


def test_results_do_not_depend_on_the_number_of_processes() -> None:
    cfg = scenario_dict("indonesia_ecpat", TINY | {"run": {"start_year": 2016, "end_year": 2018}})
    jobs = [("indonesia_ecpat", cfg, s) for s in (0, 1, 2)]
    serial, parallel = run_jobs(jobs, 1), run_jobs(jobs, 2)
    assert [sorted(o) for o in serial] == [sorted(o) for o in parallel]
    for a, b in zip(serial, parallel, strict=True):
        np.testing.assert_array_equal([a[k] for k in sorted(a)], [b[k] for k in sorted(b)])


@pytest.mark.slow
def test_calibrate_tiny_run_reports_fitted_and_held_out(tmp_path: Path) -> None:
    before = {p: p.read_text() for p in files.CALIBRATED_DIR.glob("*.yaml")}
    calibrate.main(
        ["--population", "3", "--max-sims", "6", "--generations", "2", "--calibration-seed", "1", "--eval-seeds", "1"]
        + ["--ppc-draws", "2", "--scenarios", "indonesia_ecpat", "--processes", "1", "--no-write"]
        + ["--out", str(tmp_path), "--history", str(tmp_path / "h")]
    )
    report = (tmp_path / "calibration.md").read_text()
    assert "**Fitted targets**" in report and "**Held-out and input targets**" in report
    assert "**Posterior predictive check**" in report and "**Identifiability.**" in report
    assert "`indonesia_ecpat.police_to_ngo_records`" in report.split("**Held-out")[1]
    data = json.loads((tmp_path / "calibration.json").read_text())
    (run,) = data["scenarios"][0]["runs"]
    assert 1 <= run["ess"] <= 3 and run["simulations"] >= 3
    assert (tmp_path / "h" / "indonesia_ecpat_seed1.db").exists()  # pyabc's history, outside the repo
    assert {p: p.read_text() for p in files.CALIBRATED_DIR.glob("*.yaml")} == before  # --no-write


def _fake_result(scenario: str, estimates: list[float]) -> dict:
    return {
        "scenario": scenario,
        "parameters": [{"estimate": x, "range90": [0.9 * x, 1.1 * x]} for x in estimates],
    }


def test_write_calibrated_files_keep_provenance_and_lists(tmp_path: Path) -> None:
    results = [_fake_result("makassar_pksai", [1.5, 0.9, 0.7]), _fake_result("indonesia_ecpat", [0.004321])]
    written = files.write_calibrated(results, calibrate.PROBLEMS, "cpsim-calibrate --test", tmp_path)
    # Makassar's own file and the scenarios it shares with (shock: Gowa, CPAP); staff counts are never fitted
    assert sorted(p.stem for p in written) == ["gowa_pksai", "indonesia_cpap", "indonesia_ecpat", "makassar_pksai"]
    for path in written:
        assert missing_provenance(path, TARGET_IDS) == []
        assert files.list_mismatches(path.stem, tmp_path) == []
    ecpat = {x.path: x for x in scenario_leaves((tmp_path / "indonesia_ecpat.yaml").read_text())}
    leaf = ecpat["detection.ngo_identification_weekly.sexual_exploitation"]
    assert leaf.value == 0.004321 and leaf.comment.startswith("calibrated: indonesia_ecpat.detected_share_sexual")
    makassar = {x.path: x.value for x in scenario_leaves((tmp_path / "makassar_pksai.yaml").read_text())}
    assert makassar["economy.shocks[0].magnitude"] == 0.9
    assert not any(path.startswith("staffing") for path in makassar)
    assert makassar["economy.shocks[0].year"] == 2020  # the rest of the list item copied from the scenario file
    gowa = {x.path: x.value for x in scenario_leaves((tmp_path / "gowa_pksai.yaml").read_text())}
    assert gowa["economy.shocks[0].magnitude"] == 0.9 and not any(path.startswith("staffing") for path in gowa)


@pytest.mark.parametrize("path", sorted(files.CALIBRATED_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_scenarios_compose_their_calibrated_values(path: Path) -> None:
    assert files.list_mismatches(path.stem) == []
    composed = scenario_dict(path.stem)
    for leaf in scenario_leaves(path.read_text()):
        node = composed
        for key in files.path_keys(leaf.path):
            node = node[key]
        assert node == pytest.approx(float(leaf.value)), leaf.path  # the calibrated file overrides the scenario's


def test_calibrate_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        calibrate.main(["--epsilon", "-1"])
    assert exit_info.value.code == 2
    assert (
        capsys.readouterr().err.strip()
        == "cpsim-calibrate: error: argument --epsilon: -1.0 is not allowed; expected a number in [0, 100)"
    )


def test_fitting_runs_scale_staff_and_capacity_with_the_population_and_stop_early_only_when_harmless() -> None:
    makassar, tulungagung = calibrate.PROBLEMS[0], calibrate.PROBLEMS[1]
    base = scenario_dict("makassar_pksai")
    half = calibrate.fitting_config(base, makassar)
    f = makassar.fit_scale
    assert half["population"]["n_children"] == round(base["population"]["n_children"] * f)
    # the scale rule fits the city's posts and partner capacity to its size when it runs
    city = at_size(config_from_dict(half))
    assert sum(vars(city.staffing.workers).values()) == round(f * sum(base["staffing"]["workers"].values()))
    cap = base["coordination"]["agency_capacity_per_week"]
    assert vars(city.coordination.agency_capacity_per_week) == {k: pytest.approx(v * f) for k, v in cap.items()}
    assert makassar.counts == ("harm_cases_2019",) and tulungagung.counts == ("cases_2019",)  # counts are scaled
    # Tulungagung's fitted count reads 2019 only: stopping in 2020 leaves it as it is at the full horizon
    small = scenario_dict("tulungagung_ult_psai", {"population": {"n_children": 20_000}})
    short = calibrate.fitting_config(small, dataclasses.replace(tulungagung, fit_scale=1.0))
    assert short["run"]["end_year"] == 2020 < small["run"]["end_year"]
    full, cut = run_jobs([("t", small, 4), ("t", short, 4)], 1)
    assert full["opened_all_2019"] == cut["opened_all_2019"] and full["opened_all_2018"] == cut["opened_all_2018"]


def test_a_scale_parameter_multiplies_the_scenarios_own_values() -> None:
    """Tulungagung's case mix comes from its own 2019 table: the fitted hazard scale multiplies the scenario's
    values, not Makassar's (the schema defaults), which stay the base where a scenario sets nothing."""
    hazard = "harm.weekly_hazard_per_child.school_dropout"
    assert files.base_of(hazard, "tulungagung_ult_psai") == 0.000009894
    assert files.base_of(hazard, "makassar_pksai") == 9.0e-5
    assert files.base_of("economy.shocks[0].magnitude", "makassar_pksai") == 0.5  # the list item sets no magnitude
    scale = next(p for p in calibrate.PROBLEMS if p.scenario == "tulungagung_ult_psai").parameters[0]
    assert scale.values(2.0, "tulungagung_ult_psai")[hazard] == pytest.approx(2 * 0.000009894)
