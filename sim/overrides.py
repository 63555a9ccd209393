"""Checking command-line overrides against the schema before Hydra runs, and the names Hydra can choose from.

A bad value gives one line naming the field, the value and what is allowed (`ConfigError`), before any job
starts or any folder is written.
"""

from __future__ import annotations

import itertools
from importlib import resources
from typing import Any

from hydra import compose, initialize_config_module
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf

from scenarios.validate import ConfigError, build, config_from_dict
from sim.app_config import APP_KEYS, AppConfig, register

register()


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
