"""The sweep report: figures plus a table of effects with 90% intervals, as Markdown and HTML.

An effect is the paired difference of a KPI between a level of one swept parameter and its first (baseline)
level, matched on seed and on every other swept parameter. Common random numbers make these pairs share
their families and harm draws, so the interval (a t interval of the mean paired difference) is narrow.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path

import pandas as pd

from experiments.common.html import embedded_img
from experiments.common.tables import markdown_table, t_interval
from experiments.sweeps.collect import Sweep
from experiments.sweeps.figures import sweep_figures
from sim.outcomes import OUTCOMES, parameter_label

EFFECT_KPIS = (
    "effective_coverage",
    "children_served",
    "resolution_rate",
    "resolution_rate_high_severity",
    "incidence_per_1000_child_years",
    "backlog_end",
    "spend_local",
)


def effects(runs: pd.DataFrame, swept: list[str], levels: dict, kpis: tuple[str, ...] = EFFECT_KPIS) -> pd.DataFrame:
    """One row per swept parameter x non-baseline level x KPI: mean, paired effect and its 90% interval."""
    rows = []
    for param in swept:
        others = [p for p in swept if p != param]
        base_level = levels[param][0]
        base = runs[runs[param] == base_level]
        for level in levels[param][1:]:
            pairs = runs[runs[param] == level].merge(base, on=["seed", *others], suffixes=("", "_base"))
            for kpi in kpis:
                if kpi not in runs:
                    continue
                diff = (pairs[kpi] - pairs[f"{kpi}_base"]).dropna()
                mean, lo, hi = t_interval(diff, 0.90)
                rows.append(
                    {
                        "parameter": param,
                        "level": str(level),
                        "baseline": str(base_level),
                        "kpi": kpi,
                        "mean": pairs[kpi].mean(),
                        "effect": mean,
                        "lo90": lo,
                        "hi90": hi,
                        "pairs": len(diff),
                    }
                )
    return pd.DataFrame(
        rows, columns=["parameter", "level", "baseline", "kpi", "mean", "effect", "lo90", "hi90", "pairs"]
    )


def _fmt(key: str, x: float) -> str:
    """A value in its outcome's unit and format (sim/outcomes.py)."""
    return OUTCOMES[key].format(x)


def _effect_rows(table: pd.DataFrame) -> list[list[str]]:
    return [
        [
            parameter_label(r.parameter),
            f"{r.level} vs {r.baseline}",
            OUTCOMES[r.kpi].table_label,
            _fmt(r.kpi, r["mean"]),
            _fmt(r.kpi, r.effect),
            f"[{_fmt(r.kpi, r.lo90)}, {_fmt(r.kpi, r.hi90)}]",
            str(r.pairs),
        ]
        for _, r in table.iterrows()
    ]


HEADER = ["parameter", "level", "KPI", "mean at level", "effect", "90% interval", "pairs"]


def write_report(root: Path, sweep: Sweep) -> Path:
    """Draw the figures into `root/figures/` and write `root/report.md` and `root/report.html`."""
    root = Path(root)
    logging.getLogger("matplotlib").setLevel(logging.WARNING)  # category-axis notes would flood Hydra's log
    figures = sweep_figures(sweep.runs, sweep.timeseries, sweep.swept, sweep.levels, root / "figures")
    table = effects(sweep.runs, sweep.swept, sweep.levels)
    table.to_csv(root / "effects.csv", index=False)
    failed = sweep.points[sweep.points.status == "failed"]
    seeds = sorted(int(s) for s in sweep.runs.seed.unique())
    intro = (
        f"{len(sweep.points)} points ({len(failed)} failed), {len(sweep.runs)} runs, seeds {seeds} at every point "
        f"(common random numbers). Swept: "
        + "; ".join(f"{parameter_label(p)} = {', '.join(map(str, sweep.levels[p]))}" for p in sweep.swept)
        + ". Effects are paired differences from the first level, matched on seed and the other swept "
        "parameters, with 90% t intervals of the mean."
    )
    rows = _effect_rows(table)
    fail_rows = [[str(r.job), str(r.error)] for _, r in failed.iterrows()]
    md = [f"# Sweep report: {root.name}", "", intro, "", "## Figures", ""]
    md += [f"### {kind.replace('_', ' ')}\n\n![{kind}]({path.relative_to(root)})\n" for kind, path in figures.items()]
    md += ["## Effects", "", markdown_table(HEADER, rows), ""]
    if fail_rows:
        md += ["## Failed points", "", markdown_table(["job", "error"], fail_rows), ""]
    (root / "report.md").write_text("\n".join(md))
    body = [f"<h1>Sweep report: {html.escape(root.name)}</h1>", f"<p>{html.escape(intro)}</p>", "<h2>Figures</h2>"]
    body += [
        f"<h3>{html.escape(kind.replace('_', ' '))}</h3>{embedded_img(path, kind)}" for kind, path in figures.items()
    ]
    body += ["<h2>Effects</h2>", _html_table(HEADER, rows)]
    if fail_rows:
        body += ["<h2>Failed points</h2>", _html_table(["job", "error"], fail_rows)]
    page = "<!doctype html><meta charset='utf-8'><title>Sweep report</title>"
    page += "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}td,th{padding:2px 8px}</style>"
    (root / "report.html").write_text(page + "\n".join(body))
    return root / "report.md"


def _html_table(header: list[str], rows: list[list[str]]) -> str:
    cells = lambda tag, r: "<tr>" + "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in r) + "</tr>"  # noqa: E731
    return "<table>" + cells("th", header) + "".join(cells("td", r) for r in rows) + "</table>"
