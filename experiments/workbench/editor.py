"""The plan's grid on the Plans page: one text cell per budget line and year, pickup, budget and positions, with
the cells that fail the plan check marked and the errors listed below.

`draft` (a per-tab `solara.reactive`) holds what the planner typed; Plans reads it to save and compare.
"""

from __future__ import annotations

import re

import solara

from experiments.workbench import draft as D
from experiments.workbench import numbers as N
from experiments.workbench import paste as P
from experiments.workbench.i18n import _
from experiments.workbench.page import Text
from scenarios.schema import BUDGET_LINES, EMPLOYERS


def _starting_draft() -> D.Draft:
    d = D.example("linear_taper_3y")
    d.name, d.description = "my_plan", "my changes to linear_taper_3y"
    return d


draft = solara.reactive(_starting_draft())
children_text = solara.reactive("")  # the city size as typed; blank: the scenario's


def _marked(key: str, bad: set[str]) -> bool:
    """A cell is marked when its own field is bad or a field holding it is (`funder_share.1900`: the column)."""
    return key in bad or any(key.startswith(b + ".") for b in bad)


def _cell(key: str, bad: set[str], width: int = 62) -> solara.Element:
    # keyed by its field: when the columns change (a city size that cannot be read hides the horizon), each cell
    # keeps its own widget instead of taking over the one at its old position
    return Cell(key, draft.value.cell(key), _marked(key, bad), width).key(key)


# ---- errors in plain words ---------------------------------------------------------------------------------
RANGE = re.compile(
    r"^(?P<value>.*) is not allowed; expected (?P<kind>a number|an integer) in \[(?P<lo>[^,]+), (?P<hi>[^\]]+)\]$"
)
AT_MOST = re.compile(
    r"^(?P<value>\S+) is not allowed; expected at most (?P<most>\S+) "
    r"\(the scenario's local government already pays (?P<routine>\S+) of this line\)$"
)
HORIZON = re.compile(r"^year outside the horizon; expected a year in \[(?P<first>\d+), (?P<last>\d+)\]")
AMBIGUOUS = re.compile(r"^'(?P<text>.*)' is ambiguous; expected (?P<a>\S+) or (?P<b>\S+)$")


def cell_label(where: str) -> str:
    """A plan-file field in the page's words: `funder_share.2022.training` -> 'Training, 2022'."""
    parts = where.split(".")
    lines = {**D.LINE_LABELS, "all": "All budget lines"}
    if parts[0] == "funder_share" and len(parts) == 3 and parts[2] in lines:
        return f"{_(lines[parts[2]])}, {parts[1]}"
    if parts[0] == "funder_share" and len(parts) == 2:
        return _("Funder's share, {year}").format(year=parts[1])
    if parts[0] == "pickup" and len(parts) == 3 and parts[1] in lines:
        what = _("city pickup share") if parts[2] == "share" else _("years before the city picks up")
        return f"{_(lines[parts[1]])}, {what}"
    if parts[0] == "local_budget" and len(parts) == 2:
        return _("City budget, {year}").format(year=parts[1])
    if parts[0] == "hiring" and len(parts) == 3 and parts[2] in D.EMPLOYER_LABELS:
        return _("{employer} positions, {year}").format(employer=_(D.EMPLOYER_LABELS[parts[2]]), year=parts[1])
    if parts[0] == "hiring" and len(parts) == 2:
        return _("Positions, {year}").format(year=parts[1])
    names = {
        "cut_order": _("Cut first"),
        "name": _("Plan name"),
        "description": _("One line about it"),
        "legal_anchor": _("Legal anchor"),
    }
    return names.get(where, where.replace("_", " ").capitalize())


def _advice(where: str, locale: str) -> str:
    kind = where.split(".")[0]
    if kind == "funder_share" or where.endswith(".share"):
        return _("enter a share between {lo} and {hi}").format(lo=0, hi=1)
    if where.endswith(".delay_years"):
        return _("enter a whole number of years from {lo} to {hi}").format(lo=0, hi=50)
    if kind == "local_budget":
        return _("enter Rp million from {lo} to {hi}").format(lo=0, hi=N.shown(1_000_000_000, locale))
    if kind == "hiring":
        return _("enter a whole number of positions from {lo} to {hi}").format(lo=0, hi=N.shown(10_000, locale))
    return _("enter a number")


