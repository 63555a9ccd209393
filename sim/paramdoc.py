"""Generate the lever table and the parameter table (name, default, allowed, meaning, source) from the schema
into docs/ODD.md.

python -m sim.paramdoc          # rewrite the table between the markers in docs/ODD.md
python -m sim.paramdoc --check  # exit 1 if the file is out of date (used by the tests)
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import typing
from pathlib import Path

from scenarios.levers import levers
from scenarios.schema import Config, field_default

ODD = Path(__file__).parents[1] / "docs" / "ODD.md"
START, END = "<!-- parameters:start -->", "<!-- parameters:end -->"
LEVERS_START, LEVERS_END = "<!-- levers:start -->", "<!-- levers:end -->"


def _allowed(meta: dict, kind: object) -> str:
    if meta.get("choices"):
        return " / ".join(meta["choices"])
    if kind is bool:
        return "true / false"
    lo, hi = meta.get("lo"), meta.get("hi")
    if lo is None and hi is None:
        return ""
    return f"[{'' if lo is None else f'{lo:g}'}, {'' if hi is None else f'{hi:g}'}]"


def _default(value: object) -> str:
    if dataclasses.is_dataclass(value):
        return ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in vars(value).items())
    if isinstance(value, list):
        return "; ".join(_default(v) for v in value) or "none"
    return f"{value:g}" if isinstance(value, float) else str(value).lower() if isinstance(value, bool) else str(value)


def rows() -> list[str]:
    out = []
    for section in dataclasses.fields(Config):
        cls = section.type if isinstance(section.type, type) else typing.get_type_hints(Config)[section.name]
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            meta = dict(f.metadata)
            doc, source = meta.get("doc", ""), meta.get("source", "")
            default = _default(field_default(f)).replace("|", "/")
            allowed = _allowed(meta, hints[f.name])
            out.append(f"| `{section.name}.{f.name}` | {default} | {allowed} | {doc} | {source} |")
    return out


def table() -> str:
    head = ["| parameter | default (Makassar) | allowed | meaning | source |", "|---|---|---|---|---|"]
    return "\n".join([START, *head, *rows(), END])


def lever_table() -> str:
    """The levers the schema marks, with the sweep range the sensitivity analysis uses (schema defaults)."""
    head = ["| lever group | parameter | sweep range | meaning |", "|---|---|---|---|"]
    body = []
    for lv in sorted(levers(Config()), key=lambda lv: lv.group):
        sweep = "true / false" if lv.kind == "bool" else f"{lv.lo:g} to {lv.hi:g}"
        body.append(f"| {lv.group} | `{lv.name}` | {sweep} | {lv.doc} |")
    return "\n".join([LEVERS_START, *head, *body, LEVERS_END])


def render(text: str) -> str:
    for start, end, block in ((LEVERS_START, LEVERS_END, lever_table()), (START, END, table())):
        before, rest = text.split(start, 1)
        _, after = rest.split(end, 1)
        text = before + block + after
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    current = ODD.read_text()
    wanted = render(current)
    if args.check:
        sys.exit(0 if current == wanted else 1)
    ODD.write_text(wanted)


if __name__ == "__main__":
    main()
