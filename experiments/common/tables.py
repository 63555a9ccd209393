"""Table arithmetic shared by the reports: ratios that are undefined rather than infinite, t intervals of a
mean, and Markdown tables."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats


def ratio(a: float | pd.Series, b: float | pd.Series) -> float | pd.Series:
    """a / b, NaN where b is zero (element-wise for a Series of counts)."""
    if isinstance(b, pd.Series):
        return a / b.where(b != 0)
    return float(a) / float(b) if b else math.nan


def t_interval(values: pd.Series | np.ndarray | Sequence[float], level: float = 0.90) -> tuple[float, float, float]:
    """Mean and two-sided t interval of the mean, NaN left out (NaN where it cannot be computed)."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if len(x) < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + level / 2, len(x) - 1) * stats.sem(x))
    return mean, mean - half, mean + half


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table; a '|' inside a cell would end it early, so it is written as '/'."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(str(c).replace("|", "/") for c in r) + " |" for r in rows])
