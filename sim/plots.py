"""The figures of one run: cases and backlog, workforce, spending by payer; and the figure saver every report uses."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from scenarios.schema import EMPLOYERS, PAYERS  # noqa: E402
from sim.run import Results  # noqa: E402


def _yearly(weekly: pd.DataFrame, columns: list[str], how: str = "sum") -> pd.DataFrame:
    return weekly.groupby("year", as_index=False)[columns].agg(how)


def plot_cases(results: Results, path: Path) -> None:
    w = results.weekly
    yearly = _yearly(w, ["cases_opened", "cases_resolved", "cases_unresolved", "cases_dropped"])
    long = yearly.melt("year", var_name="flow", value_name="cases")
    long["flow"] = long["flow"].str.removeprefix("cases_")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    sns.lineplot(data=long, x="year", y="cases", hue="flow", marker="o", ax=ax1)
    ax1.set_title("Cases per year")
    backlog = w[["week", "waiting", "active"]].melt("week", var_name="state", value_name="cases")
    backlog["year"] = results.config.run.start_year + backlog["week"] / 52
    sns.lineplot(data=backlog, x="year", y="cases", hue="state", ax=ax2)
    ax2.set_title("Backlog: waiting list and active cases")
    save_figure(fig, path, dpi=110)


def plot_workforce(results: Results, path: Path) -> None:
    w = results.weekly.copy()
    w["year_frac"] = results.config.run.start_year + w["week"] / 52
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    ax1.stackplot(w.year_frac, *[w[f"workers_{e}"] for e in EMPLOYERS], labels=EMPLOYERS, alpha=0.8)
    ax1.legend(loc="lower left", title="employer")
    ax1.set(title="Social workers in post", xlabel="year", ylabel="workers")
    quality = w[["year_frac", "mean_skill", "mean_high_skill", "mean_morale"]].melt(
        "year_frac", var_name="measure", value_name="value"
    )
    sns.lineplot(data=quality, x="year_frac", y="value", hue="measure", ax=ax2)
    ax2.set(title="Skill and morale (means)", xlabel="year", ylim=(0, 1))
    save_figure(fig, path, dpi=110)


def plot_spending(results: Results, path: Path) -> None:
    yearly = _yearly(results.weekly, [f"spend_{p}" for p in PAYERS])
    fig, ax = plt.subplots(figsize=(7, 4))
    bottom = None
    for payer in PAYERS:
        values = yearly[f"spend_{payer}"]
        ax.bar(yearly.year, values, bottom=bottom, label=payer)
        bottom = values if bottom is None else bottom + values
    ax.set(title="Spending by payer", xlabel="year", ylabel="Rp million")
    ax.legend(title="payer")
    save_figure(fig, path, dpi=110)


def plot_run(results: Results, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    sns.set_theme(style="whitegrid")
    paths = [directory / f"{name}.png" for name in ("cases", "workforce", "spending")]
    plot_cases(results, paths[0])
    plot_workforce(results, paths[1])
    plot_spending(results, paths[2])
    return paths


def save_figure(fig: plt.Figure, path: Path, dpi: int = 100) -> Path:
    """Lay out, write and close a figure (closing frees its memory in long report runs); return the path."""
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path
