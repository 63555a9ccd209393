"""The server's compares, kept apart from the pages that started them.

A compare is an entry on the board, owned by the browser that started it (Solara's session cookie), and run
by the board's one thread, first come first served: closing or reloading the page does not stop it, and the
reloaded page finds it again (progress, then results) by asking the board for its browser's entries. While a
compare waits, the board says how many are ahead of it and about how long that takes, from the speed of
the compares run so far. Cancel stops a waiting compare at once and a running one within a simulated week
(jobs.py); either way the server logs one line. A browser's last few finished compares stay listed for it.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from experiments.workbench.jobs import Cancelled

log = logging.getLogger("cpsim.workbench")

KEPT_PER_BROWSER = 5  # finished compares listed per browser; older ones leave memory (their files stay on disk)
QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
COMPARE, STRESS = "compare", "stress"  # the kinds of work: each page lists its own
ENDED = (DONE, FAILED, CANCELLED)
RELIABLE_FRACTION = 0.05  # below this share done, a running compare's own pace says little


class Job(Protocol):
    """What the board runs: a compare (jobs.CompareJob) or a stress test (stress_page.StressJob)."""

    def run(self, on_progress: Callable[[float, str], None]) -> Any: ...  # raises Cancelled when cancelled

    def cancel(self) -> None: ...


@dataclass(eq=False)  # an entry is itself, whatever its fields
class Entry:
    """One compare on the board."""

    owner: str
    label: str
    job: Job
    finish: Callable[[Any], dict[str, Any]]  # the job's answer -> what the page shows (files written)
    work: float  # runs x simulated weeks x children: what the time taken grows with
    kind: str = COMPARE
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    state: str = QUEUED
    fraction: float = 0.0
    text: str = ""
    result: dict[str, Any] | None = None
    error: str = ""
    created: float = field(default_factory=time.monotonic)
    started: float | None = None
    ended: float | None = None

    @property
    def over(self) -> bool:
        return self.state in ENDED


class Board:
    """Compares of every browser, run one at a time in the order they were asked for."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._entries: dict[str, Entry] = {}  # in the order they came: the queue's order
        self._seconds_per_work: float | None = None  # from finished compares
        self._thread: threading.Thread | None = None

    # ---- what the pages call ------------------------------------------------------------------------------
    def submit(
        self,
        owner: str,
        label: str,
        job: Job,
        finish: Callable[[Any], dict[str, Any]],
        work: float,
        kind: str = COMPARE,
    ) -> Entry:
        entry = Entry(owner, label, job, finish, work, kind)
        with self._lock:
            self._entries[entry.id] = entry
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="cpsim-board", daemon=True)
                self._thread.start()
            self._lock.notify_all()
        return entry

    def entries(self, owner: str, kind: str | None = None) -> list[Entry]:
        """This browser's work (of one kind), newest first."""
        with self._lock:
            return [e for e in reversed(self._entries.values()) if e.owner == owner and kind in (None, e.kind)]

    def get(self, entry_id: str, owner: str) -> Entry | None:
        """The entry, only for the browser that owns it."""
        with self._lock:
            entry = self._entries.get(entry_id)
        return entry if entry is not None and entry.owner == owner else None

    def cancel(self, entry_id: str, owner: str) -> None:
        entry = self.get(entry_id, owner)
        if entry is None:
            return
        with self._lock:
            if entry.state == QUEUED:
                self._end(entry, CANCELLED)
                log.info("compare %s cancelled before it started", entry.id)
                return
        entry.job.cancel()  # a running compare ends in _serve, once its runs have stopped

    def ahead(self, entry: Entry) -> list[Entry]:
        """The compares that run before this one (the running one first)."""
        with self._lock:
            if entry.state != QUEUED:
                return []
            waiting = [e for e in self._entries.values() if e.state in (QUEUED, RUNNING)]
        return waiting[: waiting.index(entry)] if entry in waiting else []

    def seconds_left(self, entry: Entry) -> float | None:
        """About how long until this compare is done (None until there is a pace to go by)."""
        if entry.over:
            return 0.0
        pace = self._pace()
        total = 0.0
        for e in [*self.ahead(entry), entry]:
            if e.state == RUNNING and e.fraction >= RELIABLE_FRACTION and e.started is not None:
                total += (time.monotonic() - e.started) * (1 - e.fraction) / e.fraction
            elif pace is None:
                return None
            else:
                total += pace * e.work * (1 - e.fraction)
        return total

    # ---- the board's thread ---------------------------------------------------------------------------------
    def _pace(self) -> float | None:
        """Seconds per unit of work: from the running compare once it is under way, else from the last ones."""
        with self._lock:
            running = [e for e in self._entries.values() if e.state == RUNNING]
        for e in running:
            if e.fraction >= RELIABLE_FRACTION and e.started is not None:
                return (time.monotonic() - e.started) / (e.fraction * e.work)
        return self._seconds_per_work

    def _next(self) -> Entry:
        with self._lock:
            while True:
                entry = next((e for e in self._entries.values() if e.state == QUEUED), None)
                if entry is not None:
                    entry.state, entry.started = RUNNING, time.monotonic()
                    return entry
                self._lock.wait()

    def _serve(self) -> None:
        while True:
            entry = self._next()

            def on_progress(fraction: float, text: str, entry: Entry = entry) -> None:
                entry.fraction, entry.text = fraction, text

            try:
                result = entry.finish(entry.job.run(on_progress))
            except Cancelled:
                self._end(entry, CANCELLED)
                log.info("compare %s cancelled after %.1f s", entry.id, entry.ended - (entry.started or 0))
            except Exception as exc:  # a failed compare is the page's to show; the server goes on
                entry.error = f"{type(exc).__name__}: {exc}" if not str(exc) else str(exc)
                self._end(entry, FAILED)
                log.warning("compare %s failed: %s", entry.id, entry.error.splitlines()[0][:300])
            else:
                entry.result = result
                self._end(entry, DONE)
                seconds = entry.ended - (entry.started or entry.ended)
                if entry.work > 0:
                    self._seconds_per_work = seconds / entry.work
                log.info("compare %s done in %.1f s", entry.id, seconds)

    def _end(self, entry: Entry, state: str) -> None:
        with self._lock:
            entry.state, entry.ended = state, time.monotonic()
            if state == DONE:
                entry.fraction = 1.0
            self._forget_old(entry.owner)
            self._lock.notify_all()

    def _forget_old(self, owner: str) -> None:
        """Keep a browser's last few finished compares (the lock is held)."""
        finished = [e for e in self._entries.values() if e.owner == owner and e.over]
        for e in finished[:-KEPT_PER_BROWSER]:
            del self._entries[e.id]


_BOARD: Board | None = None
_BOARD_LOCK = threading.Lock()


def board() -> Board:
    """The server's one board."""
    global _BOARD
    with _BOARD_LOCK:
        if _BOARD is None:
            _BOARD = Board()
        return _BOARD
