"""A plan as the page edits it: a grid of text cells, turned into plan-file data and checked cell by cell.

Cells hold what the user typed (text); an empty cell means "no change from the year before". The checks are
`cpsim-plans check`'s own (plan_file.plan_errors for every field, translate.plan_config for the scenario's
horizon and routine shares), so the page and the command line say the same words. Nothing typed here is
passed to Hydra: the scenario is picked from a fixed list and the city size goes in as a plain mapping.
"""

from __future__ import annotations

import copy
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from experiments.plans.plan_file import Plan, PlanError, load_plan, parse_plan, plan_errors
from experiments.plans.translate import plan_config
from scenarios.schema import BUDGET_LINES, REGULATIONS
from scenarios.validate import ConfigError, config_from_dict
from sim.compose import scenario_dict
from sim.outputs import atomic_file
from sim.overrides import scenario_names
from sim.ownership import open_folder

LINE_LABELS = {
    "training": "Training",
    "mentoring": "Mentoring",
    "case_management_system": "Case-management system",
    "outreach": "Outreach",
    "worker_contracts": "Worker contracts",
    "prevention": "Prevention",
}
EMPLOYER_LABELS = {"national": "National government", "local": "Local government", "donor": "Donor contracts"}
ANCHOR_LABELS = {
    "": "as in the scenario",
    "none": "none (pickup rests on leadership)",
    "mayoral": "mayoral regulation (pickup in most years)",
    "regional_law": "regional law (pickup every year, referrals binding)",
}
assert set(ANCHOR_LABELS) - {""} == set(REGULATIONS)

_COMPOSE_LOCK = threading.Lock()  # Hydra's compose API is a process-wide singleton
_SCENARIOS: dict[str, dict[str, Any]] = {}


def scenarios() -> list[str]:
    return scenario_names()


def scenario(name: str, n_children: int | None = None) -> dict[str, Any]:
    """The composed scenario (cached), with the city size set; raises ConfigError on a bad name or size."""
    if name not in scenario_names():
        raise ConfigError(f"scenario: {name!r} is not allowed; expected one of {', '.join(scenario_names())}")
    with _COMPOSE_LOCK:
        if name not in _SCENARIOS:
            _SCENARIOS[name] = scenario_dict(name)
        data = copy.deepcopy(_SCENARIOS[name])
    if n_children is not None:
        data["population"]["n_children"] = n_children
        config_from_dict(data)
    return data


def horizon(data: dict[str, Any]) -> list[int]:
    run = data["run"]
    return list(range(run["start_year"], run["end_year"]))


