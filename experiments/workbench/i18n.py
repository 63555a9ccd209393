"""The workbench's language: every label, message and verdict shown to a planner goes through `_()`.

Interface (fixed, so every page can use it): `_(text)` returns `text` in the tab's chosen language;
`language` is the tab's choice (a per-tab `solara.reactive`, "en" or "id"); `LANGUAGES` names them.
"""

from __future__ import annotations

import solara

LANGUAGES = {"en": "English", "id": "Bahasa Indonesia"}
language = solara.reactive("en")


def _(text: str) -> str:
    """`text` in the tab's language (English until the catalogue is loaded)."""
    return text
