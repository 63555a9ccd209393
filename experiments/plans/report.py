"""Text of a plan comparison: the KPI matrix (baseline value, then paired differences with 90% intervals) for
the terminal, and the same content as a Markdown and an HTML report embedding the figures."""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.common.html import embedded_img
from experiments.common.tables import markdown_table
from experiments.plans.paired import KPIS
from experiments.plans.yearly import ALL, CHILDREN, LABELS
from scenarios.schema import PAYERS
from sim.outcomes import PAYER_LABELS


def _value(x: float, unit: str, signed: bool = False) -> str:
    """A KPI value (or, signed, a difference) in its unit: shares as percent (differences in points)."""
    if x is None or math.isnan(x):
        return "n/a"
    sign = "+" if signed else ""
    if unit in ("share", "per year"):
        return f"{100 * x:{sign}.1f}" + ("" if signed else "%")
    if unit == "Rp m":
        return f"{x:{sign},.0f}" if abs(x) >= 100 else f"{x:{sign}.2f}"
    if unit == "ratio":
        return f"{x:{sign}.2f}"
    if unit == "children":
        return f"{x:{sign},.0f}"
    return f"{x:{sign},.1f}"


def _delta(x: float, unit: str) -> str:
    return _value(x, unit, signed=True)


def cell(row: pd.Series, is_baseline: bool) -> str:
    """Baseline: its mean. Other plans: paired difference [90% interval]; the plan's own mean [interval] where
    the baseline has no value (e.g. sustainability when the funder never leaves)."""
    if is_baseline or math.isnan(row.baseline):
        lo, hi = _value(row.value_lo, row.unit), _value(row.value_hi, row.unit)
        own = _value(row.value, row.unit)
        return own if is_baseline or lo == "n/a" else f"{own} [{lo}, {hi}]"
    pp = " pp" if row.unit in ("share", "per year") else ""
    return f"{_delta(row.delta, row.unit)}{pp} [{_delta(row.delta_lo, row.unit)}, {_delta(row.delta_hi, row.unit)}]"


def kpi_matrix(table: pd.DataFrame, plans: list[str], baseline: str, cliffs: dict[str, str | None]) -> pd.DataFrame:
    """Rows: KPIs (and the cliff); columns: plans. Strings ready to print."""
    rows: dict[str, dict[str, str]] = {}
    for kpi in KPIS:
        rows[kpi.label] = {}
        for plan in plans:
            row = table[(table.plan == plan) & (table.kpi == kpi.key)].iloc[0]
            rows[kpi.label][plan] = cell(row, plan == baseline)
    rows["Cliff (first quarter below threshold)"] = {plan: cliffs.get(plan) or "none" for plan in plans}
    return pd.DataFrame.from_dict(rows, orient="index", columns=plans)


def terminal_table(matrix: pd.DataFrame) -> str:
    label_width = max(len(label) for label in matrix.index)
    widths = [max(len(str(c)), *(len(v) for v in matrix[c])) for c in matrix.columns]
    head = " " * label_width + "  " + "  ".join(f"{c:>{w}}" for c, w in zip(matrix.columns, widths, strict=True))
    lines = [head]
    for label, row in matrix.iterrows():
        cells = "  ".join(f"{v:>{w}}" for v, w in zip(row, widths, strict=True))
        lines.append(f"{label:<{label_width}}  {cells}")
    return "\n".join(lines)


def intro(meta: dict[str, Any]) -> list[str]:
    cliff = (
        f"resolution below {meta['cliff_threshold']:.0%}"
        if meta["cliff_threshold"] is not None
        else f"resolution more than {meta['cliff_drop']:.0%} below the baseline's in the same quarter"
    )
    return [
        f"Scenario **{meta['scenario']}** {meta['overrides'] or ''}, {meta['n_seeds']} seeds "
        f"(seeds {meta['seeds'][0]}–{meta['seeds'][-1]}, the same for every plan: paired).",
        f"Baseline: **{meta['baseline']}**. Cells show the paired difference plan − baseline and its 90% "
        f"t-interval (shares in percentage points, money in Rp million over the horizon); the baseline column "
        f"shows its own mean. Transition window: from {meta['window_start']} to the end of the horizon.",
        f"Cliff: first quarter from {meta['window_start']} with {cliff} (cases pooled over seeds). "
        f"Verdict tolerance: {meta['tolerance']:.0%} of the baseline's effective coverage and of its incidence "
        "(each verdict states its rule).",
    ]


# the yearly table's columns: (indicator, line, payer, heading)
YEARLY_COLUMNS = (
    *(("spend", ALL, payer, f"Paid by {PAYER_LABELS[payer]} (Rp m)") for payer in PAYERS),
    ("city_budget", ALL, "local", "City budget (Rp m; plan)"),
    *((key, "", "", LABELS[key]) for key in (*CHILDREN, "unmet_need")),
    ("effective_coverage", "", "", LABELS["effective_coverage"]),
)


