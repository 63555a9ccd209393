"""Tornado / bar figure of a sensitivity analysis: Morris mu* (all factors, top 12) and Sobol ST / S1."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from sim.outcomes import OUTCOMES  # noqa: E402
from sim.plots import save_figure  # noqa: E402

TOP = 12


def tornado(morris: pd.DataFrame, sobol: pd.DataFrame, path: Path) -> Path:
    outputs = list(dict.fromkeys(morris["output"]))
    sns.set_theme(style="whitegrid")
    fig, axes = plt.subplots(2, len(outputs), figsize=(7 * len(outputs), 9), squeeze=False)
    for col, out in enumerate(outputs):
        m = morris[morris.output == out].nsmallest(TOP, "rank")
        sns.barplot(
            data=m, y="factor", x="mu_star", hue="group", hue_order=["lever", "assumed"], dodge=False, ax=axes[0][col]
        )
        axes[0][col].errorbar(m.mu_star, range(len(m)), xerr=m.mu_star_conf, fmt="none", color="black", lw=1)
        name = OUTCOMES[out].axis_label if out in OUTCOMES else out
        axes[0][col].set(title=f"{name}: Morris screening (top {TOP})", xlabel="mu* (mean |elementary effect|)")
        s = sobol[sobol.output == out].melt(
            id_vars=["factor"], value_vars=["ST", "S1"], var_name="index", value_name="value"
        )
        sns.barplot(data=s, y="factor", x="value", hue="index", ax=axes[1][col])
        axes[1][col].set(title=f"{name}: Sobol indices (shortlist)", xlabel="share of output variance")
    return save_figure(fig, path)
