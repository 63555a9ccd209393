"""Seaborn figures of a collected sweep: resolution heatmap, KPI trajectories with 90% bands, dose-response
of a lever, and prevention (incidence) responses. Each function writes one PNG and returns its path."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from experiments.common.tables import ratio, t_interval  # noqa: E402
from scenarios.schema import HARM_TYPES  # noqa: E402
from sim.outcomes import OUTCOMES, axis_label, parameter_label  # noqa: E402
from sim.plots import percent_axis, save_figure  # noqa: E402

DOSE_KPIS = ("effective_coverage", "resolution_rate_high_severity", "median_weeks_to_resolution", "mean_high_skill_end")
PREVENTION_KPIS = ("incidence_per_1000_child_years", "detected_share", "recurrence_52w")
TRAJECTORY_KPIS = ("effective_coverage", "resolution_rate", "backlog", "incidence_per_1000_child_years")
MAX_PANEL_PARAMS = 4  # trajectories: one column per swept parameter, at most this many


LABEL_WIDTH = 26  # characters a line of an axis label holds beside a panel of a grid


def _label(name: str) -> str:
    """Labels and units from the outcome registry (sim/outcomes.py), never a raw key; wrapped, so that a long
    label does not run into its neighbour's."""
    return textwrap.fill(axis_label(name), LABEL_WIDTH)


def _ordered(frame: pd.DataFrame, param: str, levels: list[Any]) -> pd.DataFrame:
    """The parameter as an ordered categorical (as text), so axes follow the sweep's order of levels."""
    out = frame.copy()
    shown = [_value(v) for v in levels]
    out[param] = pd.Categorical(out[param].map(_value), categories=list(dict.fromkeys(shown)), ordered=True)
    return out


def _value(value: Any) -> str:
    """A swept value as text for an axis or a legend: choices in words (`classroom_mentoring` -> `classroom
    mentoring`)."""
    return str(value).replace("_", " ")


