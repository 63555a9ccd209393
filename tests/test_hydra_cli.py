"""`cpsim` behaves like a Hydra app: Hydra's flags reach Hydra, sweep syntax works, and every job of a sweep
is checked before any starts (one line, exit 2, nothing written)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from experiments.sweeps.collect import load
from sim.cli import main

TINY = [
    "population.n_children=2000",
    "run.start_year=2015",
    "run.end_year=2017",
    "funding.withdrawal_start_year=2016",
    "plots=false",
    "progress=false",
]


def cpsim(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env=None if env is None else {**os.environ, **env},
    )


def test_shell_completion_prints_a_bash_script(tmp_path: Path) -> None:
    proc = cpsim("-sc", "install=bash", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "complete -o nospace -o default -F hydra_bash_completion" in proc.stdout
    query = cpsim("-sc", "query=bash", cwd=tmp_path, env={"COMP_LINE": "cpsim +experiment="})
    assert query.returncode == 0 and "+experiment=demo" in query.stdout.split(), query.stderr
    assert list(tmp_path.iterdir()) == []


def test_help_lists_the_groups_that_work(tmp_path: Path) -> None:
    proc = cpsim("--help", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "experiment: demo, funding_withdrawal, staffing_coordination, training_regimes" in lines
    for group in ("scenario: gowa_pksai", "coordination_level: ", "training_regime: ", "hydra/launcher: basic"):
        assert any(line.startswith(group) for line in lines), group
    # plans are cpsim-plans input; calibrated files are data each scenario includes, not a choice to make
    assert not any(line.startswith(("plans", "hydra:", "calibrated")) for line in lines)
    assert "local_cores" in proc.stdout and "collect" in proc.stdout


def test_hydra_flags_pass_through(tmp_path: Path) -> None:
    shown = cpsim("--cfg", "job", "--package", "staffing", "scenario=gowa_pksai", cwd=tmp_path)
    assert shown.returncode == 0 and shown.stdout.startswith("# @package staffing"), shown.stderr
    info = cpsim("--info", "searchpath", cwd=tmp_path)
    assert info.returncode == 0 and "pkg://experiments.conf" in info.stdout
    assert list(tmp_path.iterdir()) == []


def test_glob_sweep_over_two_scenarios(tmp_path: Path) -> None:
    root = tmp_path / "s"
    main(
        [
            "-m",
            "scenario=glob([gowa*,tulung*])",
            *TINY,
            f"hydra.sweep.dir={root}",
            "hydra.callbacks.collect.report=false",
        ]
    )
    points = load(root).points
    assert len(points) == 2 and (points.status == "ok").all()
    assert sorted(points["scenario"]) == ["gowa_pksai", "tulungagung_ult_psai"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        # cross-field rule (caseload_norm <= caseload_cap 25) broken by one swept value, wherever it is
        (["staffing.caseload_norm=10,30"], "staffing.caseload_norm: 30 is not allowed; expected at most"),
        (["staffing.caseload_norm=range(10,40,10)"], "staffing.caseload_norm: 30 is not allowed"),
        (["+experiment=demo", "staffing.caseload_cap=25,5"], "staffing.caseload_norm: 15 is not allowed"),
        (["scenario=glob(*)", "staffing.caseload_norm=choice(12,30)"], "staffing.caseload_norm: 30 is not allowed"),
        (["hydra/launcher=nope"], "hydra/launcher: 'nope' is not allowed; expected one of basic, joblib, local_cores"),
        (["hydra/launcher=local_cores", "hydra.launcher.n_jobs=abc"], "hydra.launcher.n_jobs: Value 'abc'"),
        (["staffing.caseload_norm=interval(5,20)"], "staffing.caseload_norm: interval() needs a sweeper that samples"),
        (["scenario=glob(nowhere*)"], "scenario: scenario=glob(nowhere*) matches nothing; expected one of gowa_pksai"),
    ],
)
def test_bad_sweep_is_one_line_exit_2_nothing_written(args, message, tmp_path, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["-m", *args, *TINY, f"hydra.sweep.dir={tmp_path}/s"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.startswith(f"cpsim: error: {message}") and err.count("\n") == 1, err
    assert not (tmp_path / "s").exists()


def test_sweep_without_multirun_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["staffing.caseload_norm=10,20", *TINY, f"hydra.run.dir={tmp_path}/r"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "add -m (--multirun)" in err and err.count("\n") == 1
    assert not (tmp_path / "r").exists()
