"""Pieces of the HTML reports: an image embedded in the page itself, so a report.html is one file that can be
mailed or archived without its figures folder."""

from __future__ import annotations

import base64
import html
from pathlib import Path


def embedded_img(path: Path, alt: str = "") -> str:
    """An <img> whose PNG is inside the tag (a data URI)."""
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}" style="max-width:100%">'
