"""Tornado / bar figure of a sensitivity analysis: Morris mu* (all factors, top 12) and Sobol ST / S1."""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from sim.outcomes import OUTCOMES, parameter_label  # noqa: E402
from sim.plots import save_figure  # noqa: E402

TOP = 12


def tornado(morris: pd.DataFrame, sobol: pd.DataFrame, path: Path, vector: bool = True) -> Path:
    outputs = list(dict.fromkeys(morris["output"]))
    sns.set_theme(style="whitegrid")
    fig, axes = plt.subplots(2, len(outputs), figsize=(7.5 * len(outputs), 9.5), squeeze=False, layout="constrained")
    for col, out in enumerate(outputs):
        m = morris[morris.output == out].nsmallest(TOP, "rank").assign(factor=lambda t: t.factor.map(parameter_label))
        sns.barplot(
            data=m, y="factor", x="mu_star", hue="group", hue_order=["lever", "assumed"], dodge=False, ax=axes[0][col]
        )
        axes[0][col].errorbar(m.mu_star, range(len(m)), xerr=m.mu_star_conf, fmt="none", color="black", lw=1)
        name = OUTCOMES[out].axis_label if out in OUTCOMES else out
        axes[0][col].set(
            title=textwrap.fill(f"{name}: Morris screening (top {TOP})", 48),
            xlabel="mu* (mean |elementary effect|), 95% interval",
            ylabel="",
        )
        axes[0][col].legend(title="factor", loc="lower right")
        sobol_bars(sobol[sobol.output == out].assign(factor=lambda t: t.factor.map(parameter_label)), axes[1][col])
        axes[1][col].set(
            title=textwrap.fill(f"{name}: Sobol indices (shortlist)", 48),
            xlabel="share of output variance, 95% interval",
        )
    return save_figure(fig, path, vector=vector)


def sobol_bars(table: pd.DataFrame, ax: plt.Axes) -> None:
    """Total (ST) and first-order (S1) index of each factor, side by side, each with its 95% interval."""
    y = np.arange(len(table))
    for offset, index, colour in ((-0.2, "ST", "#1f4e79"), (0.2, "S1", "#9ecae1")):
        ax.barh(y + offset, table[index], height=0.4, color=colour, label=index)
        ax.errorbar(table[index], y + offset, xerr=table[f"{index}_conf"], fmt="none", color="black", lw=1)
    ax.set_yticks(y, table["factor"])
    ax.set_ylim(len(table) - 0.5, -0.5)
    ax.axvline(0, color="grey", lw=0.8)
    ax.legend(loc="lower right")
