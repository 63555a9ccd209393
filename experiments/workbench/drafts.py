"""What a browser was typing, kept on the server: the plan's grid and the compare's settings, saved as the
planner types, so that a reload, a closed tab or a crashed browser brings them back.

One small JSON file per browser (Solara's session cookie names it) under `<data folder>/drafts/`, written
atomically; a file that cannot be read back (damaged, from another version) is ignored, never shown half.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path
from typing import Any

from experiments.workbench import draft as D
from sim.outputs import atomic_file
from sim.ownership import open_folder

log = logging.getLogger("cpsim.workbench")
FOLDER = "drafts"
YEAR_KEYED = ("funder_share", "local_budget", "hiring")  # Draft fields keyed by year (JSON keys are text)


def to_json(draft: D.Draft) -> dict[str, Any]:
    return dataclasses.asdict(draft)


def from_json(data: dict[str, Any]) -> D.Draft:
    """The draft back; raises (KeyError, TypeError, ValueError) on data that is not one."""
    fields = {f.name for f in dataclasses.fields(D.Draft)}
    values = {k: v for k, v in data.items() if k in fields}
    for key in YEAR_KEYED:
        if key in values:
            values[key] = {int(year): cells for year, cells in values[key].items()}
    return D.Draft(**values)


def path_of(root: Path, owner: str) -> Path:
    return D.inside(root / FOLDER, owner, ".json")


def save(root: Path, owner: str, draft: D.Draft, settings: dict[str, Any]) -> None:
    folder = open_folder(root / FOLDER)
    with atomic_file(D.inside(folder, owner, ".json")) as tmp:
        tmp.write_text(json.dumps({"draft": to_json(draft), "settings": settings}))


def load(root: Path, owner: str) -> tuple[D.Draft, dict[str, Any]] | None:
    """(draft, settings) as last saved for this browser, or None."""
    path = path_of(root, owner)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
        return from_json(data["draft"]), dict(data["settings"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        log.warning("draft %s not restored: %s", path.name, type(exc).__name__)
        return None
