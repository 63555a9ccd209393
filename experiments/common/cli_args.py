"""Argument parsing shared by the experiment commands: a bad argument is one line on stderr and exit status 2."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

from scenarios.files import FileError, check_creatable, check_name, excerpt, one_line, show
from sim.overrides import scenario_names


def fail(prog: str, message: str) -> NoReturn:
    """Bad input: one line naming what is wrong, exit status 2."""
    print(one_line(f"{prog}: error: {message}"), file=sys.stderr)
    sys.exit(2)


class OneLineParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        fail(self.prog, message)


MAX_COUNT = 1_000_000  # seeds, samples, trials: more would not finish, and a list of them would fill memory
MAX_JOBS = 256  # worker processes
MAX_SEED = 2**63 - 1


def _whole(text: str, lo: int, hi: int) -> int:
    try:
        value = int(text)
    except ValueError:
        value = lo - 1
    if not lo <= value <= hi:
        raise argparse.ArgumentTypeError(
            f"{excerpt(text)} is not allowed; expected a whole number >= {lo}, at most {hi}"
        )
    return value


def positive_int(text: str) -> int:
    return _whole(text, 1, MAX_COUNT)


def jobs_int(text: str) -> int:
    return _whole(text, 1, MAX_JOBS)


def seed_int(text: str) -> int:
    return _whole(text, 0, MAX_SEED)


def out_folder(text: str) -> Path:
    """A folder to write into: a name the system takes, not a file, under a folder we can write in."""
    try:
        path = check_name(text, "folder")
        if path.exists() and not path.is_dir():
            raise argparse.ArgumentTypeError(f"{show(text)!r} is a file; expected a folder")
        check_creatable(path)
    except FileError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return path


def fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{excerpt(text)} is not allowed; expected a number in [0, 1]")
    return value


def scenario_list(text: str) -> list[str]:
    valid = scenario_names()
    names = [n.strip() for n in text.split(",") if n.strip()]
    for name in names:
        if name not in valid:
            raise argparse.ArgumentTypeError(f"{excerpt(name)} is not a scenario; expected one of {', '.join(valid)}")
    if not names:
        raise argparse.ArgumentTypeError("no scenario given")
    return names
