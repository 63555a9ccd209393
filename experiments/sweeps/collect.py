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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from scenarios.files import FileError, one_line, read_json
from sim.outputs import atomic_file
from sim.ownership import read_marker
from sim.point import POINT_DIR


@dataclass
class Sweep:
    runs: pd.DataFrame
    timeseries: pd.DataFrame
    points: pd.DataFrame
    params: list[str]  # parameter columns, in the order they were first met
    levels: dict[str, list[Any]]  # each parameter's values: numbers sorted, choices in sweep order
    corrupt: list[str] = field(default_factory=list)  # "<point dir>: <what is wrong>", counted as missing

    @property
    def swept(self) -> list[str]:
        return [p for p in self.params if len(self.levels[p]) > 1]


POINT_DEPTHS = ("point/point.json", "*/point/point.json", "*/*/point/point.json")  # a job dir, a sweep, a stress test


def point_dirs(root: Path) -> list[Path]:
    """Finished or failed point directories under `root` (job dirs of a sweep, or a single job dir); only as deep
    as cpsim puts them, so a folder such as /proc is not walked."""
    found = [p.parent for pattern in POINT_DEPTHS for p in Path(root).glob(pattern) if p.parent.name == POINT_DIR]
    return sorted(found, key=lambda d: (_job_number(d), str(d)))


def _job_number(point_dir: Path) -> int:
    name = point_dir.parent.name
    return int(name) if name.isdigit() else -1


def _read_table(path: Path) -> pa.Table | str:
    """One point's table, or what is wrong with it (a corrupt or truncated file)."""
    try:
        return pq.read_table(path)
    except (OSError, ValueError, pa.ArrowException) as exc:
        return f"{path.name}: cannot be read ({one_line(str(exc), 80) or type(exc).__name__})"


def _read_tables(dirs: list[Path], names: tuple[str, ...]) -> tuple[list[dict[str, pa.Table]], list[str]]:
    """Read many small parquet files (threads: pyarrow releases the GIL while decoding); per point its tables,
    or what is wrong with one of them."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        read = list(pool.map(lambda d: {n: _read_table(d / n) for n in names}, dirs))
    errors = [next((t for t in tables.values() if isinstance(t, str)), "") for tables in read]
    return read, errors


def _stack(tables: list[pa.Table]) -> pd.DataFrame:
    return pa.concat_tables(tables, promote_options="permissive").to_pandas() if tables else pd.DataFrame()


def _point_info(d: Path) -> dict[str, Any] | str:
    """A point's point.json, or what is wrong with it (truncated, not JSON, no status)."""
    try:
        info = read_json(d / "point.json", "point.json")
    except FileError as exc:
        return "point.json: " + str(exc).rsplit("point.json: ", 1)[-1]
    if not isinstance(info, dict) or info.get("status") not in ("ok", "failed"):
        return "point.json: no status ok/failed; expected a point written by cpsim"
    return info


def _foreign(d: Path, info: dict[str, Any], sweep: str | None) -> dict[str, Any] | str:
    """The point's info, or why it does not belong here: another sweep's point, or one copied from another job's
    folder (its point.json names the job it was run for)."""
    if sweep and info.get("sweep") != sweep:
        theirs = info.get("sweep") or "none recorded"
        return f"point.json: belongs to another sweep ({theirs}; this folder's is {sweep})"
    job = d.parent.name
    if job.isdigit() and info.get("job") is not None and int(job) != info["job"]:
        return f"point.json: the point of job {info['job']}, copied into job {job}'s folder"
    return info


def collect(root: Path) -> Sweep:
    """Every point under `root` as tidy tables. A point met twice (a re-ordered sweep copies it) counts once.
    A corrupt point (unreadable point.json or table) is listed in `Sweep.corrupt` and left out of the tables."""
    infos: list[tuple[Path, dict[str, Any]]] = []
    corrupt: list[str] = []
    seen: set[str] = set()
    sweep = (read_marker(root) or {}).get("sweep")
    for d in point_dirs(root):
        info = _point_info(d)
        info = _foreign(d, info, sweep) if isinstance(info, dict) else info
        if isinstance(info, str):
            corrupt.append(f"{d}: {info}")
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
    tables, errors = _read_tables(ok, ("runs.parquet", "timeseries.parquet"))
    good = [t for t, e in zip(tables, errors, strict=True) if not e]
    for d, error in zip(ok, errors, strict=True):
        if error:
            corrupt.append(f"{d}: {error}")
            points.loc[points.job_dir == str(d.parent), ["status", "error"]] = ["corrupt", error]
    runs = _stack([t["runs.parquet"] for t in good])
    timeseries = _stack([t["timeseries.parquet"] for t in good])
    if len(runs):  # each (point, seed) once, whatever copies a resume left behind
        runs = runs.drop_duplicates(["point_id", "seed"], ignore_index=True)
        time_key = "week" if "week" in timeseries else "year"
        timeseries = timeseries.drop_duplicates(["point_id", "seed", time_key], ignore_index=True)
    return Sweep(runs, timeseries, points, params, {p: _levels(points, p) for p in params}, corrupt)


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
