"""One sweep point: a model config run for K seeds inside one Hydra job, written atomically to the job dir.

A point is keyed by a hash of its resolved model config and seed list. Before running, the job looks for a
finished point with the same key, in its own directory or (through the sweep's index) in another job
directory of the same sweep, and reuses it: re-running an interrupted sweep redoes only missing or failed
points. A point that fails is written as `status: failed` with its config and error, and the sweep goes on.

Layout of `<job_dir>/point/`: point.json (key, status, seeds, params, error), runs.parquet (one row per
seed: params + every summary KPI), timeseries.parquet (per run, yearly or weekly), config.yaml, run_info.json.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import shutil
import time
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from scenarios.schema import Config
from scenarios.validate import config_from_dict
from sim.outputs import atomic_dir, package_versions, why
from sim.ownership import MARKER, read_marker
from sim.run import Results, run

POINT_DIR = "point"
INDEX_DIR = ".index"
# weekly columns that count events in a week: a year sums them; every other column is a level and is averaged
FLOW_PREFIXES = (
    "new_",
    "detected_",
    "reached_",
    "served_",
    "found_without_hub",
    "cases_",
    "opened_via_",
    "spend_",
    "referrals_sent",
    "referrals_accepted",
)
FLOW_PREFIXES += ("referrals_completed", "hires", "exits", "layoffs", "early_interventions")


def point_seeds(seed: int, replicates: int, seeds: list[int]) -> list[int]:
    """The job's seed list: the explicit list if given, else seed, seed+1, ..., the same for every point."""
    return list(seeds) if seeds else [seed + i for i in range(replicates)]


def point_key(config: Config, seeds: list[int], timeseries: str) -> str:
    """A stable hash of what determines the results: the resolved model config, the seeds, the kept series."""
    payload = {"config": dataclasses.asdict(config), "seeds": list(seeds), "timeseries": timeseries}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:16]


def yearly(weekly: pd.DataFrame) -> pd.DataFrame:
    """Weekly table to one row per calendar year: flows summed, levels averaged."""
    cols = [c for c in weekly.columns if c not in ("week", "year")]
    how = {c: "sum" if c.startswith(FLOW_PREFIXES) else "mean" for c in cols}
    return weekly.groupby("year", as_index=False).agg(how)


def read_point(point_dir: Path) -> dict[str, Any] | None:
    try:
        return json.loads((point_dir / "point.json").read_text())
    except (OSError, ValueError):
        return None


def finished(point_dir: Path, key: str) -> bool:
    """A whole point for this key: point.json says ok and its tables can be read (a corrupt one is redone)."""
    info = read_point(point_dir)
    if not (isinstance(info, dict) and info.get("status") == "ok" and info.get("key") == key):
        return False
    try:
        for name in ("runs.parquet", "timeseries.parquet"):
            pq.read_metadata(point_dir / name)
    except (OSError, ValueError, pa.ArrowException):
        return False
    return True


def run_point(
    data: Mapping[str, Any],
    seeds: list[int],
    job_dir: Path,
    params: Mapping[str, Any],
    timeseries: str = "yearly",
    sweep_dir: Path | None = None,
    resume: bool = True,
    job: int = 0,
    simulate: Callable[[Config, int], Results] | None = None,
) -> dict[str, Any]:
    """Run (or reuse) one point; never raise on a model error. Returns a small dict for Hydra.
    `simulate(config, seed)` defaults to `sim.run.run`."""
    final = Path(job_dir) / POINT_DIR
    base = {"job": job, "seeds": list(seeds), "params": dict(params), "timeseries": timeseries}
    if sweep_dir is not None:  # which sweep the point belongs to: cpsim-collect leaves out another sweep's points
        base["sweep"] = (read_marker(Path(sweep_dir)) or {}).get("sweep")
    started = time.perf_counter()
    try:
        config = config_from_dict(data)
        key = point_key(config, seeds, timeseries)
        if resume and finished(final, key):
            return {"point": key, "status": "reused", "from": str(final)}
        if sweep_dir is not None:
            _displace(final, key, Path(sweep_dir))
        if resume and sweep_dir is not None and (other := _reuse(final, key, Path(sweep_dir), base)):
            return {"point": key, "status": "reused", "from": str(other)}
        runs, series = _simulate(config, seeds, params, job, key, timeseries, simulate or run)
    except Exception as exc:  # a failing point is recorded and the sweep goes on
        info = {**base, "key": None, "status": "failed", "error": f"{type(exc).__name__}: {exc}"}
        info["traceback"] = traceback.format_exc()
        _write(final, info, config_data=dict(data))
        return {"point": None, "status": "failed", "error": info["error"]}
    info = {**base, "key": key, "status": "ok", "wall_seconds": round(time.perf_counter() - started, 3)}
    try:
        _write(final, info, config_data=dataclasses.asdict(config), runs=runs, series=series)
        if sweep_dir is not None:
            _index(Path(sweep_dir), key, final)
    except OSError as exc:  # a full disk, a folder taken away: the point is marked failed (if it can be) and redone
        error = f"cannot write {final}: {why(exc)}"
        with contextlib.suppress(OSError):  # if nothing fits: no point folder at all, which a resume also redoes
            _write(final, {**base, "key": key, "status": "failed", "error": error}, config_data=dict(data))
        return {"point": key, "status": "failed", "error": error}
    return {"point": key, "status": "ok", "resolution_rate": _mean(runs, "resolution_rate")}


