"""A sweep folder belongs to one sweep, written by one process at a time.

When a multirun starts, its folder's marker (sim/ownership.py) records the sweep's identity: a hash of what
decides its points (the composed config, the sweeper's settings — its parameters, and for Optuna its trials,
sampler and direction — and the command-line overrides, less Hydra's own settings and the options that change
no result). The same sweep may come back to its folder (a
resume); a different sweep, or a folder holding files cpsim did not write, is refused with one line. A lock
file keeps a second process out while the first writes.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Glob
from omegaconf import DictConfig, OmegaConf

from scenarios.files import show
from sim.ownership import LOCK, ForeignTarget, mark_created, read_marker, stamp

NO_EFFECT = ("progress", "resume", "report")  # options that change no point
PARALLELISM = ("n_jobs", "max_batch_size")  # sweeper settings that change how many run at once, not what runs


class SweepBusy(RuntimeError):
    """Another process holds the sweep folder's lock. One line."""


def sweep_identity(config: DictConfig) -> str:
    """A stable hash of what decides a sweep's points."""
    body = OmegaConf.to_container(config, resolve=False)
    body.pop("hydra", None)
    for key in NO_EFFECT:
        body.pop(key, None)
    task = config.hydra.overrides.task
    kept = [o for o in task if not o.startswith(("hydra.", "hydra/")) and o.split("=")[0] not in NO_EFFECT]
    overrides = sorted(_in_any_order(o) for o in kept)
    sweeper = OmegaConf.to_container(config.hydra.sweeper, resolve=False)
    for key in PARALLELISM:
        sweeper.pop(key, None)
    payload = {"config": body, "overrides": overrides, "sweeper": sweeper}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _in_any_order(override: str) -> str:
    """A choice sweep (`key=a,b,c`) whatever the order of its values: a re-ordered sweep is the same sweep."""
    parsed = OverridesParser.create().parse_overrides([override])[0]
    if parsed.is_choice_sweep() and not isinstance(parsed.value(), Glob):  # a glob needs the config loader: as written
        return f"{parsed.get_key_element()}={sorted(parsed.sweep_string_iterator())}"
    return override


def claim_sweep(sweep_dir: Path, identity: str) -> None:
    """Take `sweep_dir` for the sweep `identity`: new or empty (marked now), or already this sweep's (a resume).
    Anything else is refused with one line saying where to go."""
    sweep_dir = Path(sweep_dir)
    marker = read_marker(sweep_dir)
    if marker and marker.get("sweep"):
        if marker["sweep"] != identity:
            theirs = (marker.get("created") or {}).get("command", "another command")
            raise ForeignTarget(
                f"hydra.sweep.dir: {show(sweep_dir, 160)} holds another sweep ({show(theirs, 120)}); to resume "
                "that sweep run its command again; for this one choose a new hydra.sweep.dir"
            )
        return
    if sweep_dir.exists() and any(p.name != LOCK for p in sweep_dir.iterdir()):
        raise ForeignTarget(
            f"hydra.sweep.dir: {show(sweep_dir, 160)} already holds files that are not this sweep's (no sweep in its "
            ".cpsim.json); expected a new or empty folder, or the folder of the same sweep (resume)"
        )
    sweep_dir.mkdir(parents=True, exist_ok=True)
    mark_created(sweep_dir, sweep=identity)


_held: dict[Path, IO[str]] = {}  # the locks this process holds, by folder


def lock_sweep(sweep_dir: Path, option: str = "hydra.sweep.dir") -> IO[str]:
    """Hold the sweep folder's lock for as long as the returned file is open; `SweepBusy` if another process
    has it. In one process (a notebook, the tests) a new sweep of the folder takes over an earlier, ended one's
    lock (an interrupted sweep never reached its end to let it go)."""
    Path(sweep_dir).mkdir(parents=True, exist_ok=True)
    if (earlier := _held.pop(Path(sweep_dir).resolve(), None)) is not None:
        earlier.close()
    handle = open(Path(sweep_dir) / LOCK, "a+")  # noqa: SIM115 - held open for the whole sweep
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise SweepBusy(
            f"{option}: {show(sweep_dir, 160)} is being written by {holder}; wait until it ends (then run the "
            f"same command to resume), or choose another {option}"
        ) from None
    handle.seek(0)
    handle.truncate()
    info = stamp()
    handle.write(f"pid {info['pid']} ({show(info['command'], 100)}, since {info['time']})")
    handle.flush()
    _held[Path(sweep_dir).resolve()] = handle
    return handle


def resume_command(sweep_dir: Path, argv: Sequence[str]) -> str:
    """The command line that resumes this sweep: the same arguments, pinned to the same sweep folder."""
    args = [a for a in argv if not a.startswith("hydra.sweep.dir=")]
    return shlex.join(["cpsim", *args, f"hydra.sweep.dir={sweep_dir}"])
