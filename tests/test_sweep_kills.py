"""Sweeps survive kills: a killed worker ends the sweep with one line saying how to resume (and resuming loses
nothing), a killed parent takes its workers down, and `cpsim-collect` names corrupt points."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from experiments.sweeps.cli import main as collect_main
from sim.point import run_point

pytestmark = pytest.mark.slow  # kills and resumes real sweeps

ROOT = Path(__file__).resolve().parents[1]
TINY = {
    "population": {"n_children": 500},
    "run": {"start_year": 2015, "end_year": 2016},
    "funding": {"withdrawal_shape": "none"},
}


def _children(pid: int) -> list[int]:
    """Direct children of `pid` (from /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _workers(pid: int) -> list[int]:
    found = []
    for child in _children(pid):
        try:
            if b"LokyProcess" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.append(child)
        except OSError:
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _sweep_args(sweep_dir: Path) -> list[str]:
    return [
        "-m",
        "seed=range(0,6)",
        "replicates=8",
        "population.n_children=30000",
        "run.end_year=2019",
        "funding.withdrawal_shape=none",
        "plots=false",
        "progress=false",
        "hydra/launcher=local_cores",
        "hydra.launcher.n_jobs=2",
        f"hydra.sweep.dir={sweep_dir}",
    ]


def _start(args: list[str], cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen(
        [sys.executable, "-m", "sim.cli", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, so a failing test can clean up all it started
    )


def _wait_for_workers(proc: subprocess.Popen, sweep_dir: Path, timeout: float = 120) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        workers = _workers(proc.pid)
        if len(workers) == 2 and (sweep_dir / "0").is_dir():
            return workers
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.1)
    raise AssertionError("the sweep's workers did not start")


def _cleanup(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_a_killed_worker_gives_one_line_and_resume_loses_nothing(tmp_path: Path) -> None:
    sweep_dir = tmp_path / "sweep"
    proc = _start(_sweep_args(sweep_dir), tmp_path)
    try:
        workers = _wait_for_workers(proc, sweep_dir)
        os.kill(workers[0], signal.SIGKILL)
        _, err = proc.communicate(timeout=180)
    finally:
        _cleanup(proc)
    assert proc.returncode == 1, err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    last = err.strip().splitlines()[-1]
    assert last.startswith("cpsim: error: a sweep worker died") and "to resume, run: cpsim " in last, last
    resume = shlex.split(last.split("to resume, run: ", 1)[1])
    assert resume[0] == "cpsim" and f"hydra.sweep.dir={sweep_dir}" in resume
    finished_before = {p.parent.parent.name for p in sweep_dir.glob("*/point/point.json")}

    again = _start(resume[1:], tmp_path)
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err[-3000:]
    points = [json.loads(p.read_text()) for p in sorted(sweep_dir.glob("*/point/point.json"))]
    assert len(points) == 6 and all(p["status"] == "ok" for p in points)
    reused = err.count(": reused (")
    assert reused >= len(finished_before), err[-3000:]  # every point finished before the kill is kept, not redone


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_a_killed_parent_takes_its_workers_down(tmp_path: Path) -> None:
    sweep_dir = tmp_path / "sweep"
    proc = _start(_sweep_args(sweep_dir), tmp_path)
    try:
        workers = _wait_for_workers(proc, sweep_dir)
        time.sleep(0.5)  # the workers are inside a job
        os.kill(proc.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(w) for w in workers), "orphaned sweep workers are still running"
    finally:
        _cleanup(proc)
        for w in workers if "workers" in dir() else []:
            if _alive(w):
                os.kill(w, signal.SIGKILL)


def _tiny_sweep(root: Path, n: int = 4) -> None:
    for job in range(n):
        data = {**TINY, "staffing": {"caseload_cap": 20 + job}}
        run_point(data, [0], root / str(job), {"staffing.caseload_cap": 20 + job}, sweep_dir=root, job=job)


def test_collect_names_corrupt_points_and_exits_non_zero(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    root = tmp_path / "sweep"
    _tiny_sweep(root)
    (root / "0" / "point" / "runs.parquet").write_bytes(b"not parquet")
    text = (root / "1" / "point" / "point.json").read_text()
    (root / "1" / "point" / "point.json").write_text(text[: len(text) // 2])  # truncated
    info = json.loads((root / "2" / "point" / "point.json").read_text())
    del info["status"]
    (root / "2" / "point" / "point.json").write_text(json.dumps(info))
    with pytest.raises(SystemExit) as exc:
        collect_main([str(root)])
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for job in ("0", "1", "2"):
        assert f"{root / job / 'point'}:" in err, err
    assert all(len(line) < 300 for line in err.splitlines())
    import pandas as pd

    runs = pd.read_parquet(root / "runs.parquet")
    assert sorted(runs.job.unique()) == [3]  # the corrupt points are missing, not half-read
    collect_main([str(root), "--skip-corrupt"])  # asked to skip them: no error exit
    # a resumed sweep redoes a point whose table is corrupt
    from sim.point import finished

    key = json.loads((root / "0" / "point" / "point.json").read_text())["key"]
    assert not finished(root / "0" / "point", key)
    assert finished(root / "3" / "point", json.loads((root / "3" / "point" / "point.json").read_text())["key"])
