"""What the workbench's pages share: the data folder, the worker count, the city picked, the plan choices, and
text rendered safely (typed text escaped, only this page's own tags kept)."""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import markdown
import solara

from experiments.plans.plan_file import example_names
from experiments.workbench import draft as D
from experiments.workbench.i18n import _

DATA = Path(os.environ.get("CPSIM_WORKBENCH_DATA", "~/.cpsim-workbench")).expanduser()
WORKERS = int(os.environ.get("CPSIM_WORKBENCH_JOBS", "2"))
EXAMPLE, SAVED = "example: ", "saved: "

scenario_name = solara.reactive("makassar_pksai")


def _no_paths(text: str) -> str:
    """A message without this machine's folders."""
    return text.replace(str(DATA), _("<data folder>")).replace(str(Path.home()), "~")


def _choices() -> list[str]:
    return [EXAMPLE + n for n in example_names()] + [SAVED + n for n in D.saved_names(DATA)]


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
