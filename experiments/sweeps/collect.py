"""Gather every sweep point under a directory into tidy parquet tables (schema: docs/sweeps.md).

  runs.parquet        one row per run (point x seed): point_id, job, seed, the point's parameters, every KPI
  timeseries.parquet  one row per run and year (or week): point_id, job, seed, year, the weekly columns
  points.parquet      one row per point: point_id, job, status, error, n_seeds, wall_seconds, job_dir, parameters
  sweep.json          the parameter columns, the swept ones (more than one value) and their values in order

Each table is written to `<name>.partial` and renamed, so a reader never sees half a table.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.outputs import atomic_file
from sim.point import POINT_DIR, read_point


@dataclass
class Sweep:
    runs: pd.DataFrame
    timeseries: pd.DataFrame
    points: pd.DataFrame
    params: list[str]  # parameter columns, in the order they were first met
    levels: dict[str, list[Any]]  # each parameter's values: numbers sorted, choices in sweep order

    @property
    def swept(self) -> list[str]:
        return [p for p in self.params if len(self.levels[p]) > 1]


def point_dirs(root: Path) -> list[Path]:
    """Finished or failed point directories under `root` (job dirs of a sweep, or a single job dir)."""
    found = [p.parent for p in Path(root).rglob("point.json") if p.parent.name == POINT_DIR]
    return sorted(found, key=lambda d: (_job_number(d), str(d)))


def _job_number(point_dir: Path) -> int:
    name = point_dir.parent.name
    return int(name) if name.isdigit() else -1


def _read_tables(dirs: list[Path], name: str) -> pd.DataFrame:
    """Read and stack many small parquet files (threads: pyarrow releases the GIL while decoding)."""
    if not dirs:
        return pd.DataFrame()
    with ThreadPoolExecutor(max_workers=8) as pool:
        tables = list(pool.map(lambda d: pq.read_table(d / name), dirs))
    return pa.concat_tables(tables, promote_options="permissive").to_pandas()


def collect(root: Path) -> Sweep:
    """Every point under `root` as tidy tables. A point met twice (a re-ordered sweep copies it) counts once."""
    infos: list[tuple[Path, dict[str, Any]]] = []
    seen: set[str] = set()
    for d in point_dirs(root):
        info = read_point(d)
        if info is None:
            continue
        if info.get("key") and info["status"] == "ok":
            if info["key"] in seen:
                continue
            seen.add(info["key"])
        infos.append((d, info))
    params: list[str] = []
    for _, info in infos:
        params += [p for p in info.get("params", {}) if p not in params]
    points = pd.DataFrame(
        [
            {
                "point_id": info.get("key"),
                "job": info.get("job"),
                "status": info["status"],
                "error": info.get("error"),
                "n_seeds": len(info.get("seeds", [])),
                "wall_seconds": info.get("wall_seconds"),
                "job_dir": str(d.parent),
                **info.get("params", {}),
            }
            for d, info in infos
        ],
        columns=["point_id", "job", "status", "error", "n_seeds", "wall_seconds", "job_dir", *params],
    )
    ok = [d for d, info in infos if info["status"] == "ok"]
    runs = _read_tables(ok, "runs.parquet")
    timeseries = _read_tables(ok, "timeseries.parquet")
    return Sweep(runs, timeseries, points, params, {p: _levels(points, p) for p in params})


def _levels(points: pd.DataFrame, param: str) -> list[Any]:
    values = points.sort_values("job")[param].dropna()
    unique = list(dict.fromkeys(values.tolist()))
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in unique):
        return sorted(unique)
    return unique


def write_tables(root: Path, sweep: Sweep | None = None) -> Sweep:
    """Collect `root` and write runs / timeseries / points tables and sweep.json into it, atomically."""
    root = Path(root)
    sweep = sweep or collect(root)
    for name, frame in (("runs", sweep.runs), ("timeseries", sweep.timeseries), ("points", sweep.points)):
        with atomic_file(root / f"{name}.parquet") as tmp:
            frame.to_parquet(tmp, index=False)
    meta = {"params": sweep.params, "swept": sweep.swept, "levels": sweep.levels}
    with atomic_file(root / "sweep.json") as tmp:
        tmp.write_text(json.dumps(meta, indent=2, default=str))
    return sweep


def load(root: Path) -> Sweep:
    """Read the collected tables back (what the report and notebooks use)."""
    root = Path(root)
    meta = json.loads((root / "sweep.json").read_text())
    read = lambda name: pd.read_parquet(root / f"{name}.parquet")  # noqa: E731
    return Sweep(read("runs"), read("timeseries"), read("points"), meta["params"], meta["levels"])
