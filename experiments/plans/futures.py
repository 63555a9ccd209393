"""The futures of a stress test: what the planner cannot know, sampled by a Latin hypercube.

Three kinds of deep uncertainty, each with a stated range:
- every parameter whose provenance says "assumed", within the range it states (the sensitivity analysis's
  space, experiments/sensitivity/space.py);
- every parameter calibrated for the scenario, within its posterior 90% interval (docs/calibration.json);
- the transition's own risks: the city's pickup comes 0-3 years later than planned, and covers only a share of
  what the plan says (0.25-1); an economic shock of any size (0-1.5) strikes in any year of the transition.

A future is one row of values; `future_config` writes it into a plan's config.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.sensitivity.space import Factor, assumed_factors
from experiments.sensitivity.space import apply as apply_factors
from scenarios.schema import BUDGET_LINES, Config

CALIBRATION = Path(__file__).parents[2] / "docs" / "calibration.json"
SPACES = ("all", "transition")
WHOLE_RISKS = (
    "pickup_delay_extra",
    "shock_year",
)  # transition risks counted in whole years  # `--space`: every uncertainty, or the transition's risks only


@dataclass(frozen=True)
class Uncertainty:
    name: str  # a config path, or a transition risk's name
    lo: float
    hi: float
    kind: str  # "float" / "int" / "scale" (a per-type group's multiplier) / "calibrated" / "risk"
    about: str  # in words, for the report
    paths: tuple[str, ...] = ()  # calibrated: the config paths it sets
    estimate: float = math.nan  # calibrated: the value the scenario runs with
    scales_base: bool = False  # calibrated: each path is the scenario's value x (value / estimate)
    factor: Factor | None = None  # assumed: the sensitivity space's factor (with the schema's allowed range)

    @property
    def whole(self) -> bool:
        """Sampled and read in whole numbers (an integer parameter, a delay in years, a calendar year)."""
        return self.kind == "int" or self.name in WHOLE_RISKS


def transition_risks(first_year: int, last_year: int) -> list[Uncertainty]:
    return [
        Uncertainty("pickup_delay_extra", 0, 3, "risk", "years the city's pickup comes later than the plan says"),
        Uncertainty("pickup_fraction", 0.25, 1.0, "risk", "share of the planned pickup the city actually pays"),
        Uncertainty("shock_size", 0.0, 1.5, "risk", "size of an economic shock during the transition"),
        Uncertainty("shock_year", first_year, last_year, "risk", "year the economic shock strikes"),
    ]


def uncertainties(scenario: str, base: Config, first_year: int, space: str = "all") -> list[Uncertainty]:
    """The stress test's dimensions for `scenario` (a plan's config `base`), transition from `first_year`."""
    risks = transition_risks(first_year, base.run.end_year - 1)
    if space == "transition":
        return risks
    assumed = [
        Uncertainty(f.name, f.lo, f.hi, f.kind, "assumed", factor=f)
        for f in assumed_factors(base)
        if not f.name.startswith(("transition.", "funding.", "run."))  # the plan and the horizon are not futures
    ]
    return assumed + calibrated(scenario) + risks


def calibrated(scenario: str, path: Path = CALIBRATION) -> list[Uncertainty]:
    """The scenario's calibrated parameters (fitted on it or shared with it) within their 90% intervals."""
    if not path.exists():
        return []
    out = []
    for problem in json.loads(path.read_text())["scenarios"]:
        for p in problem["parameters"]:
            if problem["scenario"] != scenario and scenario not in p.get("shared", []):
                continue
            lo, hi = p["range90"]
            about = f"calibrated on {problem['scenario']}.{p['target']} (90% interval)"
            scales = p["meaning"].startswith("scale")
            out.append(Uncertainty(p["name"], lo, hi, "calibrated", about, tuple(p["paths"]), p["estimate"], scales))
    return out


def sample(dims: list[Uncertainty], n: int, seed: int) -> pd.DataFrame:
    """`n` futures by Latin hypercube (scipy.stats.qmc), integers rounded; one column per uncertainty."""
    from scipy.stats import qmc  # here: scipy.stats takes a while to import, and only sampling needs it

    unit = qmc.LatinHypercube(d=len(dims), seed=seed).random(n)
    values = {}
    for j, u in enumerate(dims):
        x = u.lo + unit[:, j] * (u.hi - u.lo)
        values[u.name] = np.floor(u.lo + unit[:, j] * (u.hi - u.lo + 1)).clip(u.lo, u.hi) if u.whole else x
    frame = pd.DataFrame(values)
    frame.insert(0, "future", np.arange(n))
    return frame


def future_config(plan: Config, dims: list[Uncertainty], future: pd.Series) -> dict[str, Any]:
    """The plan's config as a dict with the future's values written in (validated by the caller)."""
    data = dataclasses.asdict(plan)
    factors = [u.factor for u in dims if u.factor is not None]
    data = apply_factors(data, factors, [future[f.name] for f in factors])
    for u in dims:
        if u.kind == "calibrated":
            for p in u.paths:
                value = float(future[u.name])
                _set(data, p, _get(data, p) * value / u.estimate if u.scales_base else value)
    _transition_risks(data, future)
    return data


def _transition_risks(data: dict[str, Any], future: pd.Series) -> None:
    transition = data["transition"]
    if "pickup_delay_extra" in future:
        delays = transition["pickup_delay_years"]
        for line in BUDGET_LINES:
            delays[line] = int(delays[line] + future["pickup_delay_extra"])
    if "pickup_fraction" in future:
        shares = transition["pickup_share"]
        for line in BUDGET_LINES:
            shares[line] = float(shares[line] * future["pickup_fraction"])
    if "shock_size" in future and future["shock_size"] > 0:
        shock = {"year": int(future["shock_year"]), "duration_years": 1.0, "magnitude": float(future["shock_size"])}
        shock["detection_factor"] = 1.0  # an economic downturn, not a lockdown: services go on
        data["economy"]["shocks"] = [*copy.deepcopy(data["economy"]["shocks"]), shock]


INDEX = re.compile(r"^(\w+)\[(\d+)\]$")


def _walk(data: dict[str, Any], path: str) -> tuple[Any, str | int]:
    node: Any = data
    *parents, leaf = path.split(".")
    for part in parents:
        m = INDEX.match(part)
        node = node[m[1]][int(m[2])] if m else node[part]
    m = INDEX.match(leaf)
    return (node[m[1]], int(m[2])) if m else (node, leaf)


def _get(data: dict[str, Any], path: str) -> float:
    node, key = _walk(data, path)
    return float(node[key])


def _set(data: dict[str, Any], path: str, value: float) -> None:
    node, key = _walk(data, path)
    node[key] = value
