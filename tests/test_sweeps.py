"""Sweeps end to end: multirun -> points -> collect -> tables, figures and report; resume; failures."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import sim.overrides as overrides
import sim.point as point
from experiments.sweeps.collect import collect, load, write_tables
from sim.cli import main
from sim.run import run

TINY = ["population.n_children=3000", "run.end_year=2017", "funding.withdrawal_start_year=2016"]
TINY_DICT = {"population": {"n_children": 3000}, "run": {"end_year": 2017}, "funding": {"withdrawal_start_year": 2016}}


def sweep(root: Path, *args: str, report: bool = False) -> Path:
    options = ["progress=false", "plots=false", f"hydra.sweep.dir={root}", f"hydra.callbacks.collect.report={report}"]
    main(["-m", *args, *TINY, *options])
    return root


class CountingRun:
    """Stands in for `sim.run.run`: counts calls and can raise KeyboardInterrupt (Ctrl-C) at call `stop_at`."""

    def __init__(self, stop_at: int | None = None) -> None:
        self.calls, self.stop_at = 0, stop_at

    def __call__(self, config, seed):
        self.calls += 1
        if self.calls == self.stop_at:
            raise KeyboardInterrupt
        return run(config, seed)


@pytest.mark.slow
def test_tiny_multirun_end_to_end(tmp_path: Path) -> None:
    root = sweep(tmp_path / "s", "+experiment=demo", "replicates=2", report=True)
    tables = load(root)
    assert len(tables.points) == 4 and (tables.points.status == "ok").all()
    assert len(tables.runs) == 8 and sorted(tables.runs.seed.unique()) == [0, 1]  # same seeds at every point
    assert tables.swept == ["staffing.workers.local", "training_regime"]
    assert len(tables.timeseries) == 8 * 2  # two simulated years per run
    for kind in ("heatmap_coverage", "trajectories", "dose_response", "prevention"):
        assert (root / "figures" / f"{kind}.png").stat().st_size > 10_000
        assert f"figures/{kind}.png" in (root / "report.md").read_text()
    effects = pd.read_csv(root / "effects.csv")
    mentoring = effects[(effects.level == "classroom_mentoring") & (effects.kpi == "resolution_rate")]
    assert mentoring.pairs.tolist() == [4]  # 2 seeds x 2 staffing levels, paired


def test_resume_after_interruption_redoes_nothing_finished(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    args = ("staffing.workers.local=0,8,16", "replicates=2")
    interrupted = CountingRun(stop_at=5)  # points 0 and 1 finish (4 runs); Ctrl-C in point 2
    monkeypatch.setattr(point, "run", interrupted)
    with pytest.raises(SystemExit) as exc:  # Ctrl-C ends cpsim with one line and exit status 130
        sweep(tmp_path / "s", *args)
    assert exc.value.code == 130
    done = {j: (tmp_path / "s" / str(j) / "point" / "point.json").stat().st_mtime_ns for j in (0, 1)}
    assert not (tmp_path / "s" / "2" / "point").exists()  # nothing that looks finished
    again = CountingRun()
    monkeypatch.setattr(point, "run", again)
    sweep(tmp_path / "s", *args)
    assert again.calls == 2  # only point 2's two seeds
    assert {j: (tmp_path / "s" / str(j) / "point" / "point.json").stat().st_mtime_ns for j in (0, 1)} == done
    assert len(load(tmp_path / "s").runs) == 6


def test_reordered_sweep_reuses_points_by_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(point, "run", CountingRun(stop_at=3))  # 0 and 16 finish; Ctrl-C in 8
    with pytest.raises(SystemExit):
        sweep(tmp_path / "s", "staffing.workers.local=0,16,8")
    counter = CountingRun()
    monkeypatch.setattr(point, "run", counter)
    sweep(tmp_path / "s", "staffing.workers.local=8,0,16")  # the same sweep re-ordered: 0 and 16 found by key
    assert counter.calls == 1
    runs = load(tmp_path / "s").runs
    assert sorted(runs["staffing.workers.local"]) == [0, 8, 16]
    assert sorted(runs.job) == [0, 1, 2]  # each point recorded as the job it now belongs to


def test_failing_point_is_recorded_and_others_go_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # caseload_norm 30 > caseload_cap 25 breaks a cross-field rule only this point's composed config meets;
    # `cpsim` stops such a sweep before it starts (test_hydra_cli.py), except for jobs beyond the ones it checks
    monkeypatch.setattr(overrides, "MAX_CHECKED_JOBS", 0)
    sweep(tmp_path / "s", "staffing.caseload_norm=10,30,20")
    tables = load(tmp_path / "s")
    assert tables.points.status.tolist() == ["ok", "failed", "ok"]
    assert "staffing.caseload_norm: 30" in tables.points.error[1]
    assert sorted(tables.runs["staffing.caseload_norm"]) == [10, 20]
    failed = tmp_path / "s" / "1" / "point"
    assert json.loads((failed / "point.json").read_text())["params"]["staffing.caseload_norm"] == 30
    assert (failed / "config.yaml").exists()
    before = (failed / "point.json").stat().st_mtime_ns
    counter = CountingRun()
    monkeypatch.setattr(point, "run", counter)
    sweep(tmp_path / "s", "staffing.caseload_norm=10,30,20")
    assert counter.calls == 0  # finished points are not run again ...
    assert (failed / "point.json").stat().st_mtime_ns > before  # ... the failed one is retried (and fails again)


def test_collect_schema(tmp_path: Path) -> None:
    seeds = [3, 4]
    for job, donors in enumerate((5, 15)):
        data = {**TINY_DICT, "staffing": {"workers": {"national": 10, "local": 8, "donor": donors}}}
        point.run_point(data, seeds, tmp_path / str(job), {"staffing.workers.donor": donors}, job=job)
    tables = collect(tmp_path)
    kpis = list(run(TINY_DICT, 0).summary)
    runs = tables.runs
    assert list(runs.columns[:4]) == ["point_id", "job", "seed", "staffing.workers.donor"]
    assert set(kpis) <= set(runs.columns) and "wall_seconds" in runs
    assert len(runs) == 4 and runs.groupby("point_id").seed.apply(sorted).tolist() == [seeds, seeds]
    assert runs.point_id.str.fullmatch("[0-9a-f]{16}").all()
    ts = tables.timeseries
    assert list(ts.columns[:4]) == ["point_id", "job", "seed", "year"]
    assert ts.groupby(["point_id", "seed"]).size().tolist() == [2, 2, 2, 2]  # yearly rows
    assert {"cases_resolved", "backlog", "spend_local"} <= set(ts.columns)
    assert list(tables.points.columns[:7]) == [
        "point_id",
        "job",
        "status",
        "error",
        "n_seeds",
        "wall_seconds",
        "job_dir",
    ]
    write_tables(tmp_path)
    assert load(tmp_path).levels == {"staffing.workers.donor": [5, 15]}


def test_yearly_sums_flows_and_averages_levels() -> None:
    weekly = pd.DataFrame({"week": range(4), "year": [2015, 2015, 2016, 2016], "cases_opened": [1, 2, 3, 4]})
    weekly["backlog"] = [10, 20, 30, 50]
    out = point.yearly(weekly)
    assert out.cases_opened.tolist() == [3, 7] and out.backlog.tolist() == [15, 40]


def test_submitit_local_launcher(tmp_path: Path) -> None:
    root = sweep(tmp_path / "s", "hydra/launcher=submitit_local", "staffing.workers.donor=0,5")
    assert (root / ".submitit").is_dir()
    assert (load(root).points.status == "ok").all() and len(load(root).runs) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["+experiment=nope"], "experiment: 'nope' is not allowed; expected one of demo"),
        (["+training_regime=some"], "training_regime: 'some' is not allowed"),
        (["replicates=0"], "replicates: 0 is not allowed"),
        (["timeseries=daily"], "timeseries: 'daily' is not allowed; expected one of yearly, weekly"),
    ],
)
def test_bad_sweep_input_is_one_line_exit_2(args, message, tmp_path, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["-m", *args, f"hydra.sweep.dir={tmp_path}/s"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.startswith(f"cpsim: error: {message}") and err.count("\n") == 1
    assert not (tmp_path / "s").exists()