def yearly_kpis(timeseries: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """Per run and year: children served / harmed, resolution rate, backlog and harm incidence (from weekly or
    yearly rows)."""
    flows = ["cases_resolved", "cases_unresolved", "cases_dropped", *(f"new_{t}" for t in HARM_TYPES)]
    flows += [f"served_{t}" for t in HARM_TYPES]
    keys = ["point_id", "seed", "year"]
    ts = timeseries.groupby(keys, as_index=False).agg({**{c: "sum" for c in flows}, "backlog": "mean"})
    ts = ts.merge(runs[["point_id", "seed", "children"]], on=["point_id", "seed"])
    closed = ts.cases_resolved + ts.cases_unresolved + ts.cases_dropped
    ts["resolution_rate"] = ratio(ts.cases_resolved, closed)
    harmed = ts[[f"new_{t}" for t in HARM_TYPES]].sum(axis=1)
    ts["incidence_per_1000_child_years"] = 1000 * harmed / ts.children
    ts["effective_coverage"] = ratio(ts[[f"served_{t}" for t in HARM_TYPES]].sum(axis=1), harmed)
    return ts[[*keys, *TRAJECTORY_KPIS]]


def heatmap(runs: pd.DataFrame, x: str, y: str, levels: dict[str, list[Any]], path: Path, kpi: str) -> Path:
    """Mean KPI over the x-y grid (other swept parameters and seeds averaged)."""
    data = _ordered(_ordered(runs, x, levels[x]), y, levels[y])
    grid = data.pivot_table(index=y, columns=x, values=kpi, aggfunc="mean", observed=False)
    half = data.pivot_table(index=y, columns=x, values=kpi, aggfunc=_half_width, observed=False)
    text = grid.map(OUTCOMES[kpi].format) + "\n± " + half.map(OUTCOMES[kpi].format)  # the colour's resolution
    fig, ax = plt.subplots(figsize=(1.6 * len(grid.columns) + 3, 0.8 * len(grid.index) + 2), layout="constrained")
    sns.heatmap(grid, annot=text, fmt="", cmap="viridis", cbar_kws={"label": _label(kpi)}, ax=ax)
    percent_axis(ax.collections[0].colorbar.ax.yaxis, kpi)
    title = f"{axis_label(kpi)}: mean ± half its 90% interval ({runs.seed.nunique()} seeds a cell)"
    ax.set(title=textwrap.fill(title, 60))
    ax.set(xlabel=parameter_label(x), ylabel=parameter_label(y))
    ax.tick_params(axis="y", rotation=0)
    return save_figure(fig, path)


def _half_width(values: pd.Series) -> float:
    mean, low, high = t_interval(values)
    return (high - low) / 2


def trajectories(yearly: pd.DataFrame, runs: pd.DataFrame, swept: list[str], levels: dict, path: Path) -> Path:
    """KPIs per year: mean and the band holding 90% of runs, by each swept parameter's value."""
    params = swept[:MAX_PANEL_PARAMS] or ["point_id"]
    data = yearly.merge(runs[["point_id", "seed", *swept]], on=["point_id", "seed"])
    fig, axes = plt.subplots(
        len(TRAJECTORY_KPIS),
        len(params),
        figsize=(4.2 * len(params) + 0.6, 2.8 * len(TRAJECTORY_KPIS)),
        squeeze=False,
        layout="constrained",
    )
    for col, param in enumerate(params):
        frame = _ordered(data, param, levels.get(param, sorted(data[param].unique())))
        for row, kpi in enumerate(TRAJECTORY_KPIS):
            ax = axes[row][col]
            sns.lineplot(
                data=frame, x="year", y=kpi, hue=param, estimator="mean", errorbar=("pi", 90), ax=ax, legend=row == 0
            )
            ax.set(ylabel=_label(kpi) if col == 0 else "")
            percent_axis(ax.yaxis, kpi)
            if ax.get_legend() is not None:  # above the top panel, off the data: its title names the column
                sns.move_legend(
                    ax, "lower center", bbox_to_anchor=(0.5, 1.02), ncol=4, title=parameter_label(param), frameon=False
                )
    fig.suptitle("KPI trajectories: mean and 90% band of runs (seeds and other swept parameters)")
    return save_figure(fig, path)


def response(runs: pd.DataFrame, swept: list[str], levels: dict, kpis: tuple[str, ...], title: str, path: Path) -> Path:
    """Mean KPI by each swept parameter's value with a 90% bootstrap interval of the mean."""
    params = swept or ["point_id"]
    fig, axes = plt.subplots(
        len(params), len(kpis), figsize=(3.8 * len(kpis), 3.2 * len(params) + 0.5), squeeze=False, layout="constrained"
    )
    for row, param in enumerate(params):
        frame = _ordered(runs, param, levels.get(param, sorted(runs[param].unique())))
        for col, kpi in enumerate(kpis):
            ax = axes[row][col]
            sns.pointplot(data=frame, x=param, y=kpi, errorbar=("ci", 90), seed=0, ax=ax, capsize=0.15)
            ax.set(ylabel=_label(kpi), xlabel=parameter_label(param))
            percent_axis(ax.yaxis, kpi)
            ax.tick_params(axis="x", rotation=30)
    fig.suptitle(title)
    return save_figure(fig, path)


def sweep_figures(runs: pd.DataFrame, timeseries: pd.DataFrame, swept: list[str], levels: dict, out: Path) -> dict:
    """Every figure the sweep supports (the heatmap needs two swept parameters); {kind: path}."""
    out.mkdir(parents=True, exist_ok=True)
    sns.set_theme(style="whitegrid")
    paths: dict[str, Path] = {}
    if len(swept) >= 2:
        paths["heatmap"] = heatmap(runs, swept[0], swept[1], levels, out / "heatmap_coverage.png", "effective_coverage")
    if len(timeseries):
        paths["trajectories"] = trajectories(
            yearly_kpis(timeseries, runs), runs, swept, levels, out / "trajectories.png"
        )
    paths["dose_response"] = response(
        runs, swept, levels, DOSE_KPIS, "Dose-response: case resolution and skill", out / "dose_response.png"
    )
    paths["prevention"] = response(
        runs, swept, levels, PREVENTION_KPIS, "Prevention: harm incidence and detection", out / "prevention.png"
    )
    return paths
