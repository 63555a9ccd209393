"""Hydra's sweep overrides as an Optuna search space, and a trial's values back as overrides.

`interval(a,b)` is a float range (`int(interval(a,b))` whole numbers, `tag(log,interval(a,b))` a log scale),
`range(a,b,step)` the span and step of its values (its end excluded, as everywhere in Hydra), `choice(a,b)`
or `a,b` categories. An override that sweeps nothing goes to every trial as it was typed. `glob()` needs the
config loader to list a group's options, so it is refused: `choice()` names them.

The module's name starts with `_`: Hydra imports every other module under `hydra_plugins` at each start, and
Optuna takes a quarter of a second to import.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import ChoiceSweep, Glob, IntervalSweep, Override, RangeSweep, Transformer
from optuna.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution, IntDistribution

from scenarios.files import show
from scenarios.validate import ConfigError

FORMS = "interval(a,b), int(interval(a,b)), range(a,b,step) or choice(a,b,...)"


@dataclass
class Space:
    """The swept keys' distributions, and what a trial's values become on the command line."""

    distributions: dict[str, BaseDistribution] = field(default_factory=dict)
    order: list[tuple[str, str | None]] = field(default_factory=list)  # each key as given; its line if fixed
    texts: dict[str, dict[Any, str]] = field(default_factory=dict)  # a choice's text as Hydra reads it

    def overrides(self, params: dict[str, Any]) -> list[str]:
        """A trial's overrides: the fixed ones and each swept key's value, in the order they were given."""
        return [line if line is not None else f"{key}={self._text(key, params[key])}" for key, line in self.order]

    def _text(self, key: str, value: Any) -> str:
        return self.texts.get(key, {}).get(value) or Transformer.str(value)


def search_space(lines: Sequence[str]) -> Space:
    """The search space of these overrides (the sweeper's `params`, then the command line's); a later override
    of a key replaces an earlier one, as in Hydra's basic sweeper. ConfigError (one line) for what Optuna cannot
    sample."""
    parsed = OverridesParser.create().parse_overrides(list(lines))
    last = {ov.get_key_element(): i for i, ov in enumerate(parsed)}
    space = Space()
    for i, ov in enumerate(parsed):
        key = ov.get_key_element()
        if last[key] != i:
            continue
        if not ov.is_sweep_override():
            space.order.append((key, ov.input_line))
            continue
        space.distributions[key] = _distribution(ov)
        if isinstance(ov.value(), ChoiceSweep):
            space.texts[key] = {_choice(v): Transformer.str(v) for v in ov.sweep_iterator()}
        space.order.append((key, None))
    return space


def _distribution(ov: Override) -> BaseDistribution:
    value = ov.value()
    try:
        if isinstance(value, IntervalSweep):
            return _interval(value)
        if isinstance(value, RangeSweep):
            return _range(list(ov.sweep_iterator()), value)
        if isinstance(value, ChoiceSweep):
            return CategoricalDistribution([_choice(v) for v in ov.sweep_iterator()])
    except (ValueError, TypeError) as exc:  # Optuna's own check: low above high, a log scale from 0, ...
        raise ConfigError(f"{ov.key_or_group}: {_form(ov)} cannot be sampled ({exc})") from None
    kind = "glob()" if isinstance(value, Glob) else _form(ov)
    raise ConfigError(f"{ov.key_or_group}: {kind} is not supported by hydra/sweeper=optuna; expected {FORMS}")


def _form(ov: Override) -> str:
    """The sweep as typed, after `key=`."""
    return show(ov.input_line.partition("=")[2], 60)


def _interval(value: IntervalSweep) -> BaseDistribution:
    log = "log" in value.tags
    if isinstance(value.start, int) and isinstance(value.end, int):  # int(interval(a,b)): Hydra made both ints
        return IntDistribution(value.start, value.end, log=log)
    return FloatDistribution(float(value.start), float(value.end), log=log)  # type: ignore[arg-type]


def _range(values: list[Any], value: RangeSweep) -> BaseDistribution:
    if not values:
        raise ValueError("no values: the end is excluded, and the step must go from start towards it")
    if value.shuffle:  # a shuffled range is a set of categories, as Hydra's Optuna plugin reads it
        return CategoricalDistribution(values)
    step = abs(value.step)  # type: ignore[arg-type]
    if all(isinstance(v, int) for v in values) and isinstance(step, int):
        return IntDistribution(min(values), max(values), step=step)
    return FloatDistribution(round(min(values), 12), round(max(values), 12), step=round(step, 12))


def _choice(value: Any) -> Any:
    """A choice as Optuna keeps it: a number, text or boolean as it is; a list or mapping as its text."""
    return value if isinstance(value, (str, int, float, bool)) else Transformer.str(value)
