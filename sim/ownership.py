"""What cpsim wrote, so that it deletes or replaces only that.

Every folder cpsim creates holds a marker, `.cpsim.json`, naming the command and the time ("created"). A
file cpsim writes into a folder it did not create (docs/validation.md, say) is listed under "files" in that
folder's marker. Anything else that stands where cpsim wants to write is the user's: it is refused with one
line (`ForeignTarget`) or, where the command has a flag for it, moved aside to `<name>.moved-<time>`. cpsim
never deletes what it did not write.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from scenarios.files import show

MARKER = ".cpsim.json"
LOCK = ".cpsim.lock"  # held by the process writing a folder (a sweep)


class ForeignTarget(ValueError):
    """A target that holds something cpsim did not write. The message is one line: the path, what to do."""


def stamp() -> dict[str, Any]:
    """Who wrote, and when: the command line and the local time."""
    command = " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv and sys.argv[0] else "python"
    return {"command": command, "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "pid": os.getpid()}


def read_marker(folder: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((Path(folder) / MARKER).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_marker(folder: Path, data: dict[str, Any]) -> None:
    """Replace the folder's marker atomically (a reader never sees half of it)."""
    tmp = Path(folder) / f"{MARKER}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(data, indent=2, default=str))
    os.replace(tmp, Path(folder) / MARKER)


def mark_created(folder: Path, **extra: Any) -> None:
    """Record that cpsim created `folder` (keeping whatever the marker already says)."""
    data = read_marker(folder) or {}
    write_marker(folder, {**data, "created": data.get("created") or stamp(), **extra})


def created_by_cpsim(folder: Path) -> bool:
    marker = read_marker(folder)
    return bool(marker and marker.get("created"))


def owns(path: Path) -> bool:
    """May cpsim replace `path`? Yes when nothing is there, it is an empty folder, a folder cpsim created, or a
    file cpsim wrote (inside a folder cpsim created, or listed in its folder's marker)."""
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        return True
    if path.is_dir() and not path.is_symlink() and (not any(path.iterdir()) or created_by_cpsim(path)):
        return True
    if created_by_cpsim(path.parent):
        return True
    marker = read_marker(path.parent)
    return bool(marker and path.name in marker.get("files", {}))


def claim_file(path: Path) -> None:
    """Record in the folder's marker that cpsim wrote `path` (not needed in a folder cpsim created)."""
    path = Path(path)
    if created_by_cpsim(path.parent):
        return
    data = read_marker(path.parent) or {}
    write_marker(path.parent, {**data, "files": {**data.get("files", {}), path.name: stamp()}})


def check_owned(path: Path, what: str = "") -> None:
    """Refuse, in one line, to write where something cpsim did not write stands."""
    if not owns(path):
        lead = f"{what}: " if what else ""
        kind = "folder" if Path(path).is_dir() else "file"
        raise ForeignTarget(
            f"{lead}{show(path, 160)} is a {kind} cpsim did not write (no {MARKER}); expected a new or empty "
            "folder, or one cpsim wrote; move it away or choose another place"
        )


def open_folder(folder: Path) -> Path:
    """Make `folder` ready to write into: created (and marked as cpsim's) when new or empty; an existing folder
    is used as it is, each file written into it being checked and claimed on its own (`atomic_file`)."""
    folder = Path(folder)
    if not folder.exists() or (folder.is_dir() and not any(folder.iterdir())):
        folder.mkdir(parents=True, exist_ok=True)
        mark_created(folder)
    return folder


def move_aside(path: Path) -> Path:
    """Rename `path` to `<name>.moved-<time>` (never delete it); return the new name."""
    path = Path(path)
    when = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.moved-{when}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.moved-{when}-{n}")
    os.replace(path, target)
    return target
