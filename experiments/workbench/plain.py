"""A comparison in words people read: verdict sentences, a rounded table, CSV / Excel / report downloads.

The numbers are those of `compare_plans`; only the wording and rounding differ from `cpsim-plans compare`'s
report. No file-system paths appear anywhere.
"""

from __future__ import annotations

import io
import math
from typing import Any

import pandas as pd

from experiments.plans.compare import PlanComparison
from experiments.plans.runner import AFTER
from experiments.plans.verdict import judge
from experiments.plans.yearly import ALL
from sim.outcomes import OUTCOMES

REPEATS_NOTE = (
    'Each plan is run {n} times ("repeats") on the same simulated city: the same families, harms and shocks '
    "for every plan, so differences come from the plans, not from chance. Ranges in brackets hold the true "
    "difference 9 times in 10."
)
STATUS_WORDS = {
    "holds": "keeps children about as well protected as {base}",
    "falls short": "protects children less well than {base}",
    "unclear (more seeds needed)": "cannot be told apart from {base} yet (run more repeats)",
    "baseline": "is the plan the others are compared with",
}


def status(verdict_line: str) -> str:
    """'holds' / 'falls short' / 'unclear ...' / 'baseline' from a `verdict()` line."""
    rest = verdict_line.split(": ", 1)[1]
    return rest.split(" —", 1)[0].split(";", 1)[0]


def count(x: float) -> str:
    """Counts as people say them: whole numbers, three significant figures above 1,000."""
    if x is None or math.isnan(x):
        return "n/a"
    if abs(x) >= 1000:
        digits = len(str(int(abs(x)))) - 3
        return f"{round(x, -digits):,.0f}"
    return f"{x:,.0f}"


def money(x: float) -> str:
    """Rp million -> 'Rp 1.2 billion' / 'Rp 350 million'."""
    if x is None or math.isnan(x):
        return "n/a"
    sign = "-" if x < 0 else ""
    x = abs(x)
    if x >= 1000:
        return f"{sign}Rp {x / 1000:,.1f} billion"
    return f"{sign}Rp {x:,.0f} million"


def signed_money(x: float) -> str:
    return "no change" if abs(x) < 0.5 else ("+" if x > 0 else "") + money(x)


def percent(x: float) -> str:
    return "n/a" if x is None or math.isnan(x) else f"{100 * x:.0f}%"


def points(x: float) -> str:
    return "n/a" if x is None or math.isnan(x) else f"{100 * x:+.1f} points"


def _row(comp: PlanComparison, plan: str, kpi: str) -> pd.Series:
    t = comp.table
    return t[(t.plan == plan) & (t.kpi == kpi)].iloc[0]


def _served(comp: PlanComparison, plan: str) -> float:
    return float(comp.runs[comp.runs.plan == plan].cases_resolved.mean())


def verdict_text(comp: PlanComparison, plan: str) -> dict[str, Any]:
    """The plain verdict of one plan: a headline and a list of sentences."""
    base = comp.meta["baseline"]
    start = comp.meta["window_start"]
    line = comp.verdicts[[p[0] for p in comp.meta["plans"]].index(plan)]
    word = status(line)
    head = f"{plan} {STATUS_WORDS.get(word, word).format(base=base)}."
    res, found = _row(comp, plan, "resolution_rate_after"), _row(comp, plan, "children_found_after")
    served, cov = _row(comp, plan, "children_served_after"), _row(comp, plan, "effective_coverage_after")
    weeks, turnover = _row(comp, plan, "median_weeks_to_resolution"), _row(comp, plan, "turnover_per_year")
    cliff = comp.meta["cliffs"].get(plan)
    sentences = [
        f"Children reached (found by the system) from {start} on: {count(found.value)}"
        + ("" if plan == base else f" ({_change(found.delta, found.baseline)} vs {base})")
        + ".",
        f"Children served (their case resolved or the service they were referred to delivered) from {start} "
        f"on: {count(served.value)}, {percent(cov.value)} of the children harmed"
        + ("" if plan == base else f" ({_change(served.delta, served.baseline)} vs {base})")
        + ".",
        f"Cases resolved over the whole period: {count(_served(comp, plan))}.",
        f"Share of closed cases that were resolved, from {start} on: {percent(res.value)}"
        + (
            ""
            if plan == base
            else f" ({points(res.delta)}, likely between {points(res.delta_lo)} and {points(res.delta_hi)})"
        )
        + ".",
        f"Typical time to resolution: {weeks.value:.0f} weeks.",
        f"Workers leaving per year: {percent(turnover.value)} of the workforce.",
        "Cost over the period: "
        + ", ".join(
            f"{who} {money(_row(comp, plan, f'spend_{key}').value)}"
            for who, key in (("funder", "funder"), ("city", "local"), ("national government", "national"))
        )
        + (
            ""
            if plan == base
            else f" (city {signed_money(_row(comp, plan, 'spend_local').delta)}, "
            f"funder {signed_money(_row(comp, plan, 'spend_funder').delta)} vs {base})"
        )
        + ".",
        f"First quarter in which resolution fell more than {comp.meta['cliff_drop']:.0%} below {base}'s: "
        + (cliff or "none")
        + "."
        if plan != base
        else "",
        _why(comp, plan) if plan != base else "",
    ]
    return {"plan": plan, "status": word, "headline": head, "sentences": [s for s in sentences if s]}


