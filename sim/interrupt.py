"""Ctrl-C and SIGTERM end a command with one line and a known state.

`interruptible(prog)` wraps a command's main: SIGTERM is turned into an exception like Ctrl-C's, so the same
clean-up runs for both (atomic writers remove their `.partial` folders, pools take their workers down), and
the command ends with one line on stderr (what was kept, how to resume) and exit status 130 (SIGINT) or 143
(SIGTERM), never a traceback. What the line says is set, as the command goes, with `say_on_interrupt`.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

_said = ["nothing half-written was kept"]


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program was, as Ctrl-C raises KeyboardInterrupt."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


def say_on_interrupt(text: str) -> None:
    """What an interrupt from now on leaves behind, in words (e.g. where finished points are, how to resume)."""
    _said[0] = text


@contextmanager
def interruptible(prog: str) -> Iterator[None]:
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    except KeyboardInterrupt as exc:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C while we report must not add a traceback
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        term = isinstance(exc, Terminated)
        how = "terminated (SIGTERM)" if term else "interrupted (Ctrl-C)"
        sys.stdout.flush()
        print(f"{prog}: {how}; {_said[0]}", file=sys.stderr, flush=True)
        raise SystemExit(143 if term else 130) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
