"""The validation table, kept apart from running the model and from the figures so it can be tested on known
inputs.

A target compares one number per seed (the model's value of a published quantity) with the published value:
the model mean and its 90% interval across seeds, whether the mean lies within the tolerance band, and whether
that verdict is within seed noise (a band edge closer to the mean than two standard errors: another set of
seeds may give the other verdict).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from experiments.common.tables import markdown_table
from experiments.validation.targets import Target

ObsBySeed = Mapping[str, Sequence[Mapping[str, float]]]  # scenario -> observables per seed (same seed order)


@dataclass(frozen=True)
class Comparison:
    mean: float
    p05: float
    p95: float
    within: bool
    n: int  # seeds with a defined value
    near_edge: bool = False  # a band edge lies within two standard errors of the mean


def compare(values: Iterable[float], lo: float, hi: float) -> Comparison:
    """Mean and 90% interval (5th-95th percentile) of the per-seed values; within = lo <= mean <= hi; near_edge
    = a band edge closer to the mean than two standard errors of the mean (sd across seeds / sqrt(seeds)).

    Seeds where the quantity is undefined (NaN, e.g. a ratio with no cases) are left out; with none left the
    target cannot be met."""
    v = np.asarray(list(values), dtype=float)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return Comparison(math.nan, math.nan, math.nan, False, 0)
    mean = float(v.mean())
    p05, p95 = (float(x) for x in np.percentile(v, [5, 95]))
    se = float(v.std(ddof=1)) / math.sqrt(len(v)) if len(v) > 1 else math.inf
    near_edge = min(abs(mean - lo), abs(mean - hi)) < 2.0 * se
    return Comparison(mean, p05, p95, bool(lo <= mean <= hi), len(v), near_edge)


def verdict(c: Comparison) -> str:
    """within / MISS, marked when seed noise could turn it."""
    word = "within" if c.within else "**MISS**"
    return f"{word} (near edge)" if c.near_edge else word


def fmt(x: float) -> str:
    """A number for the table: integers with separators, shares and ratios with three significant digits."""
    if x is None or not math.isfinite(x):
        return "n/a"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"


@dataclass(frozen=True)
class Row:
    target: Target
    values: tuple[float, ...]  # one per seed
    result: Comparison


def evaluate(targets: Sequence[Target], obs: ObsBySeed) -> list[Row]:
    rows = []
    for t in targets:
        n_seeds = len(obs[t.scenario])
        values = tuple(float(t.metric({s: obs[s][i] for s in t.scenarios})) for i in range(n_seeds))
        rows.append(Row(t, values, compare(values, t.lo, t.hi)))
    return rows


def targets_table(rows: Sequence[Row]) -> str:
    """The validation table in Markdown: one line per target."""
    header = ["target", "role", "published", "model mean", "model 90% interval", "tolerance", "result"]
    cells = [
        [
            f"`{r.target.id}` — {r.target.description}",
            r.target.role,
            r.target.published,
            fmt(r.result.mean),
            f"[{fmt(r.result.p05)}, {fmt(r.result.p95)}]",
            f"[{fmt(r.target.lo)}, {fmt(r.target.hi)}]",
            verdict(r.result),
        ]
        for r in rows
    ]
    return markdown_table(header, cells)


def misses_section(rows: Sequence[Row]) -> str:
    missed = [r for r in rows if not r.result.within]
    if not missed:
        return "All targets are within tolerance."
    return "\n".join(f"- `{r.target.id}` ({r.target.role}): {r.target.if_missed}." for r in missed)
