"""Figures of the validation report: every seed against its tolerance band, and cases opened per year."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from experiments.validation.table import ObsBySeed, Row  # noqa: E402
from sim.plots import save_figure  # noqa: E402


def plot_targets(rows: Sequence[Row], path: Path) -> None:
    """Every seed's value on a common scale: 0 and 1 are the ends of the tolerance band."""
    records = []
    for r in rows:
        t = r.target
        for v in r.values:
            if np.isfinite(v):
                z = (v - t.lo) / (t.hi - t.lo)
                records.append({"target": t.id, "role": t.role, "position in band": float(np.clip(z, -2, 3))})
    frame = pd.DataFrame(records)
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(rows) + 1.5))
    ax.axvspan(0, 1, color="tab:green", alpha=0.15, label="tolerance band")
    order = [r.target.id for r in rows]
    # a fixed spread instead of seaborn's random jitter, so the committed figure only changes with the data
    frame = frame.assign(row=frame.groupby("target").cumcount())
    spread = frame.row / frame.groupby("target").row.transform("max").clip(lower=1) - 0.5
    frame = frame.assign(offset=frame.target.map({t: i for i, t in enumerate(order)}) + 0.5 * spread)
    sns.scatterplot(data=frame, y="offset", x="position in band", hue="role", ax=ax, s=10, alpha=0.6)
    ax.set_yticks(range(len(order)), order)
    ax.invert_yaxis()  # first target on top, as in the table
    means = frame.groupby("target", sort=False)["position in band"].mean().reindex(order)
    ax.scatter(means.values, range(len(order)), marker="|", s=200, color="black", label="mean", zorder=3)
    ax.set(xlim=(-2.1, 3.1), xlabel="(value - low) / (high - low), clipped to [-2, 3]", ylabel="")
    ax.legend(loc="lower right", fontsize=7)
    save_figure(fig, path)


def plot_series(obs: ObsBySeed, starts: Mapping[str, tuple[int, int]], path: Path) -> None:
    """Cases opened per year in each scenario (mean and 90% band over seeds), with the published counts."""
    published = {
        ("makassar_pksai", "harm"): {2019: 1964, 2020: 1996},
        ("makassar_pksai", "economic_exploitation"): {2018: 100, 2019: 200, 2020: 400},
        ("tulungagung_ult_psai", "all"): {2019: 198},
    }
    panels = [(s, "all") for s in obs] + [(s, g) for s, g in published if s in obs and g != "all"]
    n_cols = 4
    n_rows = -(-len(panels) // n_cols)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(4 * n_cols, 3.2 * n_rows), squeeze=False)
    for ax, (scenario, group) in zip(axes.flat, panels, strict=False):
        first, last = starts[scenario]
        records = [{"year": y, "cases": o[f"opened_{group}_{y}"]} for o in obs[scenario] for y in range(first, last)]
        sns.lineplot(data=pd.DataFrame(records), x="year", y="cases", errorbar=("pi", 90), ax=ax, label="model")
        if (scenario, group) in published:
            pts = published[(scenario, group)]
            ax.scatter(list(pts), list(pts.values()), color="tab:red", zorder=3, label="published")
        ax.set_title(f"{scenario}: {group.replace('_', ' ')} cases", fontsize=9)
        ax.legend(fontsize=7)
    for ax in axes.flat[len(panels) :]:
        ax.set_visible(False)
    save_figure(fig, path)
