"""The parameter space of the sensitivity analysis: the four lever groups plus every "assumed" parameter.

A factor is one dotted config field sampled in [lo, hi] (rounded for integers, thresholded at 0.5 for
switches) or, for a per-type group such as `casework.work_weeks`, a multiplier applied to every member.
Ranges of assumed parameters come from the range their provenance states ("assumed (0.1-0.4)") when that
range holds the default, else the default +-50%, always clipped to the schema's allowed range. Calendar years
(`*_year`) are dates, not quantities, and are left out.
"""

from __future__ import annotations

import copy
import dataclasses
import re
import typing
from dataclasses import dataclass
from typing import Any

from scenarios.levers import levers
from scenarios.schema import Config

KINDS = ("float", "int", "bool", "scale")
STATED_RANGE = re.compile(r"\((-?\d+(?:\.\d+)?)\s*-\s*(-?\d+(?:\.\d+)?)[;)]")
RELATIVE = 0.5  # default +- this share when no usable range is stated


@dataclass(frozen=True)
class Factor:
    name: str  # dotted config path
    lo: float
    hi: float
    kind: str  # one of KINDS
    group: str  # "lever" or "assumed"
    allowed: tuple[float | None, float | None] = (None, None)  # schema range a scaled member is clipped to


def lever_factors(base: Config) -> list[Factor]:
    """The lever space, as the schema declares it (scenarios/levers.py): staffing, training, funding
    withdrawal (years inside the horizon) and coordination."""
    return [Factor(lv.name, lv.lo, lv.hi, lv.kind, "lever") for lv in levers(base)]


def assumed_factors(base: Config, exclude: set[str] = frozenset()) -> list[Factor]:
    """Every numeric field whose provenance starts with "assumed", with a range (see module doc)."""
    out: list[Factor] = []
    for path, f, kind, value in _fields(base):
        source = str(f.metadata.get("source", ""))
        covered = path in exclude or any(name.startswith(path + ".") for name in exclude)  # a lever's group
        if not source.startswith("assumed") or covered or kind is bool or kind is str:
            continue
        allowed = (f.metadata.get("lo"), f.metadata.get("hi"))
        if dataclasses.is_dataclass(kind):  # a per-type group: one multiplier for all members
            if any(v for v in dataclasses.asdict(value).values()):
                out.append(Factor(path, 1 - RELATIVE, 1 + RELATIVE, "scale", "assumed", allowed))
            continue
        if kind not in (int, float) or value == 0 or path.endswith("_year"):
            continue  # a calendar year is a date the scenario sets, not a quantity to scale by +-50%
        lo, hi = _range(source, float(value), allowed)
        if hi > lo:
            out.append(Factor(path, lo, hi, "int" if kind is int else "float", "assumed"))
    return out


def _fields(obj: Any, prefix: str = "") -> list[tuple[str, dataclasses.Field, Any, Any]]:
    rows = []
    hints = typing.get_type_hints(type(obj))
    for f in dataclasses.fields(obj):
        path, value, kind = f"{prefix}{f.name}", getattr(obj, f.name), hints[f.name]
        if f.metadata:
            rows.append((path, f, kind, value))
        elif dataclasses.is_dataclass(value):  # a section: walk into it
            rows += _fields(value, path + ".")
    return rows


def _range(source: str, default: float, allowed: tuple[float | None, float | None]) -> tuple[float, float]:
    match = STATED_RANGE.search(source)
    lo, hi = (float(match[1]), float(match[2])) if match else (default, default)
    if not lo <= default <= hi or lo == hi:
        lo, hi = sorted((default * (1 - RELATIVE), default * (1 + RELATIVE)))
    lo = max(lo, allowed[0]) if allowed[0] is not None else lo
    hi = min(hi, allowed[1]) if allowed[1] is not None else hi
    return lo, hi


def problem(factors: list[Factor]) -> dict[str, Any]:
    """The SALib problem definition."""
    return {"num_vars": len(factors), "names": [f.name for f in factors], "bounds": [[f.lo, f.hi] for f in factors]}


def apply(base: dict[str, Any], factors: list[Factor], row: Any) -> dict[str, Any]:
    """A config dict: `base` with each factor set from one sample row."""
    data = copy.deepcopy(base)
    for f, x in zip(factors, row, strict=True):
        *parents, leaf = f.name.split(".")
        node = data
        for part in parents:
            node = node[part]
        if f.kind == "scale":
            node[leaf] = {k: _scaled(v, float(x), f.allowed) for k, v in node[leaf].items()}
        elif f.kind == "bool":
            node[leaf] = bool(x >= 0.5)
        elif f.kind == "int":
            node[leaf] = int(round(float(x)))
        else:
            node[leaf] = float(x)
    staffing = data["staffing"]  # keep the one cross-field rule sampling can break: norm <= cap
    staffing["caseload_norm"] = min(staffing["caseload_norm"], staffing["caseload_cap"])
    return data


def _scaled(value: float, factor: float, allowed: tuple[float | None, float | None]) -> float:
    """A group member times the factor, kept in the schema's range; integer members stay integers."""
    out = value * factor
    lo, hi = allowed
    out = max(out, lo) if lo is not None else out
    out = min(out, hi) if hi is not None else out
    return round(out) if isinstance(value, int) else out
