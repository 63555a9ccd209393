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

from experiments.plans.plan_file import ALL, PICKUP_KEYS, PLAN_KEYS, Plan, PlanError, parse_plan, plan_errors, resolve
from experiments.plans.translate import plan_config
from experiments.workbench import numbers as N
from experiments.workbench.i18n import _
from scenarios.files import FileError, parse_yaml
from scenarios.schema import BUDGET_LINES, EMPLOYERS, REGULATIONS
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
    locale: str = "en"  # how the number cells are written: "en" 1,500.5 or "id" 1.500,5 (numbers.py)

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

    def number_keys(self) -> list[str]:
        """Every filled number cell's key (funder shares, pickup, city budget, positions)."""
        keys = [f"funder_share.{y}.{ln}" for y, lines in sorted(self.funder_share.items()) for ln in lines]
        keys += [f"pickup.{ln}.share" for ln in self.pickup_share] + [
            f"pickup.{ln}.delay_years" for ln in self.pickup_delay
        ]
        keys += [f"local_budget.{y}" for y in sorted(self.local_budget)]
        keys += [f"hiring.{y}.{e}" for y, emp in sorted(self.hiring.items()) for e in emp]
        return [k for k in keys if self.cell(k).strip()]

    def in_locale(self, locale: str) -> Draft:
        """A copy whose number cells are rewritten for `locale` (the values stay; a cell that is no number in the
        old locale stays as typed)."""
        new = self
        for key in self.number_keys():
            new = new.with_cell(key, N.relocale(self.cell(key), self.locale, locale))
        new = copy.deepcopy(new)
        new.locale = locale
        return new

    def ambiguous(self) -> dict[str, N.Ambiguous]:
        """The number cells the locale could read two ways (`1.500` in English), by key."""
        out = {}
        for key in self.number_keys():
            try:
                N.parse(self.cell(key), self.locale)
            except N.Ambiguous as exc:
                out[key] = exc
            except N.NotANumber:
                pass
        return out


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


def _text(x: Any, locale: str = "en") -> str:
    """A plan-file value as cell text: numbers as the locale writes them, anything else (which the checks then
    reject in the cell) as it reads."""
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        try:
            return N.format_number(x, locale)
        except (ValueError, OverflowError, ArithmeticError):
            return str(x)
    return "" if x is None else str(x)


def from_plan(plan: Plan, locale: str = "en") -> Draft:
    return Draft(
        name=plan.name,
        description=plan.description,
        legal_anchor=plan.legal_anchor or "",
        funder_share={y: {ln: _text(v, locale) for ln, v in lines.items()} for y, lines in plan.funder_share.items()},
        pickup_share={ln: _text(v, locale) for ln, v in plan.pickup_share.items()},
        pickup_delay={ln: _text(v, locale) for ln, v in plan.pickup_delay_years.items()},
        local_budget={y: _text(v, locale) for y, v in plan.local_budget.items()},
        hiring={y: {e: _text(n, locale) for e, n in emp.items()} for y, emp in plan.hiring.items()},
        cut_order=list(plan.cut_order),
        locale=locale,
    )


class NotAPlan(PlanError):
    """A file that is not a plan at all (not YAML, not a mapping of plan fields): one plain line, shown as is."""


def not_a_plan(source: str, why: str) -> NotAPlan:
    return NotAPlan(_("{file} cannot be opened: {why}").format(file=source, why=why))


def _scalar(source: str, where: str, value: Any, locale: str) -> str:
    if isinstance(value, (dict, list)):
        raise not_a_plan(source, _("{where} holds a list or table where one value belongs").format(where=where))
    return _text(value, locale)


