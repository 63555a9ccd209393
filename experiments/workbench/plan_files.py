"""Plan files on the Plans page: how numbers are written, start from an example or a saved plan, save (asking
before replacing a saved plan of the same name), download the plan as YAML or Excel, and import a plan file
(YAML, or the Excel workbook this page writes: its "Plan" sheet).

The Start-from list re-reads the saved-plans folder every POLL_S seconds, so a plan saved in another tab shows
up without a reload. A plan with bad values opens into the grid with those cells marked; only a file that is
not a plan at all is refused, in one plain line, and the draft stays as it was.
"""

from __future__ import annotations

import io
import logging
import threading
import zipfile
from pathlib import Path
from typing import Any, BinaryIO

import solara

from experiments.plans.plan_file import PlanError, example_names
from experiments.workbench import draft as D
from experiments.workbench import numbers as N
from experiments.workbench import plain
from experiments.workbench.editor import children_text, draft
from experiments.workbench.i18n import _
from experiments.workbench.page import DATA, EXAMPLE, SAVED, _open

log = logging.getLogger("cpsim.workbench")
MAX_BYTES = 1_000_000  # 1 MB: a plan file is a few kB
POLL_S = 1.5
KINDS = (".yaml", ".yml", ".xlsx")


class ImportRefused(ValueError):
    """Why a file was not imported, in one plain line; the draft was not changed."""


def locale_labels() -> dict[str, str]:
    return {"en": _("Numbers: 1,500.5 (English)"), "id": _("Numbers: 1.500,5 (Indonesia)")}


def choices(saved: list[str]) -> list[str]:
    return [EXAMPLE + n for n in example_names()] + [SAVED + n for n in saved]


