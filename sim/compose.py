"""Scenario configs outside Hydra's app: compose `scenario=NAME` exactly as `cpsim` does, as a plain dict."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from omegaconf import OmegaConf

from scenarios.validate import ConfigError, config_from_dict
from sim.app_config import APP_KEYS, register
from sim.overrides import check_overrides, scenario_names

register()


def scenario_dict(name: str, overrides: Mapping[str, Any] | Sequence[str] | None = None) -> dict[str, Any]:
    """The composed config of scenario `name` (schema defaults + scenario file), as `cpsim scenario=NAME` sees it.

    `overrides` is either a nested mapping merged in, or command-line strings (`"staffing.caseload_cap=20"`)
    composed by Hydra. Raises ConfigError naming the valid scenarios if `name` is unknown, or the bad field."""
    valid = scenario_names()
    if name not in valid:
        raise ConfigError(f"scenario: {name!r} is not allowed; expected one of {', '.join(valid)}")
    strings = list(overrides) if overrides is not None and not isinstance(overrides, Mapping) else []
    args = [f"scenario={name}", *strings]
    composed = check_overrides(args)  # composed as `cpsim` does; one-line errors for a bad command-line value
    data = OmegaConf.to_container(OmegaConf.masked_copy(composed, [k for k in composed if k != "hydra"]), resolve=True)
    assert isinstance(data, dict)
    for key in APP_KEYS:
        data.pop(key, None)
    merged = deep_merge(data, overrides if isinstance(overrides, Mapping) else {})
    config_from_dict(merged)  # fail early, in the parent process, with the one-line message
    return merged


def deep_merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """`base` with `extra` merged in, nested mappings recursively; neither input is changed."""
    out = copy.deepcopy(dict(base))
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out
