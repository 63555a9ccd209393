"""Turn a plain mapping into a checked `Config`, or fail with one line naming field, value and what is allowed.

Group fields (per case type, per budget line, ...) carry no metadata of their own: they inherit the range
of the field that holds them, so `harm.weekly_hazard_per_child.violence` is checked against [0, 0.05].
"""

from __future__ import annotations

import dataclasses
import difflib
import itertools
import math
import numbers
import re
import types
import typing
from collections.abc import Mapping
from typing import Any

from scenarios.files import excerpt, show
from scenarios.schema import Config, field_default


class ConfigError(ValueError):
    """A config value that is not allowed. The message is a single line meant for the user."""


def _describe_allowed(meta: Mapping[str, Any], kind: type) -> str:
    if meta.get("choices"):
        return "one of " + ", ".join(meta["choices"])
    lo, hi = meta.get("lo"), meta.get("hi")
    name = {bool: "true or false", int: "an integer", float: "a number", str: "text"}.get(kind, kind.__name__)
    if lo is not None and hi is not None:
        return f"{name} in [{_num(lo)}, {_num(hi)}]"
    if lo is not None:
        return f"{name} >= {_num(lo)}"
    if hi is not None:
        return f"{name} <= {_num(hi)}"
    return name


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _coerce(path: str, value: Any, kind: type, meta: Mapping[str, Any]) -> Any:
    """Check type and range of one leaf value."""
    allowed = _describe_allowed(meta, kind)
    bad = ConfigError(f"{path}: {excerpt(value)} is not allowed; expected {allowed}")
    if kind is bool:
        if not isinstance(value, bool):
            raise bad
        return value
    if kind is int:  # an int is checked as an int (a seed above 2**53 is exact); a float only if whole
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad
        if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
            raise bad
        value = int(value)
    elif kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad
        try:
            value = float(value)  # 1 followed by 400 zeros does not fit
        except OverflowError:
            raise bad from None
        if not math.isfinite(value):
            raise bad
    elif kind is str and not isinstance(value, str):
        raise bad
    if meta.get("choices") and value not in meta["choices"]:
        raise bad
    if meta.get("lo") is not None and value < meta["lo"]:
        raise bad
    if meta.get("hi") is not None and value > meta["hi"]:
        raise bad
    return value


def build(cls: type, data: Any, path: str = "", inherited: Mapping[str, Any] | None = None) -> Any:
    """Build dataclass `cls` from `data`, filling defaults, rejecting unknown keys, wrong types and ranges."""
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ConfigError(
            f"{path or 'config'}: {excerpt(data)} is not allowed; expected a mapping of {cls.__name__} fields"
        )
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls)}
    for key in data:
        if not isinstance(key, str):
            where = f"{path}.{key!r}" if path else repr(key)
            raise ConfigError(f"{show(where)}: a key must be text; allowed keys here: {_keys(known)}")
    unknown = sorted(set(data) - set(known))
    if unknown:
        where = f"{path}.{unknown[0]}" if path else unknown[0]
        raise ConfigError(f"{show(where)}: unknown key; allowed keys here: {_keys(known, unknown[0])}")
    kwargs = {}
    for name, f in known.items():
        if name not in data:
            continue
        here = f"{path}.{name}" if path else name
        meta = dict(f.metadata) or dict(inherited or {})
        value = data[name]
        if dataclasses.is_dataclass(hints[name]) and isinstance(value, Mapping):
            # a partial group keeps the field's own defaults (Makassar's), not the group class's zeros
            value = {**dataclasses.asdict(field_default(f)), **value}
        kwargs[name] = _build_value(here, value, hints[name], meta)
    return cls(**kwargs)


def _keys(known: Mapping[str, Any], near: str = "", budget: int = 130) -> str:
    """The allowed keys, the ones most like `near` first when they do not all fit in one short line."""
    names = list(known)
    text = ", ".join(names)
    if len(text) <= budget:
        return text
    close = difflib.get_close_matches(near, names, n=3, cutoff=0.5) if near else []
    shown: list[str] = []
    for name in close + [n for n in names if n not in close]:
        if len(", ".join([*shown, name])) > budget:
            break
        shown.append(name)
    return f"{', '.join(shown)}, ... ({len(names)} in all; `cpsim --cfg job` shows them)"


def _build_value(path: str, value: Any, kind: Any, meta: Mapping[str, Any]) -> Any:
    if dataclasses.is_dataclass(kind):
        return build(kind, value, path, meta)
    origin = typing.get_origin(kind)
    if origin in (list, typing.List):  # noqa: UP006 - typing.List appears in OmegaConf-made hints
        (item,) = typing.get_args(kind)
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{path}: {excerpt(value)} is not allowed; expected a list")
        return [_build_value(f"{path}[{i}]", v, item, meta) for i, v in enumerate(value)]
    if origin in (typing.Union, types.UnionType):
        kind = next(a for a in typing.get_args(kind) if a is not type(None))
    return _coerce(path, value, kind, meta)


SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")  # run.name names the output folder
MAX_SEED = 2**63 - 1


def check_seed(seed: Any, name: str = "seed") -> int:
    """A seed as the CLI takes it: an integer in [0, 2**63 - 1] (numpy integers too; not bool, float, text)."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= int(seed) <= MAX_SEED:
        raise ConfigError(f"{name}: {excerpt(seed)} is not allowed; expected an integer in [0, {MAX_SEED}]")
    return int(seed)


def check_consistency(cfg: Config) -> None:
    """Rules that span fields."""
    run, pop, fund, staff = cfg.run, cfg.population, cfg.funding, cfg.staffing
    if not SAFE_NAME.fullmatch(run.name):
        raise ConfigError(
            f"run.name: {excerpt(run.name)} is not allowed; expected a name of letters, digits, '.', '_', '-' "
            "(at most 100, not starting with '.', no '/')"
        )
    if run.end_year <= run.start_year:
        raise ConfigError(
            f"run.end_year: {run.end_year} is not allowed; expected a year after run.start_year ({run.start_year})"
        )
    total = pop.share_one_vulnerability + pop.share_two_vulnerabilities + pop.share_three_plus_vulnerabilities
    if abs(total - 1.0) > 1e-3:
        raise ConfigError(f"population.share_*_vulnerabilit*: shares sum to {total:.4f}; they must sum to 1")
    plan = cfg.transition.years  # a transition plan replaces the withdrawal shape
    if not plan and fund.withdrawal_shape != "none" and not run.start_year <= fund.withdrawal_start_year < run.end_year:
        raise ConfigError(
            f"funding.withdrawal_start_year: {fund.withdrawal_start_year} is not allowed; expected a year in "
            f"[{run.start_year}, {run.end_year - 1}] (the horizon), or funding.withdrawal_shape=none"
        )
    first = max(pop.registry_drive_start_year, run.start_year)  # a drive may run on past a shortened horizon
    if pop.unregistered_backlog > 0 and (pop.registry_drive_end_year or run.start_year) < first:
        raise ConfigError(
            f"population.registry_drive_end_year: {pop.registry_drive_end_year} is not allowed with a backlog; "
            f"expected a year from {first} (the drive's first year) on"
        )
    if staff.caseload_norm > staff.caseload_cap:
        raise ConfigError(
            f"staffing.caseload_norm: {staff.caseload_norm} is not allowed; "
            f"expected at most staffing.caseload_cap ({staff.caseload_cap})"
        )
    for line in dataclasses.fields(fund.funder_share):
        total = getattr(fund.funder_share, line.name) + getattr(fund.local_share, line.name)
        if total > 1.0 + 1e-9:
            raise ConfigError(
                f"funding.local_share.{line.name}: funder + local shares are {total:g}; together they must be at most 1"
            )


def check_transition(cfg: Config) -> None:
    """A plan's entries run forward in time and, with the routine local shares, never fund a line above 1."""
    tr = cfg.transition
    for i, (before, after) in enumerate(itertools.pairwise(tr.years), start=1):
        if after.year <= before.year:
            raise ConfigError(
                f"transition.years[{i}].year: {after.year} is not allowed; expected a year after {before.year}"
            )
    for i, entry in enumerate(tr.years):
        for line in dataclasses.fields(entry.funder_share):
            total = getattr(entry.funder_share, line.name) + getattr(cfg.funding.local_share, line.name)
            if total > 1.0 + 1e-9:
                raise ConfigError(
                    f"transition.years[{i}].funder_share.{line.name}: funder + routine local shares are {total:g}; "
                    "together they must be at most 1"
                )
    repeated = sorted({line for line in tr.cut_order if tr.cut_order.count(line) > 1})
    if repeated:
        raise ConfigError(f"transition.cut_order: {repeated[0]!r} is listed twice; expected each line at most once")


def config_from_dict(data: Mapping[str, Any] | None = None) -> Config:
    """A validated `Config` from a (possibly partial, nested) mapping; missing keys take the defaults."""
    cfg = build(Config, {} if data is None else data)
    check_consistency(cfg)
    check_transition(cfg)
    return cfg


def validate(cfg: Config) -> Config:
    """Re-check an existing `Config` object (e.g. one edited in a notebook)."""
    return config_from_dict(dataclasses.asdict(cfg))
