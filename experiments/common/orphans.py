"""Worker processes end with the command that started them.

A worker started by a pool (ours or joblib's) runs `watch_parent(pid)`: a daemon thread that exits the
worker within a fraction of a second once that process is gone, whether it ended, crashed or was killed
with SIGKILL. No orphan finishes runs that nobody will collect. Workers also ignore Ctrl-C: the terminal
sends it to every process of the group, and the parent alone decides what to do (take the workers down,
say one line). Workers are started inside `workers_born_deaf()`, so that a Ctrl-C that arrives while one is
still importing (before it can ignore the signal) prints no traceback from it.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing import resource_tracker
from pathlib import Path

PARENT_POLL_SECONDS = 0.2
_watching: int | None = None  # the pid this worker process watches


def _alive(pid: int) -> bool:
    """Running (a killed process that its own parent has not yet reaped is a zombie: dead)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        try:
            os.kill(pid, 0)  # no /proc (macOS): ask the kernel
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return state != "Z"


def watch_parent(parent: int) -> None:
    """In a worker: exit at once when `parent` dies (or this worker is re-parented). Safe to call again."""
    global _watching
    if _watching == parent or os.getpid() == parent:
        return
    _watching = parent
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    first_parent = os.getppid()

    def watch() -> None:
        while True:
            if os.getppid() != first_parent or not _alive(parent):
                os._exit(70)  # the command is gone: stop mid-run; its .partial folder is redone on resume
            time.sleep(PARENT_POLL_SECONDS)

    threading.Thread(target=watch, name="cpsim-parent-watch", daemon=True).start()


@contextmanager
def workers_born_deaf() -> Iterator[None]:
    """Processes started in this block begin with Ctrl-C blocked (a blocked signal stays blocked across fork and
    exec, unlike a handler), and a Ctrl-C meanwhile is held until the block ends: raised in the middle of a
    start, it would leave a worker that its pool does not know about and cannot stop."""
    resource_tracker.ensure_running()  # starting it later would unblock Ctrl-C (the standard library does so)
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    caught: list[int] = []
    in_main = threading.current_thread() is threading.main_thread()  # only there can a handler be set
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum)) if in_main else None
    try:
        yield
    finally:
        if in_main:
            signal.signal(signal.SIGINT, previous)
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
    if caught and callable(previous):
        previous(signal.SIGINT, None)  # the Ctrl-C that came meanwhile, now (Python's own handler raises)