def safe_name(name: str) -> str:
    """A file name made of letters, digits, _ and - only: a typed plan name can never leave its folder."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_-")[:48]
    return slug or "plan"


def inside(root: Path, name: str, suffix: str = "") -> Path:
    """`root/<safe name><suffix>`, checked to lie inside root."""
    path = (root / f"{safe_name(name)}{suffix}").resolve()
    if not path.is_relative_to(root.resolve()):
        raise ValueError(f"{name!r}: not a valid name")
    return path


@dataclass
class Draft:
    """What the page edits. Years are calendar years; every value is the text of a cell ('' = no change)."""

    name: str = "my_plan"
    description: str = ""
    legal_anchor: str = ""  # '' = the scenario's
    funder_share: dict[int, dict[str, str]] = field(default_factory=dict)
    pickup_share: dict[str, str] = field(default_factory=dict)
    pickup_delay: dict[str, str] = field(default_factory=dict)
    local_budget: dict[int, str] = field(default_factory=dict)
    hiring: dict[int, dict[str, str]] = field(default_factory=dict)
    cut_order: list[str] = field(default_factory=list)

    def years(self) -> set[int]:
        return set(self.funder_share) | set(self.local_budget) | set(self.hiring)

    def with_cell(self, key: str, text: str) -> Draft:
        """A copy with one cell changed; key is the plan-file field (`funder_share.2021.outreach`)."""
        new = copy.deepcopy(self)
        parts = key.split(".")
        if parts[0] == "funder_share":
            new.funder_share.setdefault(int(parts[1]), {})[parts[2]] = text
        elif parts[0] == "hiring":
            new.hiring.setdefault(int(parts[1]), {})[parts[2]] = text
        elif parts[0] == "local_budget":
            new.local_budget[int(parts[1])] = text
        elif parts[0] == "pickup":
            (new.pickup_share if parts[2] == "share" else new.pickup_delay)[parts[1]] = text
        elif key == CUT_ORDER:
            new.cut_order = cut_order_of(text)
        else:
            raise KeyError(key)
        return new

    def cell(self, key: str) -> str:
        parts = key.split(".")
        if parts[0] == "funder_share":
            return self.funder_share.get(int(parts[1]), {}).get(parts[2], "")
        if parts[0] == "hiring":
            return self.hiring.get(int(parts[1]), {}).get(parts[2], "")
        if parts[0] == "local_budget":
            return self.local_budget.get(int(parts[1]), "")
        if parts[0] == "pickup":
            return (self.pickup_share if parts[2] == "share" else self.pickup_delay).get(parts[1], "")
        if key == CUT_ORDER:
            return ", ".join(self.cut_order)
        raise KeyError(key)


CUT_ORDER = "cut_order"


def cut_order_of(text: str) -> list[str]:
    """The budget lines typed in the cut-order cell, first cut first, separated by commas. A line may be typed
    as in the plan file (`worker_contracts`) or as the page labels it (`Worker contracts`); anything else is
    kept as typed, so that `cpsim-plans check`'s rule rejects it in its own words."""
    names = {re.sub(r"[\s-]+", "_", label.lower()): line for line, label in LINE_LABELS.items()}
    out = []
    for token in text.split(","):
        token = token.strip()
        if token:
            out.append(names.get(re.sub(r"[\s-]+", "_", token.lower()), token))
    return out


def _text(x: float) -> str:
    return f"{x:g}"


def from_plan(plan: Plan) -> Draft:
    return Draft(
        name=plan.name,
        description=plan.description,
        legal_anchor=plan.legal_anchor or "",
        funder_share={y: {ln: _text(v) for ln, v in lines.items()} for y, lines in plan.funder_share.items()},
        pickup_share={ln: _text(v) for ln, v in plan.pickup_share.items()},
        pickup_delay={ln: str(v) for ln, v in plan.pickup_delay_years.items()},
        local_budget={y: _text(v) for y, v in plan.local_budget.items()},
        hiring={y: {e: str(n) for e, n in emp.items()} for y, emp in plan.hiring.items()},
        cut_order=list(plan.cut_order),
    )


def example(name: str) -> Draft:
    return from_plan(load_plan(name))


def _value(text: str) -> Any:
    """A typed cell as YAML would read it: a number if it is one, else the text (which the checks reject)."""
    text = text.strip()
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _cells(mapping: dict[Any, str]) -> dict[Any, Any]:
    return {k: _value(v) for k, v in mapping.items() if v.strip()}


def to_data(draft: Draft) -> dict[str, Any]:
    """Plan-file data (what the YAML download holds)."""
    data: dict[str, Any] = {"name": safe_name(draft.name), "description": draft.description}
    if draft.legal_anchor:
        data["legal_anchor"] = draft.legal_anchor
    shares = {y: _cells(lines) for y, lines in sorted(draft.funder_share.items())}
    data["funder_share"] = {y: lines for y, lines in shares.items() if lines}
    pickup: dict[str, dict[str, Any]] = {}
    for line in BUDGET_LINES:
        entry = {}
        if draft.pickup_share.get(line, "").strip():
            entry["share"] = _value(draft.pickup_share[line])
        if draft.pickup_delay.get(line, "").strip():
            entry["delay_years"] = _value(draft.pickup_delay[line])
        if entry:
            pickup[line] = entry
    data["pickup"] = pickup
    if draft.cut_order:
        data["cut_order"] = list(draft.cut_order)
    budget = _cells(dict(sorted(draft.local_budget.items())))
    if budget:
        data["local_budget"] = budget
    hiring = {y: _cells(emp) for y, emp in sorted(draft.hiring.items())}
    hiring = {y: emp for y, emp in hiring.items() if emp}
    if hiring:
        data["hiring"] = hiring
    return data


