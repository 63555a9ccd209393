"""`cpsim`: run one simulation (or a Hydra multirun) from the embedded scenarios.

Every override is checked against the schema before Hydra starts, so a bad value gives one line naming the
field, the value and what is allowed, exit status 2, and no output directory.
"""

from __future__ import annotations

import itertools
import logging
import sys
import time
from importlib import resources
from pathlib import Path
from typing import Any

import hydra
from hydra import compose, initialize_config_module
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf
from tqdm import tqdm

from experiments.point import point_seeds, run_point
from sim.app_config import APP_KEYS, AppConfig, register
from sim.outputs import write_results
from sim.run import run
from sim.validate import ConfigError, build, config_from_dict

register()

DEFAULT_SCENARIO = "makassar_pksai"  # must match the `scenario:` default in scenarios/config.yaml

SUMMARY_ROWS = (
    ("Incidence of harm per 1,000 child-years", "incidence_per_1000_child_years", "{:.1f}"),
    ("Detected share of harm", "detected_share", "{:.1%}"),
    ("Cases opened", "cases_opened", "{:,}"),
    ("Resolution rate (of closed cases)", "resolution_rate", "{:.1%}"),
    ("  high-severity cases", "resolution_rate_high_severity", "{:.1%}"),
    ("Median weeks to resolution", "median_weeks_to_resolution", "{:.0f}"),
    ("Backlog at end (waiting + active)", "backlog_end", "{:,}"),
    ("Recurrence within 52 weeks", "recurrence_52w", "{:.1%}"),
    ("Referral completion rate", "referral_completion_rate", "{:.1%}"),
    ("Mean caseload per worker", "mean_caseload", "{:.1f}"),
    ("Worker turnover per year", "turnover_per_year", "{:.1%}"),
    ("Spend, funder (Rp m)", "spend_funder", "{:,.0f}"),
    ("Spend, local government (Rp m)", "spend_local", "{:,.0f}"),
    ("Spend, national (Rp m)", "spend_national", "{:,.0f}"),
    ("Cost per resolved case (Rp m)", "cost_per_resolved_case", "{:.2f}"),
    ("Sustainability index (after exit / before)", "sustainability_index", "{:.2f}"),
    ("Scorecard (0-100)", "scorecard_total", "{:.1f}"),
)


def scenario_names() -> list[str]:
    folder = resources.files("scenarios") / "scenario"
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def experiment_groups() -> dict[str, list[str]]:
    """The sweep config groups in `experiments/` (experiment, coordination_level, ...) and their options."""
    root = resources.files("experiments")
    groups = [d for d in root.iterdir() if d.is_dir() and not d.name.startswith(("_", ".")) and d.name != "hydra"]
    return {
        d.name: sorted(p.name.removesuffix(".yaml") for p in d.iterdir() if p.name.endswith(".yaml")) for d in groups
    }


def _nested(key: str, value: Any) -> dict[str, Any]:
    out: Any = value
    for part in reversed(key.split(".")):
        out = {part: out}
    return out


def _values(override: Any) -> list[Any]:
    if override.is_sweep_override():
        return list(override.sweep_iterator())
    return [override.value()]


def check_overrides(args: list[str]) -> None:
    """Validate command-line overrides against the schema, then the composed config; raise ConfigError."""
    candidates = [a for a in args if "=" in a and not a.startswith("-")]
    try:
        overrides = OverridesParser.create().parse_overrides(candidates)
    except Exception as exc:  # Hydra's grammar errors are multi-line: keep the first line
        raise ConfigError(str(exc).strip().splitlines()[0]) from None
    choices: list[list[str]] = []
    for ov in overrides:
        key = ov.key_or_group
        if key.startswith("hydra") or ov.is_delete():
            continue
        values = _check_override(ov)
        # compose every scenario in a sweep, and the first value of any other swept field
        choices.append([f"{ov.get_key_element()}={v}" for v in (values if key == "scenario" else values[:1])])
    # cross-field rules need the whole composed config: check every scenario choice with the first sweep values
    for combo in itertools.product(*choices) if choices else [()]:
        with initialize_config_module(config_module="scenarios", version_base=None):
            try:
                composed = compose("config", overrides=list(combo), return_hydra_config=True)
            except Exception as exc:
                raise ConfigError(str(exc).strip().splitlines()[0]) from None
        data = OmegaConf.to_container(composed, resolve=False)
        # an experiment file's sweep values get the same checks as swept values typed on the command line
        sweep = data.pop("hydra").get("sweeper", {}).get("params") or {}
        for ov in OverridesParser.create().parse_overrides([f"{k}={v}" for k, v in sweep.items()]):
            _check_override(ov)
        build(AppConfig, {key: data.pop(key) for key in APP_KEYS if key in data})
        config_from_dict(data)


