"""The four lever groups, read from the schema: every field whose `param(...)` carries `lever=` metadata.

One declaration in scenarios/schema.py gives a lever its sweep range; the sensitivity space, the ODD's
lever table and the docs read it from here. Adding a lever is marking its field.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from typing import Any

from scenarios.schema import Config

# the mission's four lever groups, by config section
LEVER_GROUPS = {
    "staffing": "staffing",
    "training": "training",
    "funding": "funding withdrawal",
    "coordination": "coordination",
}


@dataclass(frozen=True)
class Lever:
    name: str  # dotted config path
    lo: float
    hi: float
    kind: str  # "int", "float" or "bool"
    group: str  # one of LEVER_GROUPS' values
    doc: str


def levers(base: Config) -> list[Lever]:
    """Every lever with its sweep range resolved against `base` (horizon, the room other shares leave)."""
    out: list[Lever] = []
    for section in dataclasses.fields(base):
        group = getattr(base, section.name)
        hints = typing.get_type_hints(type(group))
        for f in dataclasses.fields(group):
            spec = f.metadata.get("lever")
            if spec is None:
                continue
            path = f"{section.name}.{f.name}"
            if isinstance(spec, dict):  # members of a per-type group
                value = getattr(group, f.name)
                member_hints = typing.get_type_hints(type(value))
                for member, bounds in spec.items():
                    kind = _kind(member_hints[member])
                    lo, hi = (_bound(b, base, f"{path}.{member}") for b in bounds)
                    out.append(Lever(f"{path}.{member}", lo, hi, kind, LEVER_GROUPS[section.name], f.metadata["doc"]))
            else:
                lo, hi = (_bound(b, base, path) for b in spec)
                out.append(Lever(path, lo, hi, _kind(hints[f.name]), LEVER_GROUPS[section.name], f.metadata["doc"]))
    return out


def _kind(annotation: Any) -> str:
    return {bool: "bool", int: "int"}.get(annotation, "float")


def _bound(bound: Any, base: Config, path: str) -> float:
    if isinstance(bound, bool):
        return float(bound)
    if isinstance(bound, (int, float)):
        return bound
    if bound == "start+1":
        return base.run.start_year + 1
    if bound == "end-1":
        return base.run.end_year - 1
    if bound == "1-funder_share":  # funder + local shares of a line may not exceed 1
        line = path.rsplit(".", 1)[1]
        return 1.0 - getattr(base.funding.funder_share, line)
    raise ValueError(f"{path}: unknown lever bound {bound!r}")