def _words(x: str, locale: str) -> str:
    """A number of a check's message (`0.8`, `1e+09`) as the page writes it."""
    try:
        return N.shown(float(x) if "." in x or "e" in x else int(x), locale)
    except ValueError:
        return x


def plain_error(message: str, d: D.Draft) -> tuple[str, str]:
    """(field, the error in plain words) from a `cpsim-plans check` message about the draft: the field named as
    the page labels it, the value as typed in the cell, the rule as what to enter. No file names, no 1e+09."""
    path = D.plan_path(d)
    where = D.field_of(message, path)
    rest = message.removeprefix(f"{path}: ").split(": ", 1)[-1]
    label = cell_label(where)
    try:
        typed = d.cell(where).strip()
    except (KeyError, ValueError, IndexError):
        typed = ""
    loc = d.locale
    if m := AMBIGUOUS.match(rest):
        a, b = _words(m["a"], loc), _words(m["b"], loc)
        return where, _("{cell}: did you mean {a} or {b}?").format(cell=label, a=a, b=b)
    if m := AT_MOST.match(rest):
        return where, _(
            "{cell}: {value} is too much: the city already pays {routine} of this line, so the funder can pay "
            "at most {most}"
        ).format(cell=label, value=typed or m["value"], routine=_words(m["routine"], loc), most=_words(m["most"], loc))
    if m := HORIZON.match(rest):
        year = where.split(".")[-1]
        return where, _("{cell}: {year} is not one of this scenario's years; use a year from {first} to {last}").format(
            cell=label, year=year, first=m["first"], last=m["last"]
        )
    if rest.startswith("not a calendar year"):
        return where, _("{cell}: not a calendar year; use a year such as 2021").format(cell=label)
    if where == "cut_order":
        lines = ", ".join(_(v) for v in D.LINE_LABELS.values())
        value = rest.split(" is not allowed", 1)[0].strip("'")
        return where, _("{cell}: {value} is not a budget line, or is named twice; name lines from {lines}").format(
            cell=label, value=value, lines=lines
        )
    if m := RANGE.match(rest):
        value = typed or m["value"].strip("'")
        advice = _advice(where, loc)
        try:
            x = N.parse(value, loc)
        except ValueError:
            return where, _("{cell}: {value} is not a number; {advice}").format(cell=label, value=value, advice=advice)
        lo, hi = float(m["lo"]), float(m["hi"])
        if m["kind"] == "an integer" and float(x) != int(x):
            what = _("{value} is not a whole number")
        elif x > hi and where.split(".")[0] == "funder_share" or (x > hi and where.endswith(".share")):
            what = _("{value} is more than all of it")
        elif x > hi:
            what = _("{value} is more than the most allowed")
        elif x < lo:
            what = _("{value} is less than nothing") if lo == 0 else _("{value} is too small")
        else:
            what = _("{value} is not allowed")
        return where, f"{label}: {what.format(value=value)}; {advice}"
    if "control characters" in rest:
        return where, _("{cell}: use plain text (no control characters)").format(cell=label)
    if "unknown key" in rest:
        return where, _("{cell}: not part of a plan").format(cell=label)
    text = re.sub(r"\S+\.ya?ml: ", "", rest).replace("1e+09", N.shown(1_000_000_000, loc))
    return where, f"{label}: {text}".replace("cpsim-plans check", _("the plan check"))


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


def _answer(key: str, thousands: bool) -> None:
    d = draft.value
    draft.set(d.with_cell(key, N.unambiguous(d.cell(key), d.locale, thousands)))


