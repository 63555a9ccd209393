"""`cpsim`: run one simulation (or a Hydra multirun) from the embedded scenarios.

Every override is checked against the schema before Hydra starts (every job of a sweep), so a bad value gives
one line naming the field, the value and what is allowed, exit status 2, and no output directory. Hydra's own
flags (--help, -sc, --cfg, --info, ...) go to Hydra untouched.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Any

import hydra
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf
from tqdm import tqdm

from scenarios.files import one_line
from scenarios.validate import ConfigError, config_from_dict
from sim.app_config import APP_KEYS, CONFIG_NAME, CONFIG_PATH, register
from sim.interrupt import interruptible, say_on_interrupt
from sim.outcomes import HEADLINE, OUTCOMES
from sim.outputs import why, write_results
from sim.overrides import check_command_line
from sim.ownership import ForeignTarget, check_owned
from sim.point import POINT_DIR, point_seeds, run_point
from sim.run import run

register()

DEFAULT_SCENARIO = "makassar_pksai"  # must match the `scenario:` default in sim/conf/config.yaml


def format_summary(summary: dict[str, Any]) -> str:
    """The run's headline outcomes (sim/outcomes.py: HEADLINE), labelled and formatted by the registry."""
    rows = [(OUTCOMES[key].table_label, OUTCOMES[key].format(summary.get(key))) for key in HEADLINE]
    width = max(len(label) for label, _ in rows)
    size = f"{summary['children']:,} children"
    if summary["city_scale"] != 1:
        size += f" ({summary['city_scale']:.1%} of the scenario's {summary['reference_children']:,}: staff, capacities "
        size += "and budgets scaled alike)"
    lines = [f"{'scenario':<{width}}  {summary['scenario']} (seed {summary['seed']}), {size}"]
    lines += [f"{label:<{width}}  {text}" for label, text in rows]
    return "\n".join(lines)


@hydra.main(config_path=CONFIG_PATH, config_name=CONFIG_NAME, version_base=None)
def hydra_app(cfg: DictConfig) -> float | dict[str, Any]:
    for noisy in ("MESA", "matplotlib"):  # Hydra sets the root logger to INFO; Mesa logs every step there
        logging.getLogger(noisy).setLevel(logging.WARNING)
    data = OmegaConf.to_container(cfg, resolve=True)
    options = {key: data.pop(key) for key in APP_KEYS}
    seeds = point_seeds(options["seed"], options["replicates"], options["seeds"])
    hydra_cfg = HydraConfig.get()
    if hydra_cfg.mode == RunMode.MULTIRUN or len(seeds) > 1 or options["seeds"]:
        return sweep_job(data, seeds, options)
    config = config_from_dict(data)
    out = Path(HydraConfig.get().runtime.output_dir)
    try:  # before the run: a `results` folder that is the user's is never replaced
        check_owned(out / "results", "hydra.run.dir")
        check_owned(out / "results.partial", "hydra.run.dir")
    except ForeignTarget as exc:
        stop(str(exc), 2)
    say_on_interrupt(f"nothing was written to {out / 'results'}")
    started = time.perf_counter()
    quiet = not options["progress"]
    with tqdm(total=config.n_weeks, unit="wk", desc=config.run.name, disable=quiet, leave=False) as bar:
        results = run(config, options["seed"], progress=lambda week, n: bar.update(1))
    elapsed = time.perf_counter() - started
    try:
        written = write_results(results, out, plots=options["plots"], extra={"wall_seconds": round(elapsed, 3)})
    except OSError as exc:  # a full disk, a folder taken away: one line, and no half-written results folder
        stop(f"cannot write {out / 'results'}: {why(exc)}; nothing was kept", 1)
    print(format_summary(results.summary))
    print(f"\n{config.n_weeks} weeks in {elapsed:.1f} s; results in {written}")
    value = results.summary.get(options["objective"] or "resolution_rate")  # the objective's value, if one is set
    return float("nan") if value is None else float(value)


def stop(message: str, status: int) -> None:
    """End the command with one line (inside a Hydra job: SystemExit passes Hydra's error report)."""
    print(one_line(f"cpsim: error: {message}"), file=sys.stderr)
    raise SystemExit(status)


def sweep_job(data: dict[str, Any], seeds: list[int], options: dict[str, Any]) -> float | dict[str, Any]:
    """One Hydra job of a sweep: this point's config for every seed, written to the job dir (or reused).
    Returns the point's status, or with `objective` set the objective's mean over the seeds (for a sweeper that
    optimises: Optuna's wants a number)."""
    hydra_cfg = HydraConfig.get()
    multirun = hydra_cfg.mode == RunMode.MULTIRUN
    out = run_point(
        data,
        seeds,
        Path(hydra_cfg.runtime.output_dir),
        params=point_params(list(hydra_cfg.overrides.task), data, dict(hydra_cfg.runtime.choices)),
        timeseries=options["timeseries"],
        sweep_dir=Path(hydra_cfg.sweep.dir) if multirun else None,
        resume=options["resume"],
        job=int(hydra_cfg.job.num) if multirun else 0,
    )
    log = logging.getLogger("cpsim")
    log.info("point %s: %s (%d seeds)", out["point"], out["status"], len(seeds))
    if out["status"] == "failed":
        log.error("point failed (a resume redoes it): %s", one_line(out["error"]))
    if options["objective"]:
        return objective_mean(Path(hydra_cfg.runtime.output_dir) / POINT_DIR, options["objective"], out["status"])
    return out


def objective_mean(point_dir: Path, objective: str, status: str) -> float:
    """The objective's mean over the point's seeds that have a value (as the point's resolution rate); NaN when
    none has one or the point failed, which a sweeper that optimises counts as a failed trial."""
    if status == "failed":
        return float("nan")
    value = pd.read_parquet(point_dir / "runs.parquet", columns=[objective])[objective].mean()
    return float(value)


def point_params(task_overrides: list[str], data: dict[str, Any], choices: dict[str, Any]) -> dict[str, Any]:
    """The job's own settings from its overrides: resolved field values, and group choices by group name."""
    params: dict[str, Any] = {}
    for ov in OverridesParser.create().parse_overrides(task_overrides):
        key = ov.key_or_group
        if key.startswith("hydra") or key in APP_KEYS or ov.is_delete():
            continue
        if key in choices:  # a config group: the chosen option
            params[key] = str(choices[key])
            continue
        node: Any = data
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, (bool, int, float, str)):
            params[key] = node
    return params


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        check_command_line(args)
    except ConfigError as exc:
        print(one_line(f"cpsim: error: {exc}"), file=sys.stderr)
        sys.exit(2)
    sys.argv = [sys.argv[0], *args]
    with interruptible("cpsim"):
        hydra_app()


if __name__ == "__main__":
    main()