# ---- reading files ---------------------------------------------------------------------------------------
def _cell_value(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def data_from_plan_sheet(ws: Any, source: str) -> dict[str, Any]:
    """The Plan sheet (rows: field, what it is, value) back into plan-file data."""
    data: dict[str, Any] = {}
    rows = list(ws.iter_rows(values_only=True))
    if not rows or not rows[0] or str(rows[0][0]).strip().lower() != "field":
        raise D.not_a_plan(source, _("its Plan sheet does not start with the field, what it is, value columns"))
    for row in rows[1:]:
        if not row or row[0] is None:
            continue
        key = str(row[0]).strip()
        value = _cell_value(row[2] if len(row) > 2 else None)
        parts = key.split(".")
        try:
            if parts[0] in ("name", "description", "legal_anchor") and len(parts) == 1:
                data[key] = "" if value is None else str(value)
            elif key == "cut_order":
                data["cut_order"] = [t.strip() for t in str(value or "").split(",") if t.strip()]
            elif parts[0] in ("funder_share", "hiring") and len(parts) == 3:
                data.setdefault(parts[0], {}).setdefault(int(parts[1]), {})[parts[2]] = value
            elif parts[0] == "local_budget" and len(parts) == 2:
                data.setdefault("local_budget", {})[int(parts[1])] = value
            elif parts[0] == "pickup" and len(parts) == 3:
                data.setdefault("pickup", {}).setdefault(parts[1], {})[parts[2]] = value
            else:
                raise ValueError(key)
        except ValueError:
            raise D.not_a_plan(
                source, _("its Plan sheet has a row {key} that is no plan field").format(key=key[:40])
            ) from None
    if data.get("legal_anchor") == "":
        del data["legal_anchor"]
    return data


def draft_from_xlsx(content: bytes, locale: str, source: str) -> D.Draft:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
        raise D.not_a_plan(source, _("it is not an Excel workbook")) from None
    try:
        if plain.PLAN_SHEET not in book.sheetnames:
            raise D.not_a_plan(source, _("the workbook has no Plan sheet (import the Excel file this page downloads)"))
        return D.from_data(data_from_plan_sheet(book[plain.PLAN_SHEET], source), locale, source)
    finally:
        book.close()


def import_file(name: str, size: int, read: BinaryIO | bytes, locale: str) -> D.Draft:
    """A plan file dropped on the page -> the grid; ImportRefused (one plain line) for a file too big, of another
    type, or not a plan."""
    shown = Path(name).name[:80] or _("the file")
    suffix = Path(name).suffix.lower()
    if suffix not in KINDS:
        raise ImportRefused(
            _(
                "{file} was not imported: only plan files (.yaml, .yml) and this page's Excel files (.xlsx) can be."
            ).format(file=shown)
        )
    if size > MAX_BYTES:
        raise ImportRefused(
            _("{file} was not imported: it is {size} MB; a plan file is at most 1 MB.").format(
                file=shown, size=f"{size / 1e6:.1f}"
            )
        )
    content = read if isinstance(read, bytes) else read.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise ImportRefused(_("{file} was not imported: it is larger than 1 MB.").format(file=shown))
    try:
        if suffix == ".xlsx":
            return draft_from_xlsx(content, locale, shown)
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            raise D.not_a_plan(shown, _("it is not a text file")) from None
        return D.from_yaml_text(text, locale, shown)
    except PlanError as exc:
        raise ImportRefused(str(exc)) from None


def next_free(name: str, saved: list[str]) -> str:
    """`my_plan_2` (or _3, ...) for a name already saved."""
    base = D.safe_name(name)
    i = 2
    while f"{base}_{i}" in saved:
        i += 1
    return f"{base}_{i}"


# ---- the component ---------------------------------------------------------------------------------------
def set_locale(new: str) -> None:
    """Numbers written the `new` way: the grid's number cells (and the city size) are rewritten, values kept."""
    old = draft.value.locale
    N.number_locale.set(new)
    draft.set(draft.value.in_locale(new))
    if children_text.value.strip():
        children_text.set(N.relocale(children_text.value, old, new))


@solara.component
def PlanFiles(errors: list[str] | None = None) -> None:
    """The Numbers select, Start from + Open, Save plan (asking before replacing), downloads and import."""
    start, set_start = solara.use_state(EXAMPLE + "linear_taper_3y")
    saved, set_saved = solara.use_state(D.saved_names(DATA))
    said, set_said = solara.use_state(("", ""))
    asking, set_asking = solara.use_state("")  # the saved name a Save would replace

    def watch(cancel: threading.Event) -> None:
        last = D.saved_names(DATA)
        while not cancel.wait(POLL_S):
            names = D.saved_names(DATA)
            if names != last:
                last = names
                set_saved(names)

    solara.use_thread(watch, [], intrusive_cancel=False)

    def start_from() -> None:
        try:
            choice = start
            if choice.startswith(SAVED):
                new = D.load_saved(DATA, choice.removeprefix(SAVED), N.number_locale.value)
            elif choice.startswith(EXAMPLE):
                new = D.example(choice.removeprefix(EXAMPLE), N.number_locale.value)
            else:
                new = _open(choice)
            draft.set(new)
            set_said(("", ""))
        except (PlanError, ValueError, OSError) as exc:
            set_said(("warning", str(exc)))

    def write(name: str | None = None) -> None:
        d = draft.value
        if name is not None:
            d = D.Draft(**{**d.__dict__, "name": name})
            draft.set(d)
        try:
            D.save(d, DATA)
        except (OSError, ValueError):
            set_said(("warning", _("Could not save the plan: the data folder cannot be written.")))
            return
        set_asking("")
        set_saved(D.saved_names(DATA))
        set_said(("success", _("Saved as {name} (open it again under 'saved: ').").format(name=D.safe_name(d.name))))

    def save() -> None:
        name = D.safe_name(draft.value.name)
        if name in D.saved_names(DATA):
            set_asking(name)
            set_said(("", ""))
        else:
            write()

    def on_file(info: dict[str, Any]) -> None:
        try:
            new = import_file(info["name"], int(info["size"]), info["file_obj"], N.number_locale.value)
        except ImportRefused as exc:
            set_said(("warning", str(exc)))
            return
        except Exception:  # noqa: BLE001 - a file no reader expected: one plain line, the draft unchanged
            log.warning("import of a dropped file failed", exc_info=True)
            set_said(
                (
                    "warning",
                    _("{file} was not imported: it could not be read as a plan.").format(
                        file=Path(info["name"]).name[:80]
                    ),
                )
            )
            return
        draft.set(new)
        set_said(
            ("success", _("Imported {name} from {file}.").format(name=new.name, file=Path(info["name"]).name[:80]))
        )

    labels = locale_labels()
    with solara.Column(classes=["plan-files"]):
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Select(
                _("Numbers"),
                value=labels[N.number_locale.value],
                values=list(labels.values()),
                on_value=lambda label: set_locale({v: k for k, v in labels.items()}[label]),
                classes=["number-locale"],
            )
            solara.Select(
                _("Start from"), value=start, values=choices(saved), on_value=set_start, classes=["start-from"]
            )
            solara.Button(_("Open"), on_click=start_from, outlined=True, classes=["open-plan"])
            solara.Button(_("Save plan"), on_click=save, outlined=True, disabled=bool(errors), classes=["save-plan"])
            d = draft.value
            solara.FileDownload(
                lambda: D.to_yaml(draft.value).encode(),
                filename=f"{D.safe_name(d.name)}.yaml",
                label=_("Plan (YAML)"),
                mime_type="text/yaml",
            )
            solara.FileDownload(
                lambda: plain.plan_xlsx_bytes(D.to_data(draft.value)),
                filename=f"{D.safe_name(d.name)}.xlsx",
                label=_("Plan (Excel)"),
                mime_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        if asking:
            with solara.Row(style={"align-items": "center"}, classes=["save-question"]):
                solara.Text(
                    _("A saved plan is already called {name}. Replace it, or keep both (this one as {other})?").format(
                        name=asking, other=next_free(asking, saved)
                    )
                )
                solara.Button(_("Replace"), on_click=lambda: write(), color="error", outlined=True)
                solara.Button(
                    _("Keep both"), on_click=lambda: write(next_free(asking, D.saved_names(DATA))), outlined=True
                )
                solara.Button(_("Cancel"), on_click=lambda: set_asking(""), text=True)
        solara.FileDrop(
            label=_("Import a plan: drop a plan file (.yaml) or this page's Excel file (.xlsx) here, at most 1 MB"),
            on_file=on_file,
            lazy=True,
        )
        kind, message = said
        if kind == "warning":
            solara.Warning(message, dense=True, classes=["files-said"])
        elif kind == "success":
            solara.Success(message, dense=True, classes=["files-said"])
