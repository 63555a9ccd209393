"""Figures of a plan comparison: trajectories with 90% bands, cost stacked by payer, sustainability vs cost."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from scenarios.schema import PAYERS  # noqa: E402
from sim.plots import below, save_figure  # noqa: E402

BAND = ("pi", 90)  # 5th-95th percentile across seeds: no bootstrap, so figures are deterministic


def plot_trajectories(quarters: pd.DataFrame, window_start: int, path: Path) -> None:
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    panels = (("resolution_rate", "Resolution rate (quarter)"), ("backlog", "Backlog (cases)"), ("workers", "Workers"))
    for ax, (column, title) in zip(axes, panels, strict=True):
        sns.lineplot(data=quarters, x="time", y=column, hue="plan", errorbar=BAND, ax=ax, legend=ax is axes[0])
        ax.axvline(window_start, color="grey", linestyle=":", linewidth=1)
        ax.set(title=title, xlabel="year", ylabel="")
    axes[0].legend(title="plan (band: 90% of seeds)", fontsize=8, **below(axes[0]))
    save_figure(fig, path)


def plot_cost_by_payer(runs: pd.DataFrame, path: Path) -> None:
    cost = runs.groupby("plan", sort=False)[[f"spend_{p}" for p in PAYERS]].mean()
    fig, ax = plt.subplots(figsize=(max(6, 1.3 * len(cost)), 4.5))
    bottom = pd.Series(0.0, index=cost.index)
    colours = sns.color_palette("deep", len(PAYERS))
    for payer, colour in zip(PAYERS, colours, strict=True):
        ax.bar(cost.index, cost[f"spend_{payer}"], bottom=bottom, label=payer, color=colour)
        bottom += cost[f"spend_{payer}"]
    ax.set(title="Cost over the horizon by payer (mean over seeds)", ylabel="Rp million")
    ax.tick_params(axis="x", rotation=25)
    ax.legend(title="payer", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)  # beside: x labels slant
    save_figure(fig, path)


def plot_sustainability_vs_cost(runs: pd.DataFrame, path: Path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    panels = (
        ("sustainability_index", "Sustainability index (2 y after exit / before)"),
        ("resolution_rate_after", "Resolution rate, transition window"),
    )
    for ax, (column, title) in zip(axes, panels, strict=True):
        sns.scatterplot(data=runs, x="spend_local", y=column, hue="plan", alpha=0.3, s=20, ax=ax, legend=False)
        means = runs.groupby("plan", sort=False)[["spend_local", column]].mean().reset_index()
        sns.scatterplot(
            data=means, x="spend_local", y=column, hue="plan", s=120, marker="D", ax=ax, legend=ax is axes[1]
        )
        ax.set(title=title, xlabel="cost to local government (Rp m)", ylabel="")
    axes[1].legend(title="plan (diamond: mean)", fontsize=8, **below(axes[1]))
    save_figure(fig, path)


def plot_children_per_year(yearly: pd.DataFrame, window_start: int, path: Path) -> None:
    """Children effectively served and effective coverage, year by year, with the 90% interval of the mean."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
    panels = (
        ("children_served", "Children effectively served a year", 1),
        ("effective_coverage", "Effective coverage", 100),
    )
    for ax, (indicator, title, scale) in zip(axes, panels, strict=True):
        for plan, rows in yearly[yearly.indicator == indicator].groupby("plan", sort=False):
            line = ax.plot(rows.year, scale * rows["mean"], marker="o", label=plan)[0]
            ax.fill_between(rows.year, scale * rows.low, scale * rows.high, color=line.get_color(), alpha=0.2)
        ax.axvline(window_start, color="grey", linestyle=":", linewidth=1)
        ax.set(title=title, xlabel="year", ylabel="children" if scale == 1 else "%")
    axes[0].legend(title="plan (band: 90% interval)", fontsize=8, **below(axes[0]))
    save_figure(fig, path)


FIGURE_NAMES = ("children_per_year", "trajectories", "cost_by_payer", "sustainability_vs_cost")


def plot_comparison(
    runs: pd.DataFrame, quarters: pd.DataFrame, yearly: pd.DataFrame, window_start: int, directory: Path
) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    sns.set_theme(style="whitegrid")
    paths = [directory / f"{name}.png" for name in FIGURE_NAMES]
    plot_children_per_year(yearly, window_start, paths[0])
    plot_trajectories(quarters, window_start, paths[1])
    plot_cost_by_payer(runs, paths[2])
    plot_sustainability_vs_cost(runs, paths[3])
    return paths
