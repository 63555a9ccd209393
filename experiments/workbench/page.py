"""What the workbench's pages share: the data folder, the worker count, the city picked, the plan choices, and
text rendered safely (typed text escaped, only this page's own tags kept)."""

from __future__ import annotations

import html
import os
import re
import threading
from collections.abc import Callable
from pathlib import Path

import markdown
import solara

from experiments.plans.plan_file import example_names
from experiments.workbench import draft as D
from experiments.workbench.i18n import _

DATA = Path(os.environ.get("CPSIM_WORKBENCH_DATA", "~/.cpsim-workbench")).expanduser()
WORKERS = int(os.environ.get("CPSIM_WORKBENCH_JOBS", "2"))
EXAMPLE, SAVED = "example: ", "saved: "
POLL_S = 1.5  # how often the lists of plans look for plans saved in other tabs

scenario_name = solara.reactive("makassar_pksai")


def _no_paths(text: str) -> str:
    """A message without this machine's folders."""
    return text.replace(str(DATA), _("<data folder>")).replace(str(Path.home()), "~")


def choices(saved: list[str]) -> list[str]:
    """The plans to pick from: the examples, then the saved plans."""
    return [EXAMPLE + n for n in example_names()] + [SAVED + n for n in saved]


def _choices() -> list[str]:
    return choices(D.saved_names(DATA))


def use_saved_names() -> tuple[list[str], Callable[[], None]]:
    """The data folder's saved plans, re-read every POLL_S seconds (a plan saved in another tab shows up in
    every list of plans of this one without a reload), and a function that re-reads them now."""
    saved, set_saved = solara.use_state(D.saved_names(DATA))

    def watch(cancel: threading.Event) -> None:
        last = D.saved_names(DATA)
        while not cancel.wait(POLL_S):
            names = D.saved_names(DATA)
            if names != last:
                last = names
                set_saved(names)

    solara.use_thread(watch, [], intrusive_cancel=False)
    return saved, lambda: set_saved(D.saved_names(DATA))


def _open(choice: str) -> D.Draft:
    if choice.startswith(SAVED):
        return D.load_saved(DATA, choice.removeprefix(SAVED))
    return D.example(choice.removeprefix(EXAMPLE))


def Text(md: str) -> solara.Element:
    """Markdown rendered on the server, everything typed escaped first. (solara.Markdown would fetch KaTeX
    from a CDN, which solara-assets 1.58 does not hold: offline, that request hangs and fails.)"""
    return solara.HTML(tag="div", unsafe_innerHTML=safe_html(md), classes=["wb-text"])


ALLOWED_TAGS = "p|strong|em|ul|ol|li|h1|h2|h3|table|thead|tbody|tr|th|td|code|br"


def safe_html(md: str) -> str:
    """Markdown -> HTML with typed text escaped and no links or images (a plan name such as
    `[x](javascript:...)` stays text): only the tags this page's own text uses survive."""
    body = markdown.markdown(html.escape(md, quote=False), extensions=["tables"])
    return re.sub(rf"</?(?!(?:{ALLOWED_TAGS})\b)[a-zA-Z][^>]*>", "", body)


STYLE = """
.wb-text strong { font-weight: 600; }
.wb-text h1 { font-size: 1.8em; font-weight: 400; margin: 0.3em 0; }
.wb-text h2 { font-size: 1.4em; font-weight: 400; margin: 0.6em 0 0.3em; }
.wb-text table { border-collapse: collapse; margin: 0.5em 0; }
.wb-text td, .wb-text th { padding: 3px 12px; border-bottom: 1px solid #ddd; text-align: right; }
.wb-text td:first-child, .wb-text th:first-child { text-align: left; }
"""
