"""Write a run's results, resolved config, seed and package versions into a run directory, atomically.

Everything goes into `<run_dir>/results.partial/` first and is renamed to `<run_dir>/results/` only when
complete, so a crash never leaves a directory that looks finished.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import platform
import re
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from sim.ownership import check_owned, claim_file, mark_created
from sim.run import Results

PACKAGES = ("cpsim", "mesa", "numpy", "pandas", "pyarrow", "seaborn", "matplotlib", "hydra-core", "omegaconf")


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


@contextmanager
def atomic_dir(final: Path) -> Iterator[Path]:
    """Yield an empty `<final>.partial/` (marked as cpsim's) to write into; when the block ends without error it
    replaces `final`. A crash or an interrupt removes the `.partial` folder, so nothing half-written looks
    finished. Only what cpsim wrote is ever replaced or removed (sim/ownership.py): a `final` or `.partial`
    that is the user's is refused with `ForeignTarget` before anything is written."""
    final = Path(final)
    partial = final.with_name(final.name + ".partial")
    check_owned(final)
    check_owned(partial)
    if partial.exists():
        shutil.rmtree(partial)  # an earlier crash's, ours
    partial.mkdir(parents=True)
    mark_created(partial)
    try:
        yield partial
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)  # ours: nothing half-written stays behind
        raise
    check_owned(final)  # the user may have put something there while we ran
    if final.is_dir() and not any(final.iterdir()):
        final.rmdir()  # an empty folder the user chose
    elif final.exists():
        shutil.rmtree(final)  # an earlier result of ours
    os.replace(partial, final)


@contextmanager
def atomic_file(final: Path, claim: bool = True) -> Iterator[Path]:
    """Yield a hidden temporary name next to `final` to write; when the block ends without error it is renamed
    to `final` (and, with `claim`, recorded as cpsim's in its folder's marker). A file that is the user's is
    refused with `ForeignTarget` before anything is written; an error or interrupt removes the temporary file."""
    final = Path(final)
    check_owned(final)
    tmp = final.with_name(f".{final.stem}.{os.getpid()}.partial{final.suffix}")  # the suffix says the format
    try:
        yield tmp
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, final)
    if claim:
        claim_file(final)


def why(exc: OSError) -> str:
    """An OS error in plain words ("No space left on device"), also when a library wraps it in its own text."""
    if exc.errno:
        return os.strerror(exc.errno)
    found = re.search(r"\[errno (\d+)\]", str(exc), re.IGNORECASE)
    return os.strerror(int(found.group(1))) if found else str(exc)


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_results(results: Results, run_dir: Path, plots: bool = True, extra: dict | None = None) -> Path:
    """Write tables, summary and provenance; return the finished `results/` directory."""
    final = Path(run_dir) / "results"
    with atomic_dir(final) as partial:
        results.weekly.to_parquet(partial / "weekly.parquet", index=False)
        results.cases.to_parquet(partial / "cases.parquet", index=False)
        results.workers.to_parquet(partial / "workers.parquet", index=False)
        summary = {k: _json_safe(v) for k, v in results.summary.items()}
        (partial / "summary.json").write_text(json.dumps(summary, indent=2))
        (partial / "config.yaml").write_text(yaml.safe_dump(dataclasses.asdict(results.config), sort_keys=False))
        info = {
            "seed": results.seed,
            "command": " ".join(sys.argv),
            "versions": package_versions(),
            "platform": platform.platform(),
            **(extra or {}),
        }
        (partial / "run_info.json").write_text(json.dumps(info, indent=2))
        if plots:
            from sim.plots import plot_run  # matplotlib only when figures are wanted

            plot_run(results, partial / "figures")
    return final
