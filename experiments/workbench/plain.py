"""A comparison in words people read: verdict sentences, a rounded table, CSV / Excel / report downloads.

The numbers are those of `compare_plans`; only the wording and rounding differ from `cpsim-plans compare`'s
report. No file-system paths appear anywhere. Every word goes through `_()` (i18n.py): in the tab's language
on the page, English elsewhere.
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
from experiments.workbench.i18n import N_, _, number
from sim.outcomes import OUTCOMES

REPEATS_NOTE = N_(
    'Each plan is run {n} times ("repeats") on the same simulated city: the same families, harms and shocks '
    "for every plan, so differences come from the plans, not from chance. Ranges in brackets hold the true "
    "difference 9 times in 10."
)
STATUS_WORDS = {
    "holds": N_("keeps children about as well protected as {base}"),
    "falls short": N_("protects children less well than {base}"),
    "unclear (more seeds needed)": N_("cannot be told apart from {base} yet (run more repeats)"),
    "baseline": N_("is the plan the others are compared with"),
}
PAYERS = (("funder", N_("funder")), ("local", N_("city")), ("national", N_("national government")))


def repeats_note(n: int) -> str:
    """`REPEATS_NOTE` in the tab's language."""
    return _(REPEATS_NOTE).format(n=n)


def status(verdict_line: str) -> str:
    """'holds' / 'falls short' / 'unclear ...' / 'baseline' from a `verdict()` line."""
    rest = verdict_line.split(": ", 1)[1]
    return rest.split(" —", 1)[0].split(";", 1)[0]


def _nan(x: float | None) -> bool:
    return x is None or math.isnan(x)


def count(x: float) -> str:
    """Counts as people say them: whole numbers, three significant figures above 1,000."""
    if _nan(x):
        return _("n/a")
    if abs(x) >= 1000:
        digits = len(str(int(abs(x)))) - 3
        return number(round(x, -digits))
    return number(x)


def money(x: float) -> str:
    """Rp million -> 'Rp 1.2 billion' / 'Rp 350 million'."""
    if _nan(x):
        return _("n/a")
    sign = "-" if x < 0 else ""
    x = abs(x)
    if x >= 1000:
        return sign + _("Rp {amount} billion").format(amount=number(x / 1000, 1))
    return sign + _("Rp {amount} million").format(amount=number(x))


def signed_money(x: float) -> str:
    return _("no change") if abs(x) < 0.5 else ("+" if x > 0 else "") + money(x)


def percent(x: float) -> str:
    return _("n/a") if _nan(x) else number(100 * x) + "%"


def points(x: float) -> str:
    return _("n/a") if _nan(x) else _("{value} points").format(value=number(100 * x, 1, sign=True))


def _row(comp: PlanComparison, plan: str, kpi: str) -> pd.Series:
    t = comp.table
    return t[(t.plan == plan) & (t.kpi == kpi)].iloc[0]


def _served(comp: PlanComparison, plan: str) -> float:
    return float(comp.runs[comp.runs.plan == plan].cases_resolved.mean())


def _versus(plan: str, base: str, text: str) -> str:
    """' (text vs base)' for a plan other than the baseline."""
    return "" if plan == base else " " + _("({change} vs {base})").format(change=text, base=base)


