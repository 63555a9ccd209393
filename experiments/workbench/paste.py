"""A block of cells copied from Excel or LibreOffice, pasted into the plan's grid.

A spreadsheet copies a block as text: one line per row (`\\r\\n` or `\\n`, often a newline after the last row),
cells separated by tabs, an empty cell as nothing between two tabs. `parse_block` reads it; `paste` writes it
into the grid from a chosen top-left cell, right and down, or refuses in one plain line and changes nothing: a
block that does not fit (naming how much fits), a cell that is not a number in the chosen locale, an ambiguous
number (`1.500` in English), control characters or far too much text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from experiments.workbench import draft as D
from experiments.workbench import numbers as N
from experiments.workbench.i18n import _
from scenarios.schema import BUDGET_LINES, EMPLOYERS

MAX_CHARS = 20_000  # far more than the grid holds (under 200 cells)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
PICKUP_COLUMNS = ("share", "delay_years")


class PasteRefused(ValueError):
    """Why a block was not pasted, in one plain line; nothing was changed."""


@dataclass(frozen=True)
class Row:
    """A row of the grid a block can start in: its id, its label, its table (rows of one table take a block
    together, top to bottom) and the key of its cell in a column (a year, or share / delay for pickup)."""

    id: str
    table: str

    def label(self) -> str:
        kind, _sep, what = self.id.partition(":")
        if kind == "funder_share":
            return _(D.LINE_LABELS[what])
        if kind == "pickup":
            return _("{line} (pickup)").format(line=_(D.LINE_LABELS[what]))
        if kind == "local_budget":
            return _("City budget (Rp m)")
        return _(D.EMPLOYER_LABELS[what])

    def key(self, column: str) -> str:
        kind, _sep, what = self.id.partition(":")
        if kind == "funder_share":
            return f"funder_share.{column}.{what}"
        if kind == "pickup":
            return f"pickup.{what}.{column}"
        if kind == "local_budget":
            return f"local_budget.{column}"
        return f"hiring.{column}.{what}"


ROWS = (
    [Row(f"funder_share:{ln}", "shares") for ln in BUDGET_LINES]
    + [Row(f"pickup:{ln}", "pickup") for ln in BUDGET_LINES]
    + [Row("local_budget", "budget")]
    + [Row(f"hiring:{e}", "budget") for e in EMPLOYERS]
)


def row(row_id: str) -> Row:
    return next(r for r in ROWS if r.id == row_id)


def columns(row_id: str, years: list[int]) -> list[str]:
    """The columns of the row's table: the years, or share and delay for pickup."""
    return list(PICKUP_COLUMNS) if row(row_id).table == "pickup" else [str(y) for y in years]


def column_label(column: str) -> str:
    return {"share": _("share"), "delay_years": _("delay (years)")}.get(column, column)


def parse_block(text: str) -> list[list[str]]:
    """Rows of cell texts from a spreadsheet's copied block (trailing empty lines dropped, rows padded)."""
    if len(text) > MAX_CHARS:
        raise PasteRefused(
            _("The pasted text is too long ({n} characters); the grid holds far less. Nothing was changed.").format(
                n=f"{len(text):,}"
            )
        )
    if CONTROL.search(text):
        raise PasteRefused(_("The pasted text holds characters a spreadsheet does not copy. Nothing was changed."))
    lines = re.split(r"\r\n|\n|\r", text)
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise PasteRefused(_("Nothing to paste: the box is empty."))
    rows = [[cell.strip().strip('"').strip() for cell in line.split("\t")] for line in lines]
    width = max(len(r) for r in rows)
    return [r + [""] * (width - len(r)) for r in rows]


def paste(draft: D.Draft, text: str, row_id: str, column: str, years: list[int]) -> tuple[D.Draft, int, int]:
    """(the draft with the block written from (row_id, column) right and down, rows, columns); PasteRefused when
    it does not fit or holds anything but numbers of the draft's locale."""
    block = parse_block(text)
    start = row(row_id)
    table_rows = [r for r in ROWS if r.table == start.table]
    cols = columns(row_id, years)
    if column not in cols:
        raise PasteRefused(_("Choose the top-left cell's column first. Nothing was changed."))
    fit_rows = len(table_rows) - table_rows.index(start)
    fit_cols = len(cols) - cols.index(column)
    n_rows, n_cols = len(block), len(block[0])
    if n_rows > fit_rows or n_cols > fit_cols:
        raise PasteRefused(
            _(
                "The block has {rows} rows and {cols} columns, but from {cell} only {fit_rows} rows and {fit_cols} "
                "columns fit. Nothing was changed."
            ).format(
                rows=n_rows,
                cols=n_cols,
                cell=f"{start.label()}, {column_label(column)}",
                fit_rows=fit_rows,
                fit_cols=fit_cols,
            )
        )
    for i, cells in enumerate(block):
        for j, cell in enumerate(cells):
            if not cell:
                continue
            where = {"row": i + 1, "col": j + 1, "text": cell[:40]}
            try:
                N.parse(cell, draft.locale)
            except N.Ambiguous as exc:
                raise PasteRefused(
                    _(
                        "Row {row}, column {col} of the block holds {text}, which could be {a} or {b}; set Numbers to "
                        "the spreadsheet's way of writing them, or paste them without thousands marks. Nothing was "
                        "changed."
                    ).format(**where, a=N.shown(exc.thousands, draft.locale), b=N.shown(exc.decimal, draft.locale))
                ) from None
            except N.NotANumber:
                raise PasteRefused(
                    _(
                        "Row {row}, column {col} of the block holds {text}, which is not a number. Nothing was changed."
                    ).format(**where)
                ) from None
    new = draft
    first = cols.index(column)
    for i, cells in enumerate(block):
        target = table_rows[table_rows.index(start) + i]
        for j, cell in enumerate(cells):
            new = new.with_cell(target.key(cols[first + j]), cell)
    return new, n_rows, n_cols