def yearly_rows(yearly: pd.DataFrame, plan: str) -> tuple[list[str], list[list[str]]]:
    """One plan's years as printable rows: money by payer and the city's budget, the children cascade; a value
    that varies over seeds shows its 90% interval."""
    mine = yearly[yearly.plan == plan].set_index(["year", "indicator", "line", "payer"])
    rows = []
    for year in sorted(mine.index.get_level_values("year").unique()):
        row = [str(year)]
        for indicator, line, payer, _ in YEARLY_COLUMNS:
            r = mine.loc[(year, indicator, line, payer)]
            unit = "share" if indicator == "effective_coverage" else "Rp m" if line == ALL else "children"
            own = _value(r["mean"], unit)
            varies = not (math.isnan(r.low) or r.low == r.high)
            row.append(f"{own} [{_value(r.low, unit)}, {_value(r.high, unit)}]" if varies else own)
        rows.append(row)
    return ["Year", *(heading for *_, heading in YEARLY_COLUMNS)], rows


FIGURES = (
    ("children_per_year", "Children effectively served and effective coverage per year; bands: 90% interval"),
    ("trajectories", "Quarterly resolution, backlog and workers; bands hold 90% of seeds"),
    ("cost_by_payer", "Cost over the horizon by payer"),
    ("sustainability_vs_cost", "Sustainability and transition-window resolution against the city's cost"),
)


YEARLY_NOTE = (
    "Per year: money by payer (Rp million; `yearly.csv` holds every line and payer), the city's programme budget "
    "where the plan sets one, and the children harmed, found, reached, effectively served and left unserved that "
    "year (means over seeds; [90% interval] where it varies)."
)


def markdown_report(matrix: pd.DataFrame, verdicts: list[str], yearly: pd.DataFrame, meta: dict[str, Any]) -> str:
    parts = [f"# Funding-transition plans: {', '.join(matrix.columns)}", "", *intro(meta), "", "## Verdicts", ""]
    parts += [f"- {v}" for v in verdicts]
    parts += [
        "",
        "## Key indicators",
        "",
        markdown_table(["KPI", *matrix.columns], [[label, *row] for label, row in matrix.iterrows()]),
        "",
        "## Year by year",
        "",
        YEARLY_NOTE,
        "",
    ]
    for plan in matrix.columns:
        parts += [f"### {plan}", "", markdown_table(*yearly_rows(yearly, plan)), ""]
    parts += ["## Figures", ""]
    parts += [f"![{caption}](figures/{name}.png)\n\n*{caption}.*\n" for name, caption in FIGURES]
    parts += ["## Plans", ""]
    parts += [f"- **{name}** (`{path}`): {desc}" for name, path, desc in meta["plans"]]
    parts += ["", f"Run on {meta['platform']} with {meta['versions_line']}; {meta['wall_seconds']:.0f} s."]
    return "\n".join(parts) + "\n"


def html_report(
    matrix: pd.DataFrame, verdicts: list[str], yearly: pd.DataFrame, meta: dict[str, Any], figures: Path
) -> str:
    """The report as one self-contained page: the figures (from `figures/`) are embedded."""
    e = html.escape
    body = [f"<h1>Funding-transition plans: {e(', '.join(matrix.columns))}</h1>"]
    body += [f"<p>{e(p).replace('**', '')}</p>" for p in intro(meta)]
    body += ["<h2>Verdicts</h2><ul>", *(f"<li>{e(v)}</li>" for v in verdicts), "</ul>", "<h2>Key indicators</h2>"]
    body.append(matrix.to_html(classes="kpis", border=0, escape=True))
    body += ["<h2>Year by year</h2>", f"<p>{e(YEARLY_NOTE).replace('`', '')}</p>"]
    for plan in matrix.columns:
        header, rows = yearly_rows(yearly, plan)
        body.append(f"<h3>{e(plan)}</h3>")
        body.append(pd.DataFrame(rows, columns=header).to_html(classes="kpis", border=0, escape=True, index=False))
    body.append("<h2>Figures</h2>")
    body += [
        f"<figure>{embedded_img(figures / f'{n}.png', c)}<figcaption>{e(c)}</figcaption></figure>" for n, c in FIGURES
    ]
    body += ["<h2>Plans</h2><ul>", *(f"<li><b>{e(n)}</b> ({e(str(p))}): {e(d)}</li>" for n, p, d in meta["plans"])]
    body += ["</ul>", f"<p>Run on {e(meta['platform'])} with {e(meta['versions_line'])}.</p>"]
    style = (
        "body{font-family:sans-serif;max-width:1200px;margin:auto}table.kpis{border-collapse:collapse;font-size:90%}"
        "table.kpis td,table.kpis th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right}img{max-width:100%}"
    )
    head = f"<head><meta charset='utf-8'><title>Funding-transition plans</title><style>{style}</style></head>"
    return f"<!doctype html><html>{head}<body>{''.join(body)}</body></html>\n"
