"""Interruptions leave a known state: Ctrl-C and SIGTERM end `cpsim`, a sweep and a compare with one line and exit
130 / 143, no traceback, nothing half-written, and no worker left running 5 s later; a full disk gives one line
and loses nothing already written."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # starts, interrupts and waits for real commands

ROOT = Path(__file__).resolve().parents[1]
BIG = ["population.n_children=300000", "plots=false", "progress=false"]  # a run of several seconds


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}


def _start(args: list[str], cwd: Path) -> subprocess.Popen:
    """In its own process group, as a terminal runs a command (Ctrl-C reaches the whole group)."""
    return subprocess.Popen(
        [sys.executable, *args], cwd=cwd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip


def _descendants(pid: int) -> set[int]:
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _wait_until(condition, seconds: float = 120) -> None:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def _interrupt(
    proc: subprocess.Popen, how: signal.Signals, workers: int = 0, settle: float = 1.0
) -> tuple[int, str, set[int]]:
    """Send `how` (Ctrl-C: to the whole group, as a terminal does; SIGTERM: to the command only, as `kill`
    does) `settle` seconds after the command runs (`workers` of its descendants are up); its exit status,
    stderr and those descendants."""
    _wait_until(lambda: len(_descendants(proc.pid)) >= workers or proc.poll() is not None)
    assert proc.poll() is None, proc.communicate()[1]
    time.sleep(settle)
    kids = _descendants(proc.pid)
    if how == signal.SIGINT:
        os.killpg(proc.pid, signal.SIGINT)
    else:
        os.kill(proc.pid, how)
    try:
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    return proc.returncode, err, kids


def _check(code: int, err: str, kids: set[int], how: signal.Signals, prog: str) -> str:
    assert code == (130 if how == signal.SIGINT else 143), err
    assert "Traceback" not in err, err
    last = [line for line in err.splitlines() if line.strip()][-1]
    word = "interrupted (Ctrl-C)" if how == signal.SIGINT else "terminated (SIGTERM)"
    assert last.startswith(f"{prog}: {word}; "), err
    time.sleep(5)
    assert not [k for k in kids if _alive(k)], "workers still running 5 s after the command ended"
    return last


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM])
def test_cpsim_interrupted_says_so_and_leaves_no_partial_results(tmp_path: Path, how: signal.Signals) -> None:
    run_dir = tmp_path / "run"
    proc = _start(["-m", "sim.cli", *BIG, f"hydra.run.dir={run_dir}"], tmp_path)
    _wait_until(lambda: (run_dir / ".hydra").exists())
    code, err, kids = _interrupt(proc, how)
    last = _check(code, err, kids, how, "cpsim")
    assert f"nothing was written to {run_dir / 'results'}" in last
    assert not (run_dir / "results").exists() and not (run_dir / "results.partial").exists()


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM])
def test_a_sweep_interrupted_keeps_its_points_and_says_how_to_resume(tmp_path: Path, how: signal.Signals) -> None:
    sweep = tmp_path / "s"
    args = ["-m", "sim.cli", "-m", "seed=range(0,6)", "replicates=4", "population.n_children=30000"]
    args += ["run.end_year=2019", "funding.withdrawal_shape=none"]
    args += ["plots=false", "progress=false", "hydra/launcher=local_cores", "hydra.launcher.n_jobs=2"]
    proc = _start([*args, f"hydra.sweep.dir={sweep}"], tmp_path)
    code, err, kids = _interrupt(proc, how, workers=2)
    last = _check(code, err, kids, how, "cpsim")
    assert f"finished points are kept in {sweep}; to resume, run: cpsim -m 'seed=range(0,6)'" in last
    assert not list(sweep.glob("*/point.partial"))  # a worker stopped mid-point left no half-written point


@pytest.mark.parametrize("command", ["sweep", "compare"])
def test_ctrl_c_while_workers_still_start_prints_no_traceback(tmp_path: Path, command: str) -> None:
    """The terminal's Ctrl-C reaches a worker that is still importing, before it can ignore the signal."""
    if command == "sweep":
        args = ["-m", "sim.cli", "-m", "seed=range(0,4)", "population.n_children=30000", "run.end_year=2019"]
        args += ["funding.withdrawal_shape=none"]
        args += ["plots=false", "progress=false", "hydra/launcher=local_cores", "hydra.launcher.n_jobs=2"]
        args += [f"hydra.sweep.dir={tmp_path / 's'}"]
        prog = "cpsim"
    else:
        args = ["-c", "from experiments.plans.cli import main; main()", "compare", "funder_stays", "abrupt_exit"]
        args += ["--seeds", "4", "--jobs", "2", "--no-progress", "--out", str(tmp_path / "cmp")]
        prog = "cpsim-plans"
    proc = _start(args, tmp_path)
    code, err, kids = _interrupt(proc, signal.SIGINT, workers=1, settle=0.0)
    _check(code, err, kids, signal.SIGINT, prog)


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM])
def test_a_compare_interrupted_takes_its_workers_down(tmp_path: Path, how: signal.Signals) -> None:
    out = tmp_path / "cmp"
    args = ["-c", "from experiments.plans.cli import main; main()", "compare", "funder_stays", "abrupt_exit"]
    args += ["--seeds", "8", "--jobs", "2", "--no-progress", "--out", str(out)]
    proc = _start(args, tmp_path)
    code, err, kids = _interrupt(proc, how, workers=3)  # the forkserver and two workers
    last = _check(code, err, kids, how, "cpsim-plans")
    assert f"nothing was written to {out}" in last
    assert not out.exists() and not out.with_name("cmp.partial").exists()


