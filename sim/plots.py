"""The figures of one run: cases and backlog, workforce, spending by payer; and the figure saver every report uses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import MaxNLocator, PercentFormatter  # noqa: E402
from matplotlib.transforms import Bbox, offset_copy  # noqa: E402

from scenarios.schema import EMPLOYERS, PAYERS  # noqa: E402
from sim.outcomes import axis_label, unit_of  # noqa: E402
from sim.run import Results  # noqa: E402

# plain matplotlib (a run's three figures need no seaborn, whose import with scipy.stats costs a second)
STYLE = {"axes.grid": True, "grid.alpha": 0.4, "axes.spines.top": False, "axes.spines.right": False}


BELOW_POINTS = 34  # room under a panel for its tick labels and axis label, whatever the panel's height


def below(ax: plt.Axes) -> dict[str, Any]:
    """Legend options that put it under the panel's axis label, off the data (a fixed distance in points, so a
    short panel and a tall one alike)."""
    anchor = offset_copy(ax.transAxes, fig=ax.figure, y=-BELOW_POINTS, units="points")
    return {"loc": "upper center", "bbox_to_anchor": (0.5, 0.0), "bbox_transform": anchor, "ncol": 3, "frameon": False}


def _yearly(weekly: pd.DataFrame, columns: list[str], how: str = "sum") -> pd.DataFrame:
    return weekly.groupby("year", as_index=False)[columns].agg(how)


def plot_cases(results: Results, path: Path) -> None:
    w = results.weekly
    flows = ["cases_opened", "cases_resolved", "cases_unresolved", "cases_dropped"]
    yearly = _yearly(w, flows)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    for column in flows:
        ax1.plot(yearly.year, yearly[column], marker="o", label=column.removeprefix("cases_"))
    ax1.set(title="Cases per year", xlabel="year", ylabel="cases")
    ax1.legend(title="flow", **below(ax1))
    time = results.config.run.start_year + w["week"] / 52
    for column in ("waiting", "active"):
        ax2.plot(time, w[column], label=column)
    ax2.set(title="Backlog: waiting list and active cases", xlabel="year", ylabel="cases")
    ax2.legend(title="state", **below(ax2))
    save_figure(fig, path, dpi=110, vector=False)


def plot_workforce(results: Results, path: Path) -> None:
    w = results.weekly
    time = results.config.run.start_year + w["week"] / 52
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.4), layout="constrained")
    ax1.stackplot(time, *[w[f"workers_{e}"] for e in EMPLOYERS], labels=EMPLOYERS, alpha=0.8)
    ax1.legend(title="employer", **below(ax1))
    ax1.set(title="Social workers in post", xlabel="year", ylabel="workers")
    for column in ("mean_skill", "mean_high_skill", "mean_morale"):
        ax2.plot(time, w[column], label=axis_label(column))
    ax2.set(title="Skill and morale (means)", xlabel="year", ylim=(0, 1))
    ax2.legend(fontsize=8, **below(ax2))
    percent_axis(ax2.yaxis, "mean_skill")
    save_figure(fig, path, dpi=110, vector=False)


def plot_spending(results: Results, path: Path) -> None:
    yearly = _yearly(results.weekly, [f"spend_{p}" for p in PAYERS])
    fig, ax = plt.subplots(figsize=(7, 4.4), layout="constrained")
    bottom = None
    for payer in PAYERS:
        values = yearly[f"spend_{payer}"]
        ax.bar(yearly.year, values, bottom=bottom, label=payer)
        bottom = values if bottom is None else bottom + values
    ax.set(title="Spending by payer", xlabel="year", ylabel="Rp million")
    ax.legend(title="payer", **below(ax))
    save_figure(fig, path, dpi=110, vector=False)


CASCADE = (
    ("children_harmed", "harmed"),
    ("children_found", "found"),
    ("children_reached", "reached\n(a first service)"),
    ("children_served", "effectively served\n(a service that worked)"),
)


def plot_cascade(results: Results, path: Path) -> None:
    """The coverage cascade over the horizon, in children (harm types): each bar with its share of the harmed."""
    s = results.summary
    values = [s[key] for key, _ in CASCADE]
    fig, ax = plt.subplots(figsize=(8.5, 4.4))
    bars = ax.bar([label for _, label in CASCADE], values, color=["#9e9e9e", "#6a8caf", "#4c72b0", "#2a9d8f"])
    for bar, value in zip(bars, values, strict=True):
        share = value / values[0] if values[0] else float("nan")
        ax.annotate(
            f"{value:,.0f}\n({share:.0%})", (bar.get_x() + bar.get_width() / 2, value), ha="center", va="bottom"
        )
    ax.set(title="The coverage cascade: children harmed, found, reached and effectively served", ylabel="children")
    ax.set_ylim(0, 1.18 * max(values[0], 1))
    ax.title.set_fontsize(10)
    save_figure(fig, path, dpi=110, vector=False)


def plot_run(results: Results, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / f"{name}.png" for name in ("cases", "workforce", "spending", "cascade")]
    with plt.rc_context(STYLE):
        plot_cases(results, paths[0])
        plot_workforce(results, paths[1])
        plot_spending(results, paths[2])
        plot_cascade(results, paths[3])
    return paths


def percent_axis(axis: Any, key: str) -> None:
    """Show a share outcome (stored as a fraction) in per cent on `axis` (ax.xaxis or ax.yaxis), as its label
    says; any other unit is left as it is."""
    if unit_of(key) in ("share", "per year"):
        axis.set_major_formatter(PercentFormatter(xmax=1))  # decimals as the range needs


def save_figure(fig: plt.Figure, path: Path, dpi: int = 100, vector: bool = True) -> Path:
    """Lay out, write and close a figure (closing frees its memory in long report runs); return the PNG's path.
    With `vector`, an SVG beside it for print (a report's figures; a run's own figures skip it for speed)."""
    for ax in fig.axes:  # a year axis shows whole years (quarter ticks crowd a short run's axis)
        if ax.get_xlabel() == "year":
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if fig.get_layout_engine() is None:
        fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    if vector:
        fig.savefig(Path(path).with_suffix(".svg"))
    if LAYOUT_CHECK is not None:
        LAYOUT_CHECK.extend(f"{Path(path).name}: {clash}" for clash in overlaps(fig))
    plt.close(fig)
    return path


def _shown_ticks(axis: Any) -> list[Any]:
    """Tick labels inside the axis's view (matplotlib keeps labels of ticks beyond it, never drawn)."""
    lo, hi = sorted(axis.get_view_interval())
    ticks = zip(axis.get_majorticklocs(), axis.get_majorticklabels(), strict=False)
    return [label for loc, label in ticks if lo <= loc <= hi]