def verdict_text(comp: PlanComparison, plan: str) -> dict[str, Any]:
    """The plain verdict of one plan: a headline and a list of sentences."""
    base = comp.meta["baseline"]
    start = comp.meta["window_start"]
    line = comp.verdicts[[p[0] for p in comp.meta["plans"]].index(plan)]
    word = status(line)
    head = f"{plan} {_(STATUS_WORDS[word]).format(base=base) if word in STATUS_WORDS else word}."
    res, found = _row(comp, plan, "resolution_rate_after"), _row(comp, plan, "children_found_after")
    served, cov = _row(comp, plan, "children_served_after"), _row(comp, plan, "effective_coverage_after")
    weeks, turnover = _row(comp, plan, "median_weeks_to_resolution"), _row(comp, plan, "turnover_per_year")
    cliff = comp.meta["cliffs"].get(plan)
    costs = ", ".join(f"{_(who)} {money(_row(comp, plan, f'spend_{key}').value)}" for key, who in PAYERS)
    cost_change = _("city {city}, funder {funder}").format(
        city=signed_money(_row(comp, plan, "spend_local").delta),
        funder=signed_money(_row(comp, plan, "spend_funder").delta),
    )
    sentences = [
        _("Children reached (found by the system) from {start} on: {n}").format(start=start, n=count(found.value))
        + _versus(plan, base, _change(found.delta, found.baseline))
        + ".",
        _(
            "Children served (their case resolved or the service they were referred to delivered) from {start} on: "
            "{n}, {share} of the children harmed"
        ).format(start=start, n=count(served.value), share=percent(cov.value))
        + _versus(plan, base, _change(served.delta, served.baseline))
        + ".",
        _("Cases resolved over the whole period: {n}.").format(n=count(_served(comp, plan))),
        _("Share of closed cases that were resolved, from {start} on: {share}").format(
            start=start, share=percent(res.value)
        )
        + (
            ""
            if plan == base
            else " "
            + _("({change}, likely between {low} and {high})").format(
                change=points(res.delta), low=points(res.delta_lo), high=points(res.delta_hi)
            )
        )
        + ".",
        _("Typical time to resolution: {weeks} weeks.").format(weeks=number(weeks.value)),
        _("Workers leaving per year: {share} of the workforce.").format(share=percent(turnover.value)),
        _("Cost over the period: {costs}").format(costs=costs) + _versus(plan, base, cost_change) + ".",
        _("First quarter in which resolution fell more than {drop} below {base}'s: {quarter}.").format(
            drop=percent(comp.meta["cliff_drop"]), base=base, quarter=cliff or _("none")
        )
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
        "effective coverage": _("the share of harmed children effectively served"),
        "incidence": _("the number of children newly harmed"),
    }
    if judged.status == "falls short":
        reason = _(" and ").join(
            _("{what} is clearly worse than under {base}").format(what=what[d], base=base) for d in judged.deciding
        )
    elif judged.status == "holds":
        reason = _("both the share of harmed children effectively served and harm itself stay close to {base}").format(
            base=base
        )
    else:
        reason = _(" and ").join(
            _("the likely range of {what} reaches past the limit").format(what=what[d]) for d in judged.deciding
        )
    return _(
        "Why: {reason}. The rule: a plan protects less well when, even at the hopeful end of its likely range, "
        "the share of harmed children effectively served is more than {limit} points below {base}'s ({tolerance} "
        "of it) or harm rises by more than {tolerance}; it keeps children about as well protected when both "
        "likely ranges stay within those limits."
    ).format(reason=reason, limit=number(100 * judged.coverage_limit, 1), base=base, tolerance=percent(tol))


def _change(delta: float, baseline: float) -> str:
    if math.isnan(delta) or not baseline:
        return _("n/a")
    return number(100 * delta / baseline, sign=True) + "%"


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
UNITS = {  # the CSV's units in words; other units are the registry's, each in the catalogue (i18n.data_texts)
    "share": N_("share (0-1)"),
    "per year": N_("share a year (0-1)"),
    "Rp m": N_("Rp million"),
}


def _unit(unit: str) -> str:
    words = UNITS.get(unit, unit)
    return _(words) if words else words


def outcome_label(key: str, with_unit: bool = True) -> str:
    """The registry's label of an outcome in the tab's language; with its unit where the registry's table label
    has one (`Outcome.table_label`)."""
    o = OUTCOMES[key.removesuffix(AFTER)]
    if not with_unit or o.table_label == o.label:
        return _(o.label)
    unit = {"share": "%", "per year": "% a year"}.get(o.unit, o.unit)
    return _("{label} ({unit})").format(label=_(o.label), unit=_(unit))


def table_label(key: str, start: int) -> str:
    """The registry's label, with its span: from the window's first year, or the whole period."""
    o = OUTCOMES[key.removesuffix(AFTER)]
    label = outcome_label(key)
    if key.endswith(AFTER):
        return _("{label}, from {start}").format(label=label, start=start)
    return _("{label}, whole period").format(label=label) if o.windowed and not o.key.startswith("spend_") else label


def table_value(key: str, x: float) -> str:
    """Rounded for a planner: whole percent, whole counts, money in words, one decimal otherwise."""
    unit = OUTCOMES[key.removesuffix(AFTER)].unit
    if unit in ("share", "per year"):
        return percent(x)
    if unit in ("children", "cases", "count"):
        return count(x)
    if unit == "Rp m":
        return money(x)
    return _("n/a") if _nan(x) else number(x) if unit == "weeks" else number(x, 1)


