"""Figures of a comparison for the page: children served a year, quarterly trajectories with bands, and cost
by payer. Titles, axes and legends in the tab's language (i18n.py)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402

from experiments.plans.compare import PlanComparison  # noqa: E402
from experiments.workbench.i18n import N_, _  # noqa: E402
from experiments.workbench.plain import PAYERS, money  # noqa: E402

PANELS = (
    ("resolution_rate", N_("Resolved share of closed cases")),
    ("backlog", N_("Cases waiting or open")),
    ("workers", N_("Workers")),
)


def trajectories(comp: PlanComparison) -> Figure:
    """Per plan, the middle run's line and a band holding 90% of the repeats, per quarter."""
    fig = Figure(figsize=(11, 3.2), layout="constrained")
    axes = fig.subplots(1, len(PANELS))
    start = comp.meta["window_start"]
    for ax, (col, title) in zip(axes, PANELS, strict=True):
        for plan, q in comp.quarters.groupby("plan", sort=False):
            g = q.groupby("time")[col]
            mid, lo, hi = g.median(), g.quantile(0.05), g.quantile(0.95)
            (line,) = ax.plot(mid.index, mid.values, label=plan)
            ax.fill_between(mid.index, lo.values, hi.values, color=line.get_color(), alpha=0.2, linewidth=0)
        ax.axvline(start, color="grey", linestyle=":", linewidth=1)
        ax.set_title(_(title), fontsize=10)
        ax.set_xlabel(_("year"))
    axes[0].legend(fontsize=8)
    return fig


def children_per_year(comp: PlanComparison) -> Figure:
    """Per plan, children effectively served each year: the mean and its 90% interval."""
    fig = Figure(figsize=(8, 3.2), layout="constrained")
    ax = fig.subplots()
    served = comp.yearly[comp.yearly.indicator == "children_served"]
    for plan, rows in served.groupby("plan", sort=False):
        (line,) = ax.plot(rows.year, rows["mean"], marker="o", label=plan)
        ax.fill_between(rows.year, rows.low, rows.high, color=line.get_color(), alpha=0.2, linewidth=0)
    ax.axvline(comp.meta["window_start"], color="grey", linestyle=":", linewidth=1)
    ax.set_title(_("Children effectively served each year"), fontsize=10)
    ax.set_xlabel(_("year"))
    ax.legend(fontsize=8)
    return fig


def cost_by_payer(comp: PlanComparison) -> Figure:
    fig = Figure(figsize=(6, 3), layout="constrained")
    ax = fig.subplots()
    runs = comp.runs.groupby("plan", sort=False)[["spend_funder", "spend_local", "spend_national"]].mean()
    bottom = [0.0] * len(runs)
    for key, label in PAYERS:
        col = f"spend_{key}"
        ax.barh(runs.index, runs[col] / 1000, left=bottom, label=_(label))
        bottom = [b + v / 1000 for b, v in zip(bottom, runs[col], strict=True)]
    for i, total in enumerate(bottom):
        ax.text(total, i, " " + money(total * 1000), va="center", fontsize=8)
    ax.set_xlabel(_("Rp billion over the period"))
    ax.set_title(_("Cost by payer"), fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    ax.margins(x=0.25)
    return fig