def _why(comp: PlanComparison, plan: str) -> str:
    """The verdict's reason and its rule, in plain words."""
    base, tol = comp.meta["baseline"], comp.meta["tolerance"]
    judged = judge(comp.table, plan, base, tol)
    what = {
        "effective coverage": "the share of harmed children effectively served",
        "incidence": "the number of children newly harmed",
    }
    if judged.status == "falls short":
        reason = " and ".join(f"{what[d]} is clearly worse than under {base}" for d in judged.deciding)
    elif judged.status == "holds":
        reason = f"both the share of harmed children effectively served and harm itself stay close to {base}"
    else:
        reason = " and ".join(f"the likely range of {what[d]} reaches past the limit" for d in judged.deciding)
    return (
        f"Why: {reason}. The rule: a plan protects less well when, even at the hopeful end of its likely range, "
        f"the share of harmed children effectively served is more than {100 * judged.coverage_limit:.1f} points "
        f"below {base}'s ({tol:.0%} of it) or harm rises by more than {tol:.0%}; it keeps children about as well "
        "protected when both likely ranges stay within those limits."
    )


def _change(delta: float, baseline: float) -> str:
    if math.isnan(delta) or not baseline:
        return "n/a"
    return f"{100 * delta / baseline:+.0f}%"


TABLE_KPIS = (  # outcomes of the registry (sim/outcomes.py); `_after`: over the transition window
    "children_found_after",
    "children_served_after",
    "effective_coverage_after",
    "unmet_need_after",
    "cases_opened_after",
    "resolution_rate_after",
    "resolution_rate",
    "median_weeks_to_resolution",
    "mean_backlog",
    "incidence_per_1000_child_years_after",
    "turnover_per_year",
    "spend_funder",
    "spend_local",
    "spend_national",
    "spend_total",
)


def table_label(key: str, start: int) -> str:
    """The registry's label, with its span: from the window's first year, or the whole period."""
    o = OUTCOMES[key.removesuffix(AFTER)]
    if key.endswith(AFTER):
        return f"{o.table_label}, from {start}"
    return f"{o.table_label}, whole period" if o.windowed and not o.key.startswith("spend_") else o.table_label


def table_value(key: str, x: float) -> str:
    """Rounded for a planner: whole percent, whole counts, money in words, one decimal otherwise."""
    unit = OUTCOMES[key.removesuffix(AFTER)].unit
    if unit in ("share", "per year"):
        return percent(x)
    if unit in ("children", "cases", "count"):
        return count(x)
    if unit == "Rp m":
        return money(x)
    return "n/a" if x is None or math.isnan(x) else f"{x:.0f}" if unit == "weeks" else f"{x:.1f}"


def summary_table(comp: PlanComparison) -> pd.DataFrame:
    """Rows: indicators in words; columns: plans; cells rounded text."""
    start = comp.meta["window_start"]
    plans = [p[0] for p in comp.meta["plans"]]
    rows = {}
    for kpi in TABLE_KPIS:
        rows[table_label(kpi, start)] = [table_value(kpi, _row(comp, plan, kpi).value) for plan in plans]
    rows["Cases resolved, whole period"] = [count(_served(comp, p)) for p in plans]
    rows["First quarter below the baseline by 10%"] = [
        "(baseline)" if p == comp.meta["baseline"] else (comp.meta["cliffs"].get(p) or "none") for p in plans
    ]
    return pd.DataFrame.from_dict(rows, orient="index", columns=plans)


