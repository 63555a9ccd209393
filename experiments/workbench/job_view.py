"""How a page shows its work on the board (board.py): a compare's or a stress test's place in the queue or its
progress with Cancel, then its results, and this browser's earlier ones to pick from. Plans and Stress test
use the same components with their own results view."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import solara

from experiments.workbench.board import CANCELLED, DONE, FAILED, QUEUED, RUNNING, board
from experiments.workbench.i18n import N_, _
from experiments.workbench.page import _no_paths

PROGRESS_EVERY_S = 0.25  # a few updates a second are enough to watch
STATE_WORDS = {
    QUEUED: N_("waiting"),
    RUNNING: N_("running"),
    DONE: N_("done"),
    FAILED: N_("failed"),
    CANCELLED: N_("cancelled"),
}
board_version = solara.reactive(0)  # bumped when the work shown ends: the page's Run button is free again


def owner() -> str:
    """This browser (Solara's session cookie): its work and its draft are found again after a reload."""
    return solara.get_session_id()


def _when(seconds: float | None) -> str:
    if seconds is None:
        return _("time left: known once the first runs are under way")
    if seconds < 90:
        return _("about {n} s left").format(n=max(1, round(seconds)))
    return _("about {n} min left").format(n=round(seconds / 60))


@solara.component
def JobStatus(entry_id: str, show: Callable[[dict[str, Any]], Any], cancelled: str) -> None:
    """One piece of this browser's work: its place in the queue or its progress, with Cancel, then `show` of its
    results (`cancelled`: what a cancel leaves). It asks the board a few times a second while the work is not
    over, and only this component re-renders (so a grid cell being typed into keeps its text)."""
    _tick, set_tick = solara.use_state(0)
    entry = board().get(entry_id, owner())

    def poll(cancel: threading.Event) -> None:
        while entry is not None and not entry.over and not cancel.wait(PROGRESS_EVERY_S):
            set_tick(lambda t: t + 1)
        set_tick(lambda t: t + 1)  # once more, to show the end
        board_version.set(board_version.value + 1)

    solara.use_thread(poll, dependencies=[entry_id], intrusive_cancel=False)

    def cancel() -> None:
        board().cancel(entry_id, owner())

    if entry is None:
        return
    if entry.state in (QUEUED, RUNNING):
        left = _when(board().seconds_left(entry))
        if entry.state == QUEUED:
            classes, percent = ["compare-queued"], 0
            words = _("Waiting: {n} compare(s) ahead of yours; {left}").format(n=len(board().ahead(entry)), left=left)
        else:
            classes, percent = ["compare-progress"], round(100 * entry.fraction)
            words = _("Running: {percent}% done; {left}").format(percent=percent, left=left)
        with solara.Column(classes=classes):
            solara.ProgressLinear(percent or True)
            with solara.Row(style={"align-items": "center"}):
                solara.Text(words)
                solara.Button(_("Cancel"), on_click=cancel, color="error", outlined=True)
    elif entry.state == CANCELLED:
        solara.Info(cancelled)
    elif entry.state == FAILED:
        solara.Error(_("The run failed: {error}").format(error=_no_paths(entry.error)))
    elif entry.result is not None:
        show(entry.result)


@solara.component
def EarlierJobs(kind: str, watching: solara.Reactive[str | None]) -> None:
    """This browser's other work of this kind (newest first): pick one to show it."""
    _seen = board_version.value  # re-read when a piece of work ends
    entries = [e for e in board().entries(owner(), kind) if e.id != watching.value]
    if not entries:
        return
    with solara.Row(classes=["earlier-compares"], style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Text(_("Your earlier runs:"))
        for e in entries:
            label = f"{e.label} ({_(STATE_WORDS[e.state])})"
            solara.Button(label, text=True, on_click=lambda e=e: watching.set(e.id), classes=["earlier"])
