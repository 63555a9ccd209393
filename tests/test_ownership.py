"""Nothing of the user's is ever lost: every command that writes replaces or deletes only what cpsim wrote
(sim/ownership.py), a sweep folder holds one sweep written by one process (experiments/sweeps/claim.py), and
odd places give one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from experiments.sweeps.claim import lock_sweep
from experiments.sweeps.cli import main as collect_main
from experiments.workbench.server import claim_data_folder
from scenarios.files import FileError, check_creatable
from sim.outputs import atomic_dir, atomic_file
from sim.ownership import MARKER, ForeignTarget, owns, read_marker

ROOT = Path(__file__).resolve().parents[1]
TINY = ["population.n_children=500", "run.end_year=2016", "funding.withdrawal_shape=none", "plots=false"]


def _user_folder(path: Path) -> Path:
    path.mkdir(parents=True)
    (path / "thesis.docx").write_text("three years of work")
    return path


def _intact(path: Path) -> bool:
    return (path / "thesis.docx").read_text() == "three years of work"


def _cpsim(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [sys.executable, "-m", "sim.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env
    )


def _one_line(err: str, start: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err, err
    assert lines and lines[-1].startswith(start), err


# --- the rule itself ------------------------------------------------------------------------------------------


def test_atomic_dir_refuses_the_users_folder_and_the_users_partial(tmp_path: Path) -> None:
    for user in (tmp_path / "report", tmp_path / "report.partial"):
        _user_folder(user)
        with pytest.raises(ForeignTarget, match="cpsim did not write"), atomic_dir(tmp_path / "report") as partial:
            (partial / "a.txt").write_text("a")
        assert _intact(user)
        user.rename(tmp_path / f"kept_{user.name}")


def test_atomic_dir_replaces_its_own_result_and_marks_it(tmp_path: Path) -> None:
    for text in ("first", "second"):
        with atomic_dir(tmp_path / "report") as partial:
            (partial / "a.txt").write_text(text)
    assert (tmp_path / "report" / "a.txt").read_text() == "second"
    marker = read_marker(tmp_path / "report")
    assert marker and marker["created"]["command"] and marker["created"]["time"]
    assert not (tmp_path / "report.partial").exists()


def test_atomic_file_refuses_the_users_file_and_claims_its_own(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("mine")
    with pytest.raises(ForeignTarget), atomic_file(tmp_path / "notes.md") as tmp:
        tmp.write_text("ours")
    assert (tmp_path / "notes.md").read_text() == "mine"
    for text in ("ours", "ours again"):
        with atomic_file(tmp_path / "report.md") as tmp:
            tmp.write_text(text)
    assert (tmp_path / "report.md").read_text() == "ours again"
    assert "report.md" in read_marker(tmp_path)["files"] and owns(tmp_path / "report.md")
    assert not owns(tmp_path / "notes.md")
    assert sorted(p.name for p in tmp_path.iterdir()) == [MARKER, "notes.md", "report.md"]  # no temporary left


def test_an_interrupted_write_leaves_nothing_half_written(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt), atomic_file(tmp_path / "table.csv") as tmp:
        tmp.write_text("half")
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt), atomic_dir(tmp_path / "run") as partial:
        (partial / "half.txt").write_text("half")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


# --- every command that writes, pointed at a user's folder ----------------------------------------------------


def test_cpsim_leaves_a_users_results_folder_alone(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    _user_folder(run_dir / "results")
    proc = _cpsim([*TINY, f"hydra.run.dir={run_dir}"], tmp_path)
    assert proc.returncode == 2
    _one_line(proc.stderr, "cpsim: error: hydra.run.dir:")
    assert "cpsim did not write" in proc.stderr
    assert _intact(run_dir / "results") and sorted(p.name for p in run_dir.iterdir()) == ["results"]


def test_cpsim_replaces_its_own_results(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    for _ in range(2):
        proc = _cpsim([*TINY, "progress=false", f"hydra.run.dir={run_dir}"], tmp_path)
        assert proc.returncode == 0, proc.stderr
    assert (run_dir / "results" / "summary.json").exists() and read_marker(run_dir / "results")["created"]


def test_compare_leaves_a_users_partial_folder_alone(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from experiments.plans.cli import main as plans_main

    partial = _user_folder(tmp_path / "report.partial")
    args = ["compare", "funder_stays", "abrupt_exit", "--set", "population.n_children=500", "--seeds", "1"]
    with pytest.raises(SystemExit) as exc:
        plans_main([*args, "--out", str(tmp_path / "report"), "--no-progress", "--jobs", "1"])
    assert exc.value.code == 2
    _one_line(capsys.readouterr().err, "cpsim-plans: error:")
    assert _intact(partial) and not (tmp_path / "report").exists()


def test_optimize_force_moves_the_old_file_aside(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from experiments.plans.cli import main as plans_main

    out = tmp_path / "cheapest.yaml"
    out.write_text("# my own notes\n")
    args = ["optimize", "--base", "linear_taper_3y", "--set", "population.n_children=2000"]
    args += ["--seeds", "1", "--trials", "2", "--jobs", "1", "--out", str(out)]
    with pytest.raises(SystemExit) as exc:
        plans_main(args)
    assert exc.value.code == 2 and out.read_text() == "# my own notes\n"
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        plans_main([*args, "--force"])
    assert exc.value.code == 0, capsys.readouterr().err
    moved = [p for p in tmp_path.iterdir() if p.name.startswith("cheapest.yaml.moved-")]
    assert len(moved) == 1 and moved[0].read_text() == "# my own notes\n"
    assert "moved the old" in capsys.readouterr().out and out.read_text() != "# my own notes\n"


@pytest.mark.parametrize(
    ("module", "prog", "user_file", "args"),
    [
        ("experiments.validation.cli", "cpsim-validate", "validation.md", ["--seeds", "1", "--quick"]),
        ("experiments.calibration.calibrate", "cpsim-calibrate", "calibration.md", ["--no-write"]),
        ("experiments.sensitivity.analysis", "cpsim-sensitivity", "tornado.png", []),
    ],
)
def test_reports_leave_a_users_files_alone_and_refuse_before_running(
    tmp_path: Path, capsys: pytest.CaptureFixture, module: str, prog: str, user_file: str, args: list[str]
) -> None:
    import importlib

    out = tmp_path / "docs"
    out.mkdir()
    (out / user_file).write_text("mine")
    with pytest.raises(SystemExit) as exc:
        importlib.import_module(module).main([*args, "--out", str(out)])
    assert exc.value.code == 2
    _one_line(capsys.readouterr().err, f"{prog}: error:")
    assert (out / user_file).read_text() == "mine" and [p.name for p in out.iterdir()] == [user_file]


def test_collect_refuses_a_folder_without_sweep_points(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    folder = _user_folder(tmp_path / "papers")
    for target in (folder, Path("/proc")):
        with pytest.raises(SystemExit) as exc:
            collect_main([str(target)])
        assert exc.value.code == 2
        _one_line(capsys.readouterr().err, "cpsim-collect: error: dir:")
    assert sorted(p.name for p in folder.iterdir()) == ["thesis.docx"]


def test_the_workbench_takes_only_its_own_data_folder(tmp_path: Path) -> None:
    with pytest.raises(ForeignTarget, match="did not write"):
        claim_data_folder(_user_folder(tmp_path / "documents"))
    assert sorted(p.name for p in (tmp_path / "documents").iterdir()) == ["thesis.docx"]
    legacy = tmp_path / "old"  # a data folder from before markers: only the workbench's own entries
    (legacy / "plans").mkdir(parents=True)
    claim_data_folder(legacy)
    assert read_marker(legacy)["created"]
    claim_data_folder(tmp_path / "new")
    assert read_marker(tmp_path / "new")["created"]


# --- odd places ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("place", ["/proc", "/sys", "/dev/null", "/proc/cpsim", "/dev/null/x"])
def test_odd_places_are_refused_in_one_line(place: str) -> None:
    with pytest.raises(FileError, match="expected a folder"):
        check_creatable(place)


@pytest.mark.parametrize(("key", "place"), [("hydra.run.dir", "/proc"), ("hydra.sweep.dir", "/dev/null")])
def test_cpsim_refuses_odd_output_places(tmp_path: Path, key: str, place: str) -> None:
    multirun = ["-m", "seed=1,2"] if key == "hydra.sweep.dir" else []
    proc = _cpsim([*multirun, *TINY, f"{key}={place}"], tmp_path)
    assert proc.returncode == 2
    _one_line(proc.stderr, f"cpsim: error: {key}: {place}")


# --- a sweep folder belongs to one sweep ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sweep") / "s"
    proc = _cpsim(["-m", *TINY, "seed=1,2,3", "replicates=2", f"hydra.sweep.dir={root}"], root.parent)
    assert proc.returncode == 0, proc.stderr
    return root


def test_a_sweep_records_its_identity_in_its_folder_and_its_points(sweep: Path) -> None:
    identity = read_marker(sweep)["sweep"]
    for job in range(3):
        assert json.loads((sweep / str(job) / "point" / "point.json").read_text())["sweep"] == identity


def test_another_sweep_in_the_same_folder_is_refused(sweep: Path) -> None:
    before = sorted(p.name for p in sweep.rglob("*"))
    proc = _cpsim(["-m", *TINY, "seed=7,8", f"hydra.sweep.dir={sweep}"], sweep.parent)
    assert proc.returncode == 1
    _one_line(proc.stderr, f"cpsim: error: hydra.sweep.dir: {sweep} holds another sweep")
    assert sorted(p.name for p in sweep.rglob("*")) == before


def test_a_sweep_in_a_users_folder_is_refused(tmp_path: Path) -> None:
    folder = _user_folder(tmp_path / "papers")
    proc = _cpsim(["-m", *TINY, "seed=1,2", f"hydra.sweep.dir={folder}"], tmp_path)
    assert proc.returncode == 2
    _one_line(proc.stderr, "cpsim: error: hydra.sweep.dir:")
    assert sorted(p.name for p in folder.iterdir()) == ["thesis.docx"]


def test_a_second_process_on_the_same_sweep_is_refused_while_the_first_writes(sweep: Path) -> None:
    lock = lock_sweep(sweep)  # as a running sweep holds it
    try:
        proc = _cpsim(["-m", *TINY, "seed=1,2,3", "replicates=2", f"hydra.sweep.dir={sweep}"], sweep.parent)
    finally:
        lock.close()
    assert proc.returncode == 1
    _one_line(proc.stderr, "cpsim: error: hydra.sweep.dir:")
    assert "is being written by pid" in proc.stderr


def test_a_copied_point_and_another_sweeps_point_are_named_and_left_out(
    sweep: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    import shutil

    copy = tmp_path / "s"
    shutil.copytree(sweep, copy)
    shutil.copytree(copy / "0", copy / "7")  # a job folder copied by hand
    info = json.loads((copy / "1" / "point" / "point.json").read_text())
    (copy / "1" / "point" / "point.json").write_text(json.dumps({**info, "sweep": "0123456789abcdef"}))
    with pytest.raises(SystemExit) as exc:
        collect_main([str(copy)])
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert f"{copy / '7' / 'point'}: point.json: the point of job 0, copied into job 7" in err
    assert f"{copy / '1' / 'point'}: point.json: belongs to another sweep" in err
    collect_main([str(copy), "--skip-corrupt"])
    import pandas as pd

    runs = pd.read_parquet(copy / "runs.parquet")
    assert sorted(runs.job.unique()) == [0, 2] and not runs.duplicated(["point_id", "seed"]).any()


def test_resume_after_corrupt_points_has_no_duplicate_rows(sweep: Path, tmp_path: Path) -> None:
    import shutil

    import pandas as pd

    copy = tmp_path / "s"
    shutil.copytree(sweep, copy)
    (copy / "0" / "point" / "runs.parquet").write_bytes(b"not parquet")
    text = (copy / "1" / "point" / "point.json").read_text()
    (copy / "1" / "point" / "point.json").write_text(text[: len(text) // 2])
    marker = read_marker(copy)
    proc = _cpsim(["-m", *TINY, "seed=1,2,3", "replicates=2", f"hydra.sweep.dir={copy}"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert read_marker(copy)["sweep"] == marker["sweep"]  # the same sweep, resumed
    runs = pd.read_parquet(copy / "runs.parquet")
    assert len(runs) == 6 and not runs.duplicated(["point_id", "seed"]).any()
    timeseries = pd.read_parquet(copy / "timeseries.parquet")
    assert not timeseries.duplicated(["point_id", "seed", "year"]).any()
