"""Argument parsing shared by the experiment commands: a bad argument is one line on stderr and exit status 2."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from scenarios.files import one_line
from sim.overrides import scenario_names


def fail(prog: str, message: str) -> NoReturn:
    """Bad input: one line naming what is wrong, exit status 2."""
    print(f"{prog}: error: {one_line(message)}", file=sys.stderr)
    sys.exit(2)


class OneLineParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        fail(self.prog, message)


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed; expected a whole number >= 1")
    return value


def fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed; expected a number in [0, 1]")
    return value


def scenario_list(text: str) -> list[str]:
    valid = scenario_names()
    names = [n.strip() for n in text.split(",") if n.strip()]
    for name in names:
        if name not in valid:
            raise argparse.ArgumentTypeError(f"{name!r} is not a scenario; expected one of {', '.join(valid)}")
    if not names:
        raise argparse.ArgumentTypeError("no scenario given")
    return names
