"""The validation table's arithmetic, kept apart from running the model so it can be tested on known inputs.

A target compares one number per seed (the model's value of a published quantity) with the published value:
the model mean and its 90% interval across seeds, and whether the mean lies within the tolerance band.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Comparison:
    mean: float
    p05: float
    p95: float
    within: bool
    n: int  # seeds with a defined value


def compare(values: Iterable[float], lo: float, hi: float) -> Comparison:
    """Mean and 90% interval (5th-95th percentile) of the per-seed values; within = lo <= mean <= hi.

    Seeds where the quantity is undefined (NaN, e.g. a ratio with no cases) are left out; with none left the
    target cannot be met."""
    v = np.asarray(list(values), dtype=float)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return Comparison(math.nan, math.nan, math.nan, False, 0)
    mean = float(v.mean())
    p05, p95 = (float(x) for x in np.percentile(v, [5, 95]))
    return Comparison(mean, p05, p95, bool(lo <= mean <= hi), len(v))


def ratio(a: float, b: float) -> float:
    return float(a) / float(b) if b else math.nan


def count_by_year(cases: pd.DataFrame, years: Iterable[int], mask: pd.Series | None = None) -> dict[int, int]:
    """Cases opened in each calendar year (zero for years without any), optionally only those in `mask`."""
    opened = cases.opened_year if mask is None else cases.opened_year[mask]
    counts = opened.value_counts()
    return {int(y): int(counts.get(y, 0)) for y in years}


def closed_by_year_end(cases: pd.DataFrame, year: int, start_year: int, mask: pd.Series | None = None) -> float:
    """Share of the cases opened in `year` that were closed (any outcome) by 31 December of that year."""
    cohort = cases[cases.opened_year == year] if mask is None else cases[(cases.opened_year == year) & mask]
    end_week = 52 * (year + 1 - start_year)
    closed = (cohort.closed_week >= 0) & (cohort.closed_week < end_week)
    return ratio(closed.sum(), len(cohort))


def loglinear_slope(counts: Iterable[float]) -> float:
    """Least-squares slope of log(count) on year index: mean yearly growth rate on the log scale."""
    y = np.asarray(list(counts), dtype=float)
    if len(y) < 2 or (y <= 0).any():
        return math.nan
    x = np.arange(len(y))
    return float(np.polyfit(x, np.log(y), 1)[0])


def fmt(x: float) -> str:
    """A number for the table: integers with separators, shares and ratios with three significant digits."""
    if x is None or not math.isfinite(x):
        return "n/a"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"
