"""The plan's grid on the Plans page: one text cell per budget line and year, pickup, budget and positions, with
the cells that fail the plan check marked and the errors listed below.

`draft` (a per-tab `solara.reactive`) holds what the planner typed; Plans reads it to save and compare.
"""

from __future__ import annotations

import solara

from experiments.workbench import draft as D
from experiments.workbench.page import Text
from scenarios.schema import BUDGET_LINES, EMPLOYERS


def _starting_draft() -> D.Draft:
    d = D.example("linear_taper_3y")
    d.name, d.description = "my_plan", "my changes to linear_taper_3y"
    return d


draft = solara.reactive(_starting_draft())


def _cell(key: str, bad: set[str], width: int = 62) -> solara.Element:
    return Cell(key, draft.value.cell(key), key in bad, width)


@solara.component
def Cell(key: str, text: str, error: bool, width: int) -> None:
    """One cell of the grid, a component of its own: when another cell changes the draft, Reacton renders only
    the cells whose text or mark changed, and a cell being typed into keeps what is not yet entered."""

    def set_text(new: str | None) -> None:
        draft.set(draft.value.with_cell(key, new or ""))

    solara.InputText(
        "",
        value=text,
        on_value=set_text,
        continuous_update=False,
        dense=True,
        hide_details=True,
        error=error,
        classes=["cell-" + key.replace(".", "-")],
        style={"width": f"{width}px", "margin": "0 2px"},
    )


def _table(header: list[str], rows: list[tuple[str, list[solara.Element]]]) -> solara.Element:
    th = [solara.v.Html(tag="th", children=[h], style_="font-weight:normal;font-size:85%") for h in ["", *header]]
    trs = [solara.v.Html(tag="tr", children=th)]
    for label, cells in rows:
        tds = [solara.v.Html(tag="td", children=[label], style_="padding-right:8px;white-space:nowrap")]
        tds += [solara.v.Html(tag="td", children=[c]) for c in cells]
        trs.append(solara.v.Html(tag="tr", children=tds))
    return solara.v.Html(tag="table", children=trs, style_="width:auto")


@solara.component
def Editor(years: list[int], errors: list[str]) -> None:
    d = draft.value
    bad = {D.field_of(e, D.plan_path(d)) for e in errors}
    with solara.Row():
        solara.InputText("Plan name", value=d.name, on_value=lambda t: draft.set(_renamed(t)), classes=["plan-name"])
        solara.InputText(
            "One line about it",
            value=d.description,
            on_value=lambda t: draft.set(_described(t)),
            style={"min-width": "420px"},
        )
        solara.Select(
            "Legal anchor",
            value=D.ANCHOR_LABELS[d.legal_anchor],
            values=list(D.ANCHOR_LABELS.values()),
            on_value=lambda label: draft.set(_anchored(label)),
        )
    Text(
        "**Funder's share of each budget line** (0 = pays nothing, 1 = pays all), from the year given on. "
        "An empty cell keeps the year before; before the first filled year the scenario's shares apply."
    )
    _table(
        [str(y) for y in years],
        [(D.LINE_LABELS[ln], [_cell(f"funder_share.{y}.{ln}", bad) for y in years]) for ln in BUDGET_LINES],
    )
    Text(
        "**City pickup**: the share of the withdrawn money the city puts back (0 to 1), and how many years "
        "after the withdrawal it starts."
    )
    _table(
        ["share", "delay (years)"],
        [
            (D.LINE_LABELS[ln], [_cell(f"pickup.{ln}.share", bad), _cell(f"pickup.{ln}.delay_years", bad)])
            for ln in BUDGET_LINES
        ],
    )
    Text(
        "**City budget** for the programme lines (Rp million a year; empty = no limit) and **positions** by "
        "employer, from the year given on."
    )
    budget_row = [("City budget (Rp m)", [_cell(f"local_budget.{y}", bad, 70) for y in years])]
    hiring_rows = [(D.EMPLOYER_LABELS[e], [_cell(f"hiring.{y}.{e}", bad) for y in years]) for e in EMPLOYERS]
    _table([str(y) for y in years], budget_row + hiring_rows)
    Text(
        "**Cut first when the city budget is short**: budget lines, the first named cut first, separated by "
        "commas (for example `prevention, outreach`); empty = the scenario's order."
    )
    _cell(D.CUT_ORDER, bad, 520)
    if errors:
        with solara.Column(classes=["plan-errors"]):
            solara.Error(f"{len(errors)} cell(s) to fix before comparing (the same check as `cpsim-plans check`):")
            for e in errors:
                solara.Error(e, dense=True)
    else:
        solara.Success("The plan is valid for this scenario.", dense=True, classes=["plan-ok"])


def _renamed(text: str | None) -> D.Draft:
    new = D.Draft(**{**draft.value.__dict__})
    new.name = text or ""
    return new


def _described(text: str | None) -> D.Draft:
    new = D.Draft(**{**draft.value.__dict__})
    new.description = text or ""
    return new


def _anchored(label: str) -> D.Draft:
    new = D.Draft(**{**draft.value.__dict__})
    new.legal_anchor = {v: k for k, v in D.ANCHOR_LABELS.items()}[label]
    return new
