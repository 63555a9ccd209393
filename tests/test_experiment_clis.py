"""`cpsim-validate` and `cpsim-calibrate` end to end on tiny settings, their argument errors, and determinism."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from experiments.calibration import calibrate
from experiments.calibration.provenance import missing_provenance, scenario_leaves
from experiments.validation import cli as validate
from experiments.validation.observables import run_jobs
from experiments.validation.targets import TARGET_IDS
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


def test_calibrate_tiny_run_reports_fitted_and_held_out(tmp_path: Path) -> None:
    before = {p: p.read_text() for p in calibrate.SCENARIO_DIR.glob("*.yaml")}
    calibrate.main(
        ["--samples", "2", "--seeds", "1", "--eval-seeds", "1", "--scenarios", "indonesia_ecpat"]
        + ["--processes", "1", "--no-write", "--out", str(tmp_path)]
    )
    report = (tmp_path / "calibration.md").read_text()
    assert "**Fitted targets**" in report and "**Held-out and input targets**" in report
    assert "`indonesia_ecpat.police_to_ngo_records`" in report.split("**Held-out")[1]
    assert (tmp_path / "calibration.json").exists()
    assert {p: p.read_text() for p in calibrate.SCENARIO_DIR.glob("*.yaml")} == before  # --no-write


def test_write_scenarios_updates_value_and_keeps_provenance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("indonesia_ecpat.yaml", "makassar_pksai.yaml"):
        shutil.copy(calibrate.SCENARIO_DIR / name, tmp_path / name)
    monkeypatch.setattr(calibrate, "SCENARIO_DIR", tmp_path)
    makassar = (tmp_path / "makassar_pksai.yaml").read_text()
    path = "detection.ngo_identification_weekly.sexual_exploitation"
    result = {
        "scenario": "indonesia_ecpat",
        "parameters": [
            {
                "name": "ngo",
                "paths": [path],
                "prior": [0.0005, 0.03],
                "estimate": 0.004321,
                "target": "detected_share_sexual",
            }
        ],
        "values": {path: 0.004321},
    }
    changed = calibrate.write_scenarios([result])
    assert len(changed) == 1 and changed[0].startswith("indonesia_ecpat.yaml")
    leaf = next(x for x in scenario_leaves((tmp_path / "indonesia_ecpat.yaml").read_text()) if x.path == path)
    assert leaf.value == 0.004321 and "indonesia_ecpat.detected_share_sexual" in leaf.comment
    assert missing_provenance(tmp_path / "indonesia_ecpat.yaml", TARGET_IDS) == []
    assert (tmp_path / "makassar_pksai.yaml").read_text() == makassar  # its calibrated lines name other targets


def test_calibrate_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        calibrate.main(["--accept", "1.5"])
    assert exit_info.value.code == 2
    assert (
        capsys.readouterr().err.strip()
        == "cpsim-calibrate: error: argument --accept: 1.5 is not allowed; expected a number in (0, 1]"
    )