def _simulate(
    config: Config,
    seeds: list[int],
    params: Mapping[str, Any],
    job: int,
    key: str,
    timeseries: str,
    simulate: Callable[[Config, int], Results],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows, frames = [], []
    for seed in seeds:
        t0 = time.perf_counter()
        res = simulate(config, seed)
        ids = {"point_id": key, "job": job, "seed": seed}
        rows.append({**ids, **params, **res.summary, "seed": seed, "wall_seconds": time.perf_counter() - t0})
        series = yearly(res.weekly) if timeseries == "yearly" else res.weekly
        frames.append(series.assign(**ids))
    series = pd.concat(frames, ignore_index=True)
    front = ["point_id", "job", "seed"]
    return pd.DataFrame(rows), series[front + [c for c in series.columns if c not in front]]


def _reuse(final: Path, key: str, sweep_dir: Path, base: dict[str, Any]) -> Path | None:
    """A finished point with this key elsewhere in the sweep (the index says where), copied here and recorded as
    this job's (its point.json says where it came from)."""
    try:
        other = Path((sweep_dir / INDEX_DIR / key).read_text().strip())
    except OSError:
        return None
    if not finished(other, key) or other.resolve() == final.resolve():
        return None
    info = {**(read_point(other) or {}), **base, "copied_from": str(other)}
    with atomic_dir(final) as partial:
        shutil.copytree(other, partial, dirs_exist_ok=True, ignore=shutil.ignore_patterns(MARKER))
        (partial / "point.json").write_text(json.dumps(info, indent=2, default=str))
        for name in ("runs.parquet", "timeseries.parquet"):  # the rows say which job they now belong to
            pd.read_parquet(partial / name).assign(job=base["job"]).to_parquet(partial / name, index=False)
    return other


def _displace(final: Path, key: str, sweep_dir: Path) -> None:
    """Keep a finished point of another key that sits in this job dir (the sweep was re-ordered) in the
    index's stash, so the job that now owns it can still find it."""
    info = read_point(final)
    if info is None or info.get("status") != "ok" or info.get("key") in (None, key):
        return
    stash = sweep_dir / INDEX_DIR / "stash" / info["key"]
    shutil.rmtree(stash, ignore_errors=True)
    stash.parent.mkdir(parents=True, exist_ok=True)
    os.replace(final, stash)
    _index(sweep_dir, info["key"], stash)


def _write(
    final: Path,
    info: dict[str, Any],
    config_data: dict[str, Any],
    runs: pd.DataFrame | None = None,
    series: pd.DataFrame | None = None,
) -> None:
    """Write the point into point.partial/, then rename: a crash never leaves a point that looks finished."""
    with atomic_dir(final) as partial:
        if runs is not None and series is not None:
            runs.to_parquet(partial / "runs.parquet", index=False)
            series.to_parquet(partial / "timeseries.parquet", index=False)
        (partial / "config.yaml").write_text(yaml.safe_dump(config_data, sort_keys=False))
        (partial / "run_info.json").write_text(json.dumps({"versions": package_versions()}, indent=2))
        (partial / "point.json").write_text(json.dumps(info, indent=2, default=str))


def _index(sweep_dir: Path, key: str, final: Path) -> None:
    """Record where the point with this key lives, so a re-ordered sweep can find it (atomic rename)."""
    index = sweep_dir / INDEX_DIR
    index.mkdir(parents=True, exist_ok=True)
    tmp = index / f".{key}.{os.getpid()}"
    tmp.write_text(str(final.resolve()))
    os.replace(tmp, index / key)


def _mean(runs: pd.DataFrame, column: str) -> float | None:
    value = runs[column].mean() if column in runs else None
    return None if value is None or value != value else float(value)