@solara.component
def CellErrors(items: list[tuple[str, str]]) -> None:
    """The plain errors of one row's cells, under the row; an ambiguous number asks, with two answers."""
    d = draft.value
    unsure = d.ambiguous()
    with solara.Column(gap="2px", style={"padding": "2px 0 6px 4px"}):
        for key, text in items:
            css = "cell-error err-" + key.replace(".", "-")
            if key in unsure:
                exc = unsure[key]
                with solara.Row(style={"align-items": "center"}, classes=["cell-question"]):
                    solara.Text(text, style={"color": "#b00020"}, classes=[css])
                    solara.Button(
                        N.shown(exc.thousands, d.locale),
                        on_click=lambda k=key: _answer(k, True),
                        small=True,
                        outlined=True,
                        classes=["answer-thousands"],
                    )
                    solara.Button(
                        N.shown(exc.decimal, d.locale),
                        on_click=lambda k=key: _answer(k, False),
                        small=True,
                        outlined=True,
                        classes=["answer-decimal"],
                    )
            else:
                solara.Text(text, style={"color": "#b00020", "font-size": "90%"}, classes=[css])


def _table(
    header: list[str], rows: list[tuple[str, list[str], list[solara.Element]]], plain: dict[str, str]
) -> solara.Element:
    """A grid table; under a row with bad cells, a row holding their errors in plain words."""
    th = [solara.v.Html(tag="th", children=[h], style_="font-weight:normal;font-size:85%") for h in ["", *header]]
    trs = [solara.v.Html(tag="tr", children=th)]
    shown: set[str] = set()
    for label, keys, cells in rows:
        tds = [solara.v.Html(tag="td", children=[label], style_="padding-right:8px;white-space:nowrap")]
        tds += [solara.v.Html(tag="td", children=[c]) for c in cells]
        trs.append(solara.v.Html(tag="tr", children=tds))
        mine = [
            (f, t) for f, t in plain.items() if f not in shown and any(k == f or k.startswith(f + ".") for k in keys)
        ]
        if mine:
            shown.update(f for f, _t in mine)
            trs.append(
                solara.v.Html(
                    tag="tr",
                    children=[
                        solara.v.Html(tag="td", children=[""]),
                        solara.v.Html(tag="td", attributes={"colspan": str(len(header))}, children=[CellErrors(mine)]),
                    ],
                )
            )
    return solara.v.Html(tag="table", children=trs, style_="width:auto")


@solara.component
def Editor(years: list[int], errors: list[str]) -> None:
    d = draft.value
    plain = dict(plain_error(e, d) for e in errors)
    bad = set(plain)
    with solara.Row():
        solara.InputText(_("Plan name"), value=d.name, on_value=lambda t: draft.set(_renamed(t)), classes=["plan-name"])
        solara.InputText(
            _("One line about it"),
            value=d.description,
            on_value=lambda t: draft.set(_described(t)),
            style={"min-width": "420px"},
        )
        solara.Select(
            _("Legal anchor"),
            value=D.ANCHOR_LABELS[d.legal_anchor],
            values=list(D.ANCHOR_LABELS.values()),
            on_value=lambda label: draft.set(_anchored(label)),
        )
    Text(
        _(
            "**Funder's share of each budget line** (0 = pays nothing, 1 = pays all), from the year given on. "
            "An empty cell keeps the year before; before the first filled year the scenario's shares apply."
        )
    )
    share_keys = {ln: [f"funder_share.{y}.{ln}" for y in years] for ln in BUDGET_LINES}
    _table(
        [str(y) for y in years],
        [(_(D.LINE_LABELS[ln]), share_keys[ln], [_cell(k, bad) for k in share_keys[ln]]) for ln in BUDGET_LINES],
        plain,
    )
    Text(
        _(
            "**City pickup**: the share of the withdrawn money the city puts back (0 to 1), and how many years "
            "after the withdrawal it starts."
        )
    )
    pickup_keys = {ln: [f"pickup.{ln}.share", f"pickup.{ln}.delay_years"] for ln in BUDGET_LINES}
    _table(
        [_("share"), _("delay (years)")],
        [(_(D.LINE_LABELS[ln]), pickup_keys[ln], [_cell(k, bad) for k in pickup_keys[ln]]) for ln in BUDGET_LINES],
        plain,
    )
    Text(
        _(
            "**City budget** for the programme lines (Rp million a year; empty = no limit) and **positions** by "
            "employer, from the year given on."
        )
    )
    budget_keys = [f"local_budget.{y}" for y in years]
    budget_row = [(_("City budget (Rp m)"), budget_keys, [_cell(k, bad, 70) for k in budget_keys])]
    hiring_rows = []
    for e in EMPLOYERS:
        keys = [f"hiring.{y}.{e}" for y in years]
        hiring_rows.append((_(D.EMPLOYER_LABELS[e]), keys, [_cell(k, bad) for k in keys]))
    _table([str(y) for y in years], budget_row + hiring_rows, plain)
    Text(
        _(
            "**Cut first when the city budget is short**: budget lines, the first named cut first, separated by "
            "commas (for example `prevention, outreach`); empty = the scenario's order."
        )
    )
    _cell(D.CUT_ORDER, bad, 520)
    grid_keys = [k for ks in share_keys.values() for k in ks] + [k for ks in pickup_keys.values() for k in ks]
    grid_keys += budget_keys + [k for _l, ks, _c in hiring_rows for k in ks]
    elsewhere = {f: t for f, t in plain.items() if not any(k == f or k.startswith(f + ".") for k in grid_keys)}
    if elsewhere:
        CellErrors(list(elsewhere.items()))
    Paste(years)
    if errors:
        with solara.Column(classes=["plan-errors"]):
            solara.Error(
                _("{n} cell(s) to fix before comparing: each is marked in red, with what to enter beside it.").format(
                    n=len(plain)
                ),
                dense=True,
            )
    else:
        solara.Success(_("The plan is valid for this scenario."), dense=True, classes=["plan-ok"])