LAYOUT_CHECK: list[str] | None = None  # tests set a list: every saved figure's overlapping texts go into it


def overlaps(fig: plt.Figure) -> list[str]:
    """Texts of a drawn figure whose boxes overlap: titles, axis labels, tick labels, legends and the suptitle
    (within one axes, tick labels are only checked against each other), and legends drawn over a panel. Empty
    for a clean layout."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = [fig._suptitle] if fig._suptitle is not None else []  # noqa: SLF001 - no public getter
    for ax in fig.axes:
        texts += [ax.title, ax.xaxis.label, ax.yaxis.label, *_shown_ticks(ax.xaxis), *_shown_ticks(ax.yaxis)]
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts if t.get_text() and t.get_visible()]
    legends = [ax.get_legend() for ax in fig.axes] + list(fig.legends)
    boxes += [("legend", lg.get_window_extent(renderer)) for lg in legends if lg is not None and lg.get_visible()]
    found = []
    for lg in legends:  # a legend drawn over a panel hides data (a panel's empty corner today, a line tomorrow)
        if lg is None or not lg.get_visible():
            continue
        for ax in fig.axes:
            both = Bbox.intersection(lg.get_window_extent(renderer), ax.get_window_extent(renderer))
            if both is not None and both.width > 1 and both.height > 1:
                found.append(f"legend {lg.get_title().get_text()!r} lies over a panel ({ax.get_title()!r})")
    for i, (text_a, a) in enumerate(boxes):
        for text_b, b in boxes[i + 1 :]:
            both = Bbox.intersection(a, b)
            if both is not None and both.width > 1 and both.height > 1:  # a touch of a pixel is not a clash
                found.append(f"{text_a!r} overlaps {text_b!r}")
    return found
