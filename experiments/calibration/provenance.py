"""Provenance of scenario parameters: every numeric value in a scenario file says where it comes from.

Convention (one inline comment on the value's line, first word is the kind):
    n_children: 137932   # published: 000 l.633 (137,932 children in the 2015 database)
    caseload_cap: 25     # assumed: 15-40, no study gives caseloads (digest §4)
    magnitude: 0.8       # calibrated: makassar_pksai.forced_work_ratio_2020_2019 (prior 0.0-2.0)
    n_children: 200000   # derived: 150,000 registered (004 l.155) / 0.75 coverage

`published` and `derived` cite a seed study and line ("000 l.633"); `assumed` gives a range and a reason;
`calibrated` names the validation target it was fitted to; such values live only in the files
`cpsim-calibrate` generates (`scenarios/conf/calibrated/`, written by `experiments.calibration.files`).
`check_comment` enforces this and the tests walk every scenario and calibrated file with `scenario_leaves`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

KINDS = ("published", "derived", "assumed", "calibrated")
STUDY_REF = re.compile(r"\b00[0-4] l\.\s?\d+")
RANGE = re.compile(r"-?\d[\d.,e-]*\s*(?:-|–|to)\s*-?\d")
TARGET_REF = re.compile(r"\b([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)\b")
_LINE = re.compile(
    r"^(?P<indent> *)(?P<dash>- )?(?P<key>[A-Za-z_][\w]*):\s*(?P<value>[^#]*?)\s*(?:#\s*(?P<comment>.*))?$"
)


@dataclass(frozen=True)
class Leaf:
    path: str  # dotted, list items as name[i]
    value: Any  # parsed by YAML
    comment: str  # the inline comment without '#', '' if none
    lineno: int  # 1-based


def scenario_leaves(text: str) -> list[Leaf]:
    """Every `key: value` line of a scenario file with a scalar value, with its full dotted path."""
    stack: list[tuple[int, str]] = []  # (indent, key) of open mappings
    list_index: dict[str, int] = {}
    leaves = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        m = _LINE.match(line)
        if not m:
            continue
        indent = len(m["indent"])
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if m["dash"]:  # "- key: value" opens item i of the enclosing list; its keys sit two columns further in
            parent = _join([k for _, k in stack])
            list_index[parent] = list_index.get(parent, -1) + 1
            stack.append((indent, f"[{list_index[parent]}]"))
            indent += 2
        prefix = _join([k for _, k in stack])
        path = f"{prefix}.{m['key']}" if prefix else m["key"]
        if m["value"] == "":
            stack.append((indent, m["key"]))
            continue
        value = yaml.safe_load(m["value"])
        leaves.append(Leaf(path, value, (m["comment"] or "").strip(), lineno))
    return leaves


def _join(keys: list[str]) -> str:
    return ".".join(keys).replace(".[", "[")


def is_numeric(value: Any) -> bool:
    """A number, or text YAML 1.1 left unparsed but that reads as one (e.g. 1e-4)."""
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return False
        return True
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_comment(comment: str, targets: set[str] | None = None) -> str | None:
    """Why a provenance comment is not acceptable, or None if it is."""
    kind, _, rest = comment.partition(":")
    kind, rest = kind.strip(), rest.strip()
    if kind not in KINDS:
        return f"comment must start with one of {', '.join(k + ':' for k in KINDS)}"
    if kind in ("published", "derived") and not STUDY_REF.search(rest):
        return f"{kind}: must cite a study line such as '000 l.633'"
    if kind == "assumed":
        found = RANGE.search(rest)
        if not found:
            return "assumed: must give a range such as '0.2-0.6'"
        if not re.search(r"[A-Za-z]{3,}", rest[found.end() :]):
            return "assumed: must give a reason after the range"
    if kind == "calibrated":
        names = {f"{a}.{b}" for a, b in TARGET_REF.findall(rest)}
        if not names:
            return "calibrated: must name the target it was fitted to, e.g. 'makassar_pksai.harm_cases_2019'"
        if targets is not None and not names & targets:
            return f"calibrated: names no known target ({', '.join(sorted(names))})"
    return None


def missing_provenance(path: Path, targets: set[str] | None = None) -> list[str]:
    """One message per numeric value in a scenario file whose provenance is missing or malformed."""
    problems = []
    for leaf in scenario_leaves(path.read_text()):
        if not is_numeric(leaf.value):
            continue
        why = "no provenance comment" if not leaf.comment else check_comment(leaf.comment, targets)
        if why:
            problems.append(f"{path.name}:{leaf.lineno} {leaf.path}={leaf.value}: {why}")
    return problems