def _check_override(ov: Any) -> list[Any]:
    """Check each value of one override (a scenario, a sweep group choice or a field); return the values."""
    key, values = ov.key_or_group, _values(ov)
    groups = {"scenario": scenario_names(), **experiment_groups()}
    if key in groups:
        for v in values:
            if v not in groups[key]:
                raise ConfigError(f"{key}: {v!r} is not allowed; expected one of {', '.join(groups[key])}")
    else:
        for v in values:
            build(AppConfig, _nested(key, v))
    return values


def format_summary(summary: dict[str, Any]) -> str:
    width = max(len(label) for label, _, _ in SUMMARY_ROWS)
    lines = [f"{'scenario':<{width}}  {summary['scenario']} (seed {summary['seed']})"]
    for label, key, fmt in SUMMARY_ROWS:
        value = summary.get(key)
        text = "n/a" if value is None or value != value else fmt.format(value)
        lines.append(f"{label:<{width}}  {text}")
    return "\n".join(lines)


@hydra.main(config_path="pkg://scenarios", config_name="config", version_base=None)
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
    bar = tqdm(total=config.n_weeks, unit="wk", desc=config.run.name, disable=not options["progress"], leave=False)
    started = time.perf_counter()
    results = run(config, options["seed"], progress=lambda week, n: bar.update(1))
    bar.close()
    elapsed = time.perf_counter() - started
    written = write_results(results, out, plots=options["plots"], extra={"wall_seconds": round(elapsed, 3)})
    print(format_summary(results.summary))
    print(f"\n{config.n_weeks} weeks in {elapsed:.1f} s; results in {written}")
    return float(results.summary["resolution_rate"])


def sweep_job(data: dict[str, Any], seeds: list[int], options: dict[str, Any]) -> dict[str, Any]:
    """One Hydra job of a sweep: this point's config for every seed, written to the job dir (or reused)."""
    hydra_cfg = HydraConfig.get()
    multirun = hydra_cfg.mode == RunMode.MULTIRUN
    out = run_point(
        data,
        seeds,
        Path(hydra_cfg.runtime.output_dir),
        params=point_params(list(hydra_cfg.overrides.task), data),
        timeseries=options["timeseries"],
        sweep_dir=Path(hydra_cfg.sweep.dir) if multirun else None,
        resume=options["resume"],
        job=int(hydra_cfg.job.num) if multirun else 0,
    )
    logging.getLogger("cpsim").info("point %s: %s (%d seeds)", out["point"], out["status"], len(seeds))
    return out


def point_params(task_overrides: list[str], data: dict[str, Any]) -> dict[str, Any]:
    """The job's own settings from its overrides: resolved field values, and group choices by group name."""
    params: dict[str, Any] = {}
    for ov in OverridesParser.create().parse_overrides(task_overrides):
        key = ov.key_or_group
        if key.startswith("hydra") or key in APP_KEYS or ov.is_delete():
            continue
        node: Any = data
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, (bool, int, float, str)):
            params[key] = node
        elif key == "scenario" or key in experiment_groups():
            params[key] = str(ov.value())
    return params


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        check_overrides(args)
    except ConfigError as exc:
        print(f"cpsim: error: {exc}", file=sys.stderr)
        sys.exit(2)
    sys.argv = [sys.argv[0], *args]
    hydra_app()


if __name__ == "__main__":
    main()
