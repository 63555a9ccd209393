"""`cpsim` end to end: runs, prints a summary table, writes tables, summary, provenance and figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

SMALL_ARGS = ["population.n_children=5000", "run.end_year=2018", "funding.withdrawal_start_year=2017", "seed=7"]


def test_cpsim_runs_and_writes_a_complete_run_directory(tmp_path: Path) -> None:
    out = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "sim.cli", *SMALL_ARGS, f"hydra.run.dir={out}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Resolution rate" in proc.stdout and "makassar_pksai (seed 7)" in proc.stdout
    results = out / "results"
    assert not (out / "results.partial").exists()
    summary = json.loads((results / "summary.json").read_text())
    assert summary["seed"] == 7 and summary["children"] == 5000
    config = yaml.safe_load((results / "config.yaml").read_text())
    assert config["population"]["n_children"] == 5000 and config["run"]["end_year"] == 2018
    info = json.loads((results / "run_info.json").read_text())
    assert info["seed"] == 7 and info["versions"]["mesa"].startswith("3.")
    weekly = pd.read_parquet(results / "weekly.parquet")
    assert len(weekly) == 52 * 3
    cases = pd.read_parquet(results / "cases.parquet")
    assert len(cases) == summary["cases_opened"]
    # the default city's 28 posts at 5,000 of its 137,932 children: one per employer (scenarios/scale.py)
    assert summary["city_scale"] == pytest.approx(5000 / 137_932)
    assert sum(config["staffing"]["workers"].values()) == 3 <= len(pd.read_parquet(results / "workers.parquet"))
    for fig in ("cases", "workforce", "spending", "cascade"):
        assert (results / "figures" / f"{fig}.png").stat().st_size > 10_000


def test_cli_output_matches_the_python_api(tmp_path: Path) -> None:
    """The Hydra path and run(config, seed) give the same numbers for the same config and seed."""
    from sim.compose import scenario_dict
    from sim.run import run

    out = tmp_path / "run"
    subprocess.run(
        [sys.executable, "-m", "sim.cli", *SMALL_ARGS, "plots=false", "progress=false", f"hydra.run.dir={out}"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    on_disk = json.loads((out / "results" / "summary.json").read_text())
    small = {"population": {"n_children": 5000}, "run": {"end_year": 2018}, "funding": {"withdrawal_start_year": 2017}}
    direct = run(scenario_dict("makassar_pksai", small), seed=7).summary  # the default scenario, calibrated
    assert on_disk["cases_opened"] == direct["cases_opened"]
    assert on_disk["resolution_rate"] == direct["resolution_rate"]