def summary_table(comp: PlanComparison) -> pd.DataFrame:
    """Rows: indicators in words; columns: plans; cells rounded text."""
    start = comp.meta["window_start"]
    plans = [p[0] for p in comp.meta["plans"]]
    rows = {}
    for kpi in TABLE_KPIS:
        rows[table_label(kpi, start)] = [table_value(kpi, _row(comp, plan, kpi).value) for plan in plans]
    rows[_("Cases resolved, whole period")] = [count(_served(comp, p)) for p in plans]
    rows[_("First quarter below the baseline by {drop}").format(drop=percent(comp.meta["cliff_drop"]))] = [
        _("(baseline)") if p == comp.meta["baseline"] else (comp.meta["cliffs"].get(p) or _("none")) for p in plans
    ]
    return pd.DataFrame.from_dict(rows, orient="index", columns=plans)


def _indicator(kpi: str) -> str:
    """A KPI's label as `experiments/plans/paired.py` words it (its span after the comma), translated."""
    o = OUTCOMES[kpi.removesuffix(AFTER)]
    if kpi.endswith(AFTER):
        return _("{label}, transition window").format(label=_(o.label))
    return _("{label}, whole horizon").format(label=_(o.label)) if o.windowed else _(o.label)


def results_frame(comp: PlanComparison) -> pd.DataFrame:
    """The CSV: one row per plan and indicator, with its value and (other plans) the change vs the baseline and
    the range that holds it 9 times in 10. Money in Rp million; shares between 0 and 1. The columns keep their
    names in every language (scripts read them); the indicators and units are in the tab's language."""
    t = comp.table.copy()
    out = pd.DataFrame(
        {
            "plan": t.plan,
            "indicator": t.kpi.map(_indicator),
            "unit": t.unit.map(_unit),
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
    header = [
        _("Year"),
        _("Funder"),
        _("City"),
        _("National"),
        _("City budget"),
        _("Harmed"),
        _("Found"),
        _("Served"),
        _("Coverage"),
    ]
    parts = []
    for plan in [p[0] for p in comp.meta["plans"]]:
        mine = comp.yearly[comp.yearly.plan == plan].set_index(["year", "indicator", "line", "payer"])["mean"]
        rows = ["| " + " | ".join(header) + " |", "|---" * len(header) + "|"]
        for year in sorted(mine.index.get_level_values("year").unique()):
            cells = [money(mine[(year, "spend", ALL, p)]) for p in ("funder", "local", "national")]
            budget = mine[(year, "city_budget", ALL, "local")]
            cells.append(_("no limit") if math.isnan(budget) else money(budget))
            cells += [count(mine[(year, k, "", "")]) for k in ("children_harmed", "children_found", "children_served")]
            cells.append(percent(mine[(year, "effective_coverage", "", "")]))
            rows.append(f"| {year} | " + " | ".join(cells) + " |")
        parts += [f"**{plan}**", "", *rows, ""]
    return "\n".join(parts)


def csv_bytes(comp: PlanComparison) -> bytes:
    return results_frame(comp).to_csv(index=False).encode()


PLAN_SHEET = "Plan"  # the plan as one row per field; the Plans page imports it back (plan_files.py)
SHARE_FORMAT, MONEY_FORMAT, WHOLE_FORMAT, YEAR_FORMAT = "0%", '"Rp "#,##0" m"', "#,##0", "0"
DECIMAL_FORMAT, SHARE_FINE_FORMAT, MONEY_FINE_FORMAT = "#,##0.00", "0.0#%", '"Rp "#,##0.0#" m"'
YEAR_COLUMNS = {"year", "seed", "quarter", "week", "repeats", "start_year", "window_start"}


def _number_format(unit: str, x: float) -> str:
    """The Excel format of a number of this unit: percent for shares, Rp million, whole numbers, years."""
    whole = float(x).is_integer()
    if unit in ("share", "per year", "share (0-1)", "share a year (0-1)"):
        return SHARE_FORMAT if float(100 * x).is_integer() else SHARE_FINE_FORMAT
    if unit in ("Rp m", "Rp million"):
        return MONEY_FORMAT if whole else MONEY_FINE_FORMAT
    if unit == "year":
        return YEAR_FORMAT
    return WHOLE_FORMAT if whole or unit in ("children", "cases", "count", "positions") else DECIMAL_FORMAT


def _unit_of(column: str) -> str:
    key = str(column).removesuffix(AFTER)
    if str(column) in YEAR_COLUMNS:
        return "year"
    if key in OUTCOMES:
        return OUTCOMES[key].unit
    if str(column).startswith("spend"):
        return "Rp m"
    return ""


def _format_numbers(ws: Any, row_unit: Any = None) -> None:
    """Give every number of a sheet a number format (by its column's unit, or its row's for the Results sheet)."""
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        unit_here = row_unit(row, header) if row_unit else None
        for cell in row:
            if cell.data_type == "n" and cell.value is not None and not isinstance(cell.value, bool):
                column = header[cell.column - 1]
                unit = unit_here if unit_here and column not in YEAR_COLUMNS else _unit_of(column)
                cell.number_format = _number_format(unit, cell.value)


def _summary_sheet(comp: PlanComparison, xl: Any) -> None:
    """Summary: indicators x plans, numbers as numbers (percent, Rp million, whole counts)."""
    start = comp.meta["window_start"]
    plans = [p[0] for p in comp.meta["plans"]]
    ws = xl.book.create_sheet("Summary", 0)
    ws.append(["", *plans])
    for kpi in TABLE_KPIS:
        values = [float(_row(comp, plan, kpi).value) for plan in plans]
        ws.append([table_label(kpi, start), *(None if math.isnan(v) else v for v in values)])
        unit = OUTCOMES[kpi.removesuffix(AFTER)].unit
        for cell in ws[ws.max_row][1:]:
            if cell.value is not None:
                cell.number_format = _number_format(unit, cell.value) if unit != "weeks" else WHOLE_FORMAT
    ws.append(["Cases resolved, whole period", *(_served(comp, p) for p in plans)])
    for cell in ws[ws.max_row][1:]:
        cell.number_format = WHOLE_FORMAT
    ws.append(
        [
            "First quarter below the baseline by 10%",
            *("(baseline)" if p == comp.meta["baseline"] else (comp.meta["cliffs"].get(p) or "none") for p in plans),
        ]
    )
    ws.column_dimensions["A"].width = 60


def plan_rows(data: dict[str, Any]) -> list[tuple[str, str, Any, str | None]]:
    """Plan-file data as rows (field, what it is in words, value, number format): what the Plan sheet holds."""
    from experiments.workbench.draft import EMPLOYER_LABELS, LINE_LABELS

    rows: list[tuple[str, str, Any, str | None]] = [
        ("name", "Plan name", data.get("name", ""), None),
        ("description", "One line about it", data.get("description", ""), None),
    ]
    if data.get("legal_anchor"):
        rows.append(("legal_anchor", "Legal anchor", data["legal_anchor"], None))
    for year, lines in (data.get("funder_share") or {}).items():
        for line, v in lines.items():
            rows.append((f"funder_share.{year}.{line}", f"Funder's share: {LINE_LABELS[line]}, {year}", v, "share"))
    for line, entry in (data.get("pickup") or {}).items():
        if "share" in entry:
            rows.append((f"pickup.{line}.share", f"City pickup share: {LINE_LABELS[line]}", entry["share"], "share"))
        if "delay_years" in entry:
            rows.append(
                (
                    f"pickup.{line}.delay_years",
                    f"City pickup delay, years: {LINE_LABELS[line]}",
                    entry["delay_years"],
                    "count",
                )
            )
    if data.get("cut_order"):
        rows.append(("cut_order", "Cut first when the city budget is short", ", ".join(data["cut_order"]), None))
    for year, v in (data.get("local_budget") or {}).items():
        rows.append((f"local_budget.{year}", f"City budget (Rp million), {year}", v, "Rp m"))
    for year, employers in (data.get("hiring") or {}).items():
        for e, n in employers.items():
            rows.append((f"hiring.{year}.{e}", f"Positions: {EMPLOYER_LABELS[e]}, {year}", n, "positions"))
    return rows


def write_plan_sheet(book: Any, data: dict[str, Any]) -> None:
    ws = book.create_sheet(PLAN_SHEET)
    ws.append(["field", "what it is", "value"])
    for key, what, value, unit in plan_rows(data):
        ws.append([key, what, value])
        cell = ws.cell(ws.max_row, 3)
        if unit and isinstance(value, (int, float)) and not isinstance(value, bool):
            cell.number_format = _number_format(unit, value)
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 34, 48


def plan_xlsx_bytes(data: dict[str, Any]) -> bytes:
    """A workbook holding only the Plan sheet (the Plans page's "Plan (Excel)" download)."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    write_plan_sheet(book, data)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def plan_from_config(comp: PlanComparison, name: str) -> dict[str, Any]:
    """Plan-file data equivalent to a compared plan, rebuilt from its config: each year's changes only."""
    import dataclasses

    cfg = comp.configs[name]
    t = cfg.transition
    lines = [f.name for f in dataclasses.fields(cfg.funding.funder_share)]
    employers = [f.name for f in dataclasses.fields(cfg.staffing.workers)]
    shares = {ln: getattr(cfg.funding.funder_share, ln) for ln in lines}
    positions = {e: getattr(cfg.staffing.workers, e) for e in employers}
    budget = None
    data: dict[str, Any] = {"name": name, "description": next((p[2] for p in comp.meta["plans"] if p[0] == name), "")}
    data["legal_anchor"] = cfg.funding.regulation
    funder, local, hiring = {}, {}, {}
    for entry in t.years:
        changed = {ln: getattr(entry.funder_share, ln) for ln in lines if getattr(entry.funder_share, ln) != shares[ln]}
        if changed:
            funder[entry.year] = changed
            shares.update(changed)
        if budget is None or entry.local_budget != budget:
            if entry.local_budget < 1e9 or budget is not None:
                local[entry.year] = entry.local_budget
            budget = entry.local_budget
        moved = {e: getattr(entry.positions, e) for e in employers if getattr(entry.positions, e) != positions[e]}
        if moved:
            hiring[entry.year] = moved
            positions.update(moved)
    data["funder_share"] = funder
    data["pickup"] = {
        ln: {"share": getattr(t.pickup_share, ln), "delay_years": getattr(t.pickup_delay_years, ln)} for ln in lines
    }
    if t.cut_order:
        data["cut_order"] = list(t.cut_order)
    if local:
        data["local_budget"] = local
    if hiring:
        data["hiring"] = hiring
    return data


def xlsx_bytes(comp: PlanComparison, plan: dict[str, Any] | None = None) -> bytes:
    """The Excel download: Summary, Results, Each run, Each year, Quarters and Plan, every number stored as a
    number with its format (percent, Rp million, whole numbers). `plan`: the plan-file data of the plan compared
    (default: rebuilt from the comparison's second plan, the one the page edits)."""
    if plan is None:
        names = [p[0] for p in comp.meta["plans"]]
        plan = plan_from_config(comp, names[1] if len(names) > 1 else names[0])
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        results = results_frame(comp)
        results.to_excel(xl, sheet_name="Results", index=False)
        comp.runs.drop(columns=["scenario"], errors="ignore").round(4).to_excel(xl, sheet_name="Each run", index=False)
        comp.yearly.to_excel(xl, sheet_name="Each year", index=False)
        comp.quarters.round(4).to_excel(xl, sheet_name="Quarters", index=False)
        _summary_sheet(comp, xl)

        def result_unit(row: Any, header: list[Any]) -> str:
            return str(row[header.index("unit")].value or "")

        def yearly_unit(row: Any, header: list[Any]) -> str:
            indicator = str(row[header.index("indicator")].value or "")
            return "Rp m" if indicator in ("spend", "city_budget") else "share" if "coverage" in indicator else ""

        _format_numbers(xl.book["Results"], result_unit)
        _format_numbers(xl.book["Each run"])
        _format_numbers(xl.book["Each year"], yearly_unit)
        _format_numbers(xl.book["Quarters"])
        write_plan_sheet(xl.book, plan)
    return buf.getvalue()


def report_markdown(comp: PlanComparison, scenario_label: str) -> str:
    n = comp.meta["n_seeds"]
    parts = [
        "# " + _("Funding-transition plans on {scenario}").format(scenario=scenario_label),
        "",
        repeats_note(n),
        "",
        _(
            "Compared with: **{baseline}**. The transition period starts in {start}, when the first plan's funder "
            "starts to withdraw."
        ).format(baseline=comp.meta["baseline"], start=comp.meta["window_start"]),
        "",
    ]
    for plan in [p[0] for p in comp.meta["plans"]]:
        v = verdict_text(comp, plan)
        parts += [f"## {v['headline']}", "", *(f"- {s}" for s in v["sentences"]), ""]
    table = summary_table(comp)
    parts += [
        "## " + _("Key numbers"),
        "",
        "| | " + " | ".join(table.columns) + " |",
        "|---" * (len(table.columns) + 1) + "|",
    ]
    parts += [f"| {label} | " + " | ".join(row) + " |" for label, row in table.iterrows()]
    parts += ["", "## " + _("Year by year"), "", yearly_markdown(comp)]
    parts += [
        "",
        _("Made with cpsim-workbench in {seconds} seconds.").format(seconds=number(comp.meta["wall_seconds"])),
    ]
    return "\n".join(parts) + "\n"
