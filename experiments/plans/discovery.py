"""Scenario discovery: in which futures does a plan fail? PRIM (Friedman & Fisher 1999) as the EMA Workbench
implements it (`ema_workbench.analysis.prim`), with the box read out in plain words.

PRIM peels the space of futures, a few percent at a time, toward the region where failures are densest; each
box on the way trades coverage (the share of all failures inside the box) against density (the share of the
box's futures that fail). We keep the box with the highest coverage among those at least `DENSITY` dense
(or, if none is, the densest), and describe only the dimensions it restricts.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

DENSITY = 0.8  # a box worth reporting holds mostly failures


@dataclass(frozen=True)
class FailureBox:
    limits: dict[str, tuple[float, float]]  # restricted dimension -> (low, high) inside the box
    coverage: float  # share of all failing futures that lie in the box
    density: float  # share of the box's futures that fail
    futures: int  # futures in the box


def discover(x: pd.DataFrame, fails: np.ndarray) -> FailureBox | None:
    """The box of futures in which the plan fails (None if it never or always fails)."""
    fails = np.asarray(fails, dtype=bool)
    if fails.all() or not fails.any():
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.getLogger("EMA").setLevel(logging.ERROR)
        from ema_workbench.analysis import prim  # imported here: it takes seconds, and only this needs it

        finder = prim.Prim(x.reset_index(drop=True), fails, peel_alpha=0.05, mass_min=0.05)
        box = finder.find_box()
    trajectory = box.peeling_trajectory
    dense = trajectory[trajectory.density >= DENSITY]
    chosen = int(dense.coverage.idxmax()) if len(dense) else int(trajectory.density.idxmax())
    lims, full = box.box_lims[chosen], box.box_lims[0]
    limits = {
        name: (float(lims[name].iloc[0]), float(lims[name].iloc[1]))
        for name in x.columns
        if not np.isclose(lims[name].iloc[0], full[name].iloc[0])
        or not np.isclose(lims[name].iloc[1], full[name].iloc[1])
    }
    row = trajectory.loc[chosen]
    return FailureBox(limits, float(row.coverage), float(row.density), int(row.n))


def describe(
    box: FailureBox | None,
    fails: np.ndarray,
    about: dict[str, str],
    full: pd.DataFrame,
    integers: frozenset[str] = frozenset(),
) -> str:
    """The box in words: 'fails in 85% of futures where ... (these hold 70% of its failures)'. PRIM cuts between
    sampled values; for whole-number dimensions (`integers`) the limits are the whole numbers inside the box."""
    share = float(np.mean(fails))
    if box is None:
        return "holds in every future sampled" if share == 0 else "fails in every future sampled"
    if not box.limits:
        return f"fails in {share:.0%} of futures, with no region where failures gather"
    parts = []
    for name, (lo, hi) in box.limits.items():
        words = about.get(name, name)
        if name in integers:
            lo, hi = float(np.ceil(lo - 1e-9)), float(np.floor(hi + 1e-9))
        at_min, at_max = np.isclose(lo, full[name].min()), np.isclose(hi, full[name].max())
        if at_min:
            parts.append(f"{words} is at most {_number(hi)}")
        elif at_max:
            parts.append(f"{words} is at least {_number(lo)}")
        else:
            parts.append(f"{words} is between {_number(lo)} and {_number(hi)}")
    return (
        f"fails in {box.density:.0%} of futures where {' and '.join(parts)} "
        f"(these {box.futures} futures hold {box.coverage:.0%} of its failures; it fails in {share:.0%} of all)"
    )


def _number(x: float) -> str:
    if abs(x) >= 10_000:
        return f"{x:,.0f}"
    return f"{x:.0f}" if abs(x) >= 100 or float(x).is_integer() else f"{x:.3g}"  # a year reads 2016, not 2,016
