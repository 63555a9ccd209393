"""Every leaf field of the schema with its kind and range (for generated bad inputs and random valid configs)."""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

from scenarios.schema import Config


@dataclasses.dataclass(frozen=True)
class Leaf:
    path: str
    kind: type
    lo: float | None
    hi: float | None
    choices: tuple[str, ...] | None


def leaves(cls: type = Config, path: str = "", inherited: dict[str, Any] | None = None) -> list[Leaf]:
    out: list[Leaf] = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        meta = dict(f.metadata) or dict(inherited or {})
        kind = hints[f.name]
        here = f"{path}.{f.name}" if path else f.name
        if dataclasses.is_dataclass(kind):
            out += leaves(kind, here, meta)
            continue
        if typing.get_origin(kind) in (list, typing.List):  # noqa: UP006 - lists (shocks, plans) stay default
            continue
        if typing.get_origin(kind) in (typing.Union, types.UnionType):
            kind = next(a for a in typing.get_args(kind) if a is not type(None))
        out.append(Leaf(here, kind, meta.get("lo"), meta.get("hi"), meta.get("choices")))
    return out


def nested(path: str, value: Any) -> dict[str, Any]:
    out: Any = value
    for part in reversed(path.split(".")):
        out = {part: out}
    return out