def to_yaml(draft: Draft) -> str:
    head = "# Written by cpsim-workbench; check it with `cpsim-plans check <file> --scenario <name>`.\n"
    return head + yaml.safe_dump(to_data(draft), sort_keys=False, allow_unicode=True)


def plan_path(draft: Draft) -> Path:
    """The relative file name errors and reports show (never a folder of the machine)."""
    return Path(f"{safe_name(draft.name)}.yaml")


def field_of(message: str, path: Path) -> str:
    """`funder_share.2021.outreach` from 'my_plan.yaml: funder_share.2021.outreach: ...' (`cut_order` from
    '...: cut_order[1]: ...')."""
    rest = message.removeprefix(f"{path}: ")
    return re.sub(r"\[\d+\]$", "", rest.split(": ", 1)[0])  # cut_order[2] is the cut-order cell


def check(draft: Draft, scenario_data: dict[str, Any]) -> list[str]:
    """Every error of the draft against the scenario, in `cpsim-plans check`'s words; [] when it can run."""
    path = plan_path(draft)
    data = to_data(draft)
    errors = plan_errors(data, path)
    if errors:
        return errors
    plan = parse_plan(data, path)
    base = config_from_dict(scenario_data)
    # each explicitly set share on its own, so that every cell over the routine share is named
    for year, lines in sorted(plan.funder_share.items()):
        for line, share in lines.items():
            if share + getattr(base.funding.local_share, line) > 1.0 + 1e-9 or year not in range(
                base.run.start_year, base.run.end_year
            ):
                single = Plan(name=plan.name, path=path, funder_share={year: {line: share}})
                try:
                    plan_config(single, scenario_data)
                except PlanError as exc:
                    if str(exc) not in errors:
                        errors.append(str(exc))
    for section in ("local_budget", "hiring"):
        for year in getattr(plan, section):
            if year not in range(base.run.start_year, base.run.end_year):
                try:
                    plan_config(
                        Plan(name=plan.name, path=path, **{section: {year: getattr(plan, section)[year]}}),
                        scenario_data,
                    )
                except PlanError as exc:
                    errors.append(str(exc))
    if not errors:
        try:
            plan_config(plan, scenario_data)
        except PlanError as exc:
            errors.append(str(exc))
    return errors


def to_plan(draft: Draft, scenario_data: dict[str, Any]) -> Plan:
    """The checked Plan; raises PlanError with the first error."""
    errors = check(draft, scenario_data)
    if errors:
        raise PlanError(errors[0])
    return parse_plan(to_data(draft), plan_path(draft))


def saved_names(root: Path) -> list[str]:
    return sorted(p.stem for p in (root / "plans").glob("*.yaml")) if (root / "plans").is_dir() else []


def save(draft: Draft, root: Path) -> Path:
    folder = open_folder(root / "plans")
    path = inside(folder, draft.name, ".yaml")
    with atomic_file(path) as tmp:
        tmp.write_text(to_yaml(draft))
    return path


def load_saved(root: Path, name: str) -> Draft:
    path = inside(root / "plans", name, ".yaml")
    try:
        data = yaml.safe_load(path.read_text())
        return from_plan(parse_plan(data, Path(path.name)))
    except (OSError, yaml.YAMLError, PlanError) as exc:
        raise PlanError(f"{path.name}: cannot be opened ({type(exc).__name__})") from None