@pytest.fixture
def small_disk(tmp_path: Path):  # noqa: ANN201
    """A 2 MB tmpfs, nearly full (root only; skipped elsewhere)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here (not root)")
    try:
        (disk / "earlier.bin").write_bytes(b"\1" * 1_900_000)  # what the user already had: must survive
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def test_a_full_disk_gives_one_line_and_loses_nothing(small_disk: Path, tmp_path: Path) -> None:
    run_dir = small_disk / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "sim.cli", "population.n_children=20000", "progress=false", f"hydra.run.dir={run_dir}"],
        cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    last = [line for line in proc.stderr.splitlines() if line.strip()][-1]
    assert last.startswith(f"cpsim: error: cannot write {run_dir / 'results'}: No space left on device"), last
    assert not (run_dir / "results").exists() and not (run_dir / "results.partial").exists()
    assert (small_disk / "earlier.bin").stat().st_size == 1_900_000


def test_a_full_disk_marks_the_sweep_point_failed(small_disk: Path) -> None:
    from sim.point import run_point

    data = {"population": {"n_children": 20000}, "run": {"end_year": 2019}, "funding": {"withdrawal_shape": "none"}}
    out = run_point(data, [0, 1], small_disk / "0", {}, timeseries="weekly")
    assert out["status"] == "failed" and "No space left on device" in out["error"]
    info = json.loads((small_disk / "0" / "point" / "point.json").read_text())
    assert info["status"] == "failed" and "cannot write" in info["error"]
    assert not (small_disk / "0" / "point.partial").exists()
    assert (small_disk / "earlier.bin").stat().st_size == 1_900_000


def test_a_killed_compare_leaves_no_worker_behind(tmp_path: Path) -> None:
    """SIGKILL cannot be caught: the workers notice their parent is gone (experiments/common/orphans.py)."""
    args = ["-c", "from experiments.plans.cli import main; main()", "compare", "funder_stays", "abrupt_exit"]
    proc = _start([*args, "--seeds", "8", "--jobs", "2", "--no-progress", "--out", str(tmp_path / "cmp")], tmp_path)
    _wait_until(lambda: len(_descendants(proc.pid)) >= 3 or proc.poll() is not None)
    time.sleep(1.0)
    kids = _descendants(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    time.sleep(5)
    assert kids and not [k for k in kids if _alive(k)], "workers still running 5 s after the compare was killed"


def test_a_second_stress_test_on_a_busy_folder_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from experiments.plans.cli import main as plans_main

    out = tmp_path / "stress"
    out.mkdir()
    holder = _start(["-c", HOLD_LOCK, str(out)], tmp_path)  # as a running stress test holds it
    try:
        assert holder.stdout.readline().strip() == "locked"
        args = ["stress", "funder_stays", "abrupt_exit", "--futures", "2", "--seeds", "1", "--out", str(out)]
        with pytest.raises(SystemExit) as exc:
            plans_main([*args, "--set", "population.n_children=500", "--no-progress"])
    finally:
        holder.kill()
        holder.communicate()
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--out:" in err and f"is being written by pid {holder.pid}" in err
    assert not (out / "points").exists()


HOLD_LOCK = """
import sys, time
from experiments.sweeps.claim import lock_sweep
lock_sweep(sys.argv[1], "--out")
print("locked", flush=True)
time.sleep(120)
"""