@solara.component
def Paste(years: list[int]) -> None:
    """Paste cells copied from a spreadsheet: a text box, the top-left cell (a row and a column), a button."""
    text, set_text = solara.use_state("")
    row_id, set_row_id = solara.use_state(P.ROWS[0].id)
    column, set_column = solara.use_state("")
    said, set_said = solara.use_state(("", ""))
    cols = P.columns(row_id, years)
    col = column if column in cols else cols[0]
    rows_by_label = {r.label(): r.id for r in P.ROWS}
    cols_by_label = {P.column_label(c): c for c in cols}

    def go() -> None:
        try:
            new, n_rows, n_cols = P.paste(draft.value, text, row_id, col, years)
        except P.PasteRefused as exc:
            set_said(("warning", str(exc)))
            return
        draft.set(new)
        set_text("")
        set_said(
            (
                "success",
                _("Pasted {rows} rows and {cols} columns from {cell}.").format(
                    rows=n_rows, cols=n_cols, cell=f"{P.row(row_id).label()}, {P.column_label(col)}"
                ),
            )
        )

    with solara.Column(classes=["paste"], style={"max-width": "900px"}):
        with solara.Column(classes=["paste-box"]):
            solara.InputTextArea(
                _("Paste cells from a spreadsheet"),
                value=text,
                on_value=set_text,
                rows=3,
                auto_grow=False,
                placeholder=_("Copy cells in Excel or LibreOffice, paste them here, choose the top-left cell"),
            )
        with solara.Row(style={"align-items": "center"}):
            solara.Select(
                _("Top-left cell: row"),
                value=P.row(row_id).label(),
                values=list(rows_by_label),
                on_value=lambda label: set_row_id(rows_by_label[label]),
                classes=["paste-row"],
            )
            solara.Select(
                _("column"),
                value=P.column_label(col),
                values=list(cols_by_label),
                on_value=lambda label: set_column(cols_by_label[label]),
                classes=["paste-column"],
            )
            solara.Button(_("Paste into the grid"), on_click=go, outlined=True, classes=["paste-go"])
        kind, message = said
        if kind == "warning":
            solara.Warning(message, dense=True, classes=["paste-said"])
        elif kind == "success":
            solara.Success(message, dense=True, classes=["paste-said"])


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
