"""Optional parts of cpsim and the extra that installs each: a command that needs one says so in one line,
before it runs anything, instead of failing on an import halfway."""

from __future__ import annotations

import importlib.util

EXTRAS = {  # module -> (extra, what it is)
    "ema_workbench": ("explore", "the EMA Workbench (PRIM scenario discovery)"),
}


class MissingExtra(ImportError):
    """An optional package is not installed."""


def require(module: str, needed_by: str) -> None:
    """Raise MissingExtra, naming the extra to install, when `module` is not installed."""
    if importlib.util.find_spec(module) is None:
        extra, what = EXTRAS[module]
        raise MissingExtra(f"{needed_by} needs {what}; install it with: pip install 'cpsim[{extra}]'")