def _years(source: str, section: str, value: Any) -> dict[int, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise not_a_plan(source, _("{section} is not a table of years").format(section=section))
    for year in value:
        if isinstance(year, bool) or not isinstance(year, int):
            raise not_a_plan(source, _("{section} has {key}, which is not a year").format(section=section, key=year))
    return dict(sorted(value.items()))


def from_data(data: Any, locale: str = "en", source: str = "the file") -> Draft:
    """Plan-file data -> the grid, keeping every bad value in its cell for the check to mark and explain (a year
    of 1900, a share of 1.5, a word where a number belongs). Raises NotAPlan, in one plain line, for data that
    does not have a plan's shape: not a mapping, a field no plan has, a budget line or employer no plan has, a
    table where one value belongs."""
    if not isinstance(data, dict):
        raise not_a_plan(source, _("it holds no plan (expected fields such as name, funder_share and pickup)"))
    unknown = [str(k) for k in data if k not in PLAN_KEYS]
    if unknown:
        raise not_a_plan(source, _("{key} is not part of a plan").format(key=unknown[0]))
    draft = Draft(locale=locale)
    name = data.get("name")
    draft.name = name if isinstance(name, str) and name else (safe_name(Path(source).stem) or "plan")
    description = data.get("description", "")
    draft.description = "" if description is None else str(description)
    anchor = data.get("legal_anchor")
    if anchor is not None and anchor not in REGULATIONS:
        allowed = ", ".join(REGULATIONS)
        raise not_a_plan(
            source, _("legal anchor {value} is not one of {allowed}").format(value=anchor, allowed=allowed)
        )
    draft.legal_anchor = anchor or ""

    def per_line(where: str, value: Any) -> dict[str, str]:
        if not isinstance(value, dict):
            return {ln: _scalar(source, where, value, locale) for ln in BUDGET_LINES}
        for key in value:
            if key not in (*BUDGET_LINES, ALL):
                raise not_a_plan(source, _("{key} is not a budget line").format(key=key))
        out = {ln: _scalar(source, where, value[ALL], locale) for ln in BUDGET_LINES} if ALL in value else {}
        out.update({ln: _scalar(source, where, v, locale) for ln, v in value.items() if ln != ALL})
        return out

    draft.funder_share = {
        y: per_line(f"funder_share.{y}", v) for y, v in _years(source, "funder_share", data.get("funder_share")).items()
    }
    draft.local_budget = {
        y: _scalar(source, f"local_budget.{y}", v, locale)
        for y, v in _years(source, "local_budget", data.get("local_budget")).items()
    }
    for y, v in _years(source, "hiring", data.get("hiring")).items():
        if not isinstance(v, dict) or any(e not in EMPLOYERS for e in v):
            raise not_a_plan(source, _("hiring.{year} is not a table of employers").format(year=y))
        draft.hiring[y] = {e: _scalar(source, f"hiring.{y}", n, locale) for e, n in v.items()}
    pickup = data.get("pickup") or {}
    if not isinstance(pickup, dict) or any(k not in (*BUDGET_LINES, ALL) for k in pickup):
        raise not_a_plan(source, _("pickup is not a table of budget lines"))
    for line, entry in pickup.items():
        if entry is not None and (not isinstance(entry, dict) or any(k not in PICKUP_KEYS for k in entry)):
            raise not_a_plan(source, _("pickup.{line} is not a share and a delay").format(line=line))
    everyone = pickup.get(ALL) or {}
    for line in BUDGET_LINES:
        own = {**everyone, **(pickup.get(line) or {})}
        # as parse_plan: a line the plan does not name picks up nothing, at once
        draft.pickup_share[line] = _scalar(source, f"pickup.{line}", own.get("share", 0), locale)
        draft.pickup_delay[line] = _scalar(source, f"pickup.{line}", own.get("delay_years", 0), locale)
    cut = data.get("cut_order", [])
    if not isinstance(cut, list):
        cut = [cut]
    draft.cut_order = [str(x) for x in cut if not isinstance(x, (dict, list))]
    return draft


def from_yaml_text(text: str, locale: str = "en", source: str = "the file") -> Draft:
    """A plan file's text -> the grid (see from_data); NotAPlan when it is no YAML or no plan."""
    try:
        data = parse_yaml(text, source, "plan file")
    except FileError:
        raise not_a_plan(source, _("it is not a plan file (not readable as YAML)")) from None
    return from_data(data, locale, source)


def example(name: str, locale: str = "en") -> Draft:
    path = resolve(name)
    return from_yaml_text(path.read_text(), locale, path.name)


def _value(text: str, locale: str = "en") -> Any:
    """A typed cell as the plan file holds it: a number if it is one in the locale, else the text (which the
    checks reject; an ambiguous number is asked about, see Draft.ambiguous)."""
    try:
        return N.parse(text, locale)
    except ValueError:
        return text.strip()


def _cells(mapping: dict[Any, str], locale: str) -> dict[Any, Any]:
    return {k: _value(v, locale) for k, v in mapping.items() if v.strip()}


def to_data(draft: Draft) -> dict[str, Any]:
    """Plan-file data (what the YAML download holds)."""
    loc = draft.locale
    data: dict[str, Any] = {"name": safe_name(draft.name), "description": draft.description}
    if draft.legal_anchor:
        data["legal_anchor"] = draft.legal_anchor
    shares = {y: _cells(lines, loc) for y, lines in sorted(draft.funder_share.items())}
    data["funder_share"] = {y: lines for y, lines in shares.items() if lines}
    pickup: dict[str, dict[str, Any]] = {}
    for line in BUDGET_LINES:
        entry = {}
        if draft.pickup_share.get(line, "").strip():
            entry["share"] = _value(draft.pickup_share[line], loc)
        if draft.pickup_delay.get(line, "").strip():
            entry["delay_years"] = _value(draft.pickup_delay[line], loc)
        if entry:
            pickup[line] = entry
    data["pickup"] = pickup
    if draft.cut_order:
        data["cut_order"] = list(draft.cut_order)
    budget = _cells(dict(sorted(draft.local_budget.items())), loc)
    if budget:
        data["local_budget"] = budget
    hiring = {y: _cells(emp, loc) for y, emp in sorted(draft.hiring.items())}
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
    unsure = draft.ambiguous()
    errors = [
        f"{path}: {key}: {exc.text.strip()!r} is ambiguous; expected {exc.thousands} or {exc.decimal:g}"
        for key, exc in unsure.items()
    ]
    errors += [e for e in plan_errors(data, path) if field_of(e, path) not in unsure]
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


def load_saved(root: Path, name: str, locale: str = "en") -> Draft:
    """A saved plan in the grid, bad values kept in their cells (see from_data); NotAPlan when it is none."""
    path = inside(root / "plans", name, ".yaml")
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError):
        raise not_a_plan(path.name, _("it cannot be read")) from None
    return from_yaml_text(text, locale, path.name)