def results_frame(comp: PlanComparison) -> pd.DataFrame:
    """The CSV: one row per plan and indicator, with its value and (other plans) the change vs the baseline and
    the range that holds it 9 times in 10. Money in Rp million; shares between 0 and 1."""
    t = comp.table.copy()
    out = pd.DataFrame(
        {
            "plan": t.plan,
            "indicator": t.label,
            "unit": t.unit.map({"share": "share (0-1)", "per year": "share a year (0-1)", "Rp m": "Rp million"}).fillna(
                t.unit
            ),
            "value": t.value,
            "baseline_plan": comp.meta["baseline"],
            "baseline_value": t.baseline,
            "change_vs_baseline": t.delta.where(t.plan != comp.meta["baseline"]),
            "change_low": t.delta_lo.where(t.plan != comp.meta["baseline"]),
            "change_high": t.delta_hi.where(t.plan != comp.meta["baseline"]),
            "repeats": comp.meta["n_seeds"],
        }
    )
    return out.round(4)


def yearly_markdown(comp: PlanComparison) -> str:
    """Per plan, a table of its years: who pays, the city's budget, and the children harmed, found and served."""
    parts = []
    for plan in [p[0] for p in comp.meta["plans"]]:
        mine = comp.yearly[comp.yearly.plan == plan].set_index(["year", "indicator", "line", "payer"])["mean"]
        rows = [
            "| Year | Funder | City | National | City budget | Harmed | Found | Served | Coverage |",
            "|---" * 9 + "|",
        ]
        for year in sorted(mine.index.get_level_values("year").unique()):
            cells = [money(mine[(year, "spend", ALL, p)]) for p in ("funder", "local", "national")]
            budget = mine[(year, "city_budget", ALL, "local")]
            cells.append("no limit" if math.isnan(budget) else money(budget))
            cells += [count(mine[(year, k, "", "")]) for k in ("children_harmed", "children_found", "children_served")]
            cells.append(percent(mine[(year, "effective_coverage", "", "")]))
            rows.append(f"| {year} | " + " | ".join(cells) + " |")
        parts += [f"**{plan}**", "", *rows, ""]
    return "\n".join(parts)


def csv_bytes(comp: PlanComparison) -> bytes:
    return results_frame(comp).to_csv(index=False).encode()


def xlsx_bytes(comp: PlanComparison) -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        summary_table(comp).to_excel(xl, sheet_name="Summary")
        results_frame(comp).to_excel(xl, sheet_name="Results", index=False)
        comp.runs.drop(columns=["scenario"], errors="ignore").round(4).to_excel(xl, sheet_name="Each run", index=False)
        comp.yearly.to_excel(xl, sheet_name="Each year", index=False)
        comp.quarters.round(4).to_excel(xl, sheet_name="Quarters", index=False)
    return buf.getvalue()


def report_markdown(comp: PlanComparison, scenario_label: str) -> str:
    n = comp.meta["n_seeds"]
    parts = [
        f"# Funding-transition plans on {scenario_label}",
        "",
        REPEATS_NOTE.format(n=n),
        "",
        f"Compared with: **{comp.meta['baseline']}**. The transition period starts in {comp.meta['window_start']}, "
        "when the first plan's funder starts to withdraw.",
        "",
    ]
    for plan in [p[0] for p in comp.meta["plans"]]:
        v = verdict_text(comp, plan)
        parts += [f"## {v['headline']}", "", *(f"- {s}" for s in v["sentences"]), ""]
    table = summary_table(comp)
    parts += ["## Key numbers", "", "| | " + " | ".join(table.columns) + " |", "|---" * (len(table.columns) + 1) + "|"]
    parts += [f"| {label} | " + " | ".join(row) + " |" for label, row in table.iterrows()]
    parts += ["", "## Year by year", "", yearly_markdown(comp)]
    parts += ["", f"Made with cpsim-workbench in {comp.meta['wall_seconds']:.0f} seconds."]
    return "\n".join(parts) + "\n"
