"""Read and check a funding-transition plan file (YAML), or fail with one line naming file, field and rule.

A plan says, year by year, what the funder pays of each budget line, how the local government picks up what
the funder withdraws (share and delay per line), its legal anchor, which lines it cuts first when its budget
is short, and how many positions each employer holds. Years are calendar years; a year's values hold until a
later year changes them. See `scenarios/plans/*.yaml` for examples.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from scenarios.files import FileError, check_name, excerpt, read_yaml, show
from scenarios.schema import BUDGET_LINES, EMPLOYERS, REGULATIONS

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # C0 and C1 controls; tab and newline are text
PLAN_KEYS = ("name", "description", "legal_anchor", "funder_share", "pickup", "cut_order", "local_budget", "hiring")
PICKUP_KEYS = ("share", "delay_years")
ALL = "all"  # in a line mapping: every budget line (lines named next to it override it)
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")  # a plan's name becomes a file name in reports


class PlanError(ValueError):
    """A plan file that cannot be used. The message is one line: file, field, value and what is allowed."""


@dataclass(frozen=True)
class Plan:
    name: str
    path: Path
    description: str = ""
    legal_anchor: str | None = None  # None: the scenario's regulation
    funder_share: dict[int, dict[str, float]] = field(default_factory=dict)  # year -> lines that change
    pickup_share: dict[str, float] = field(default_factory=dict)  # every line
    pickup_delay_years: dict[str, int] = field(default_factory=dict)  # every line
    cut_order: list[str] = field(default_factory=list)
    local_budget: dict[int, float] = field(default_factory=dict)  # year -> Rp m
    hiring: dict[int, dict[str, int]] = field(default_factory=dict)  # year -> employers that change

    def years(self) -> set[int]:
        return set(self.funder_share) | set(self.local_budget) | set(self.hiring)


def examples_dir() -> Path:
    return Path(str(resources.files("scenarios") / "plans"))


def example_names() -> list[str]:
    return sorted(p.stem for p in examples_dir().glob("*.yaml"))


def resolve(spec: str) -> Path:
    """A plan file path, or the name of a shipped example (`linear_taper_3y`)."""
    try:
        path = check_name(spec, "plan file")
        if path.suffix in (".yaml", ".yml") or path.exists():
            if path.is_dir():
                raise PlanError(f"{show(spec)}: is a directory; expected a plan file")
            if not path.is_file():
                raise PlanError(f"{show(spec)}: no such plan file")
            return path
    except (FileError, OSError) as exc:
        raise PlanError(str(exc) if isinstance(exc, FileError) else f"{show(spec)}: no such plan file") from None
    if spec in example_names():
        return examples_dir() / f"{spec}.yaml"
    raise PlanError(f"{show(spec)}: no such plan file or example; examples: {', '.join(example_names())}")


def load_plan(spec: str) -> Plan:
    path = resolve(spec)
    try:
        data = read_yaml(path, "plan file")
    except FileError as exc:
        raise PlanError(str(exc)) from None
    return parse_plan(data, path)


def parse_plan(data: Any, path: Path) -> Plan:
    check = _Checker(path)
    data = check.mapping("plan", data, PLAN_KEYS)
    anchor = data.get("legal_anchor")
    if anchor is not None and anchor not in REGULATIONS:
        check.fail("legal_anchor", anchor, "one of " + ", ".join(REGULATIONS))
    pickup = check.mapping("pickup", data.get("pickup"), (*BUDGET_LINES, ALL))
    return Plan(
        name=check.name(data.get("name", re.sub(r"[^A-Za-z0-9._-]", "_", path.stem).lstrip("._-") or "plan")),
        path=path,
        description=check.text("description", data.get("description", "")),
        legal_anchor=anchor,
        funder_share={
            year: check.lines(f"funder_share.{year}", value, check.share)
            for year, value in check.by_year("funder_share", data.get("funder_share")).items()
        },
        pickup_share=check.spread(pickup, "share", 0.0, check.share),
        pickup_delay_years=check.spread(pickup, "delay_years", 0, check.years_count),
        cut_order=check.cut_order(data.get("cut_order", [])),
        local_budget={
            year: check.money(f"local_budget.{year}", value)
            for year, value in check.by_year("local_budget", data.get("local_budget")).items()
        },
        hiring={
            year: check.employers(f"hiring.{year}", value)
            for year, value in check.by_year("hiring", data.get("hiring")).items()
        },
    )


class _Checker:
    """Field checks that raise PlanError naming the plan file and the field."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, value: Any, allowed: str) -> None:
        raise PlanError(f"{show(self.path, 160)}: {where}: {excerpt(value)} is not allowed; expected {allowed}")

    def mapping(self, where: str, value: Any, keys: tuple[str, ...]) -> dict:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail(where, value, "a mapping with keys " + ", ".join(keys))
        for key in value:
            if key not in keys:
                prefix = "" if where == "plan" else f"{where}."
                raise PlanError(
                    f"{show(self.path, 160)}: {prefix}{show(key)}: unknown key; allowed keys here: {', '.join(keys)}"
                )
        return value

    def name(self, value: Any) -> str:
        if not isinstance(value, str) or not SAFE_NAME.fullmatch(value):
            self.fail("name", value, "a name of letters, digits, '.', '_', '-' (at most 80, no '/')")
        return value

    def text(self, where: str, value: Any) -> str:
        if not isinstance(value, str) or CONTROL.search(value):
            self.fail(where, value, "plain text (no control characters: terminal escapes, NUL and the like)")
        return value

    def number(self, where: str, value: Any, lo: float, hi: float, integer: bool = False) -> float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        if not ok or not lo <= value <= hi or (integer and value != int(value)):
            kind = "an integer" if integer else "a number"
            self.fail(where, value, f"{kind} in [{lo:g}, {hi:g}]")
        return int(value) if integer else float(value)

    def share(self, where: str, value: Any) -> float:
        return self.number(where, value, 0.0, 1.0)

    def years_count(self, where: str, value: Any) -> int:
        return int(self.number(where, value, 0, 50, integer=True))

    def money(self, where: str, value: Any) -> float:
        return self.number(where, value, 0.0, 1e9)

    def by_year(self, where: str, value: Any) -> dict[int, Any]:
        """A mapping keyed by calendar year (the horizon is checked against the scenario later)."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail(where, value, "a mapping from calendar year to values")
        for year in value:
            if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2200:
                raise PlanError(
                    f"{show(self.path, 160)}: {where}.{show(year)}: not a calendar year; expected a year such as 2021"
                )
        return dict(sorted(value.items()))

    def lines(self, where: str, value: Any, item: Any) -> dict[str, Any]:
        """A value per budget line: a mapping (`all` for every line, named lines override it) or one number."""
        if not isinstance(value, dict):
            return {line: item(where, value) for line in BUDGET_LINES}
        value = self.mapping(where, value, (*BUDGET_LINES, ALL))
        out = {line: item(f"{where}.{ALL}", value[ALL]) for line in BUDGET_LINES} if ALL in value else {}
        out.update({line: item(f"{where}.{line}", v) for line, v in value.items() if line != ALL})
        return out

    def spread(self, pickup: dict, key: str, default: Any, item: Any) -> dict[str, Any]:
        """One pickup setting for every line: the line's own, else `all`'s, else the default."""
        base = self.mapping(f"pickup.{ALL}", pickup.get(ALL), PICKUP_KEYS)
        out = {}
        for line in BUDGET_LINES:
            own = self.mapping(f"pickup.{line}", pickup.get(line), PICKUP_KEYS)
            if key in own:
                out[line] = item(f"pickup.{line}.{key}", own[key])
            elif key in base:
                out[line] = item(f"pickup.{ALL}.{key}", base[key])
            else:
                out[line] = default
        return out

    def cut_order(self, value: Any) -> list[str]:
        allowed = "a list of distinct budget lines from " + ", ".join(BUDGET_LINES)
        if not isinstance(value, list):
            self.fail("cut_order", value, allowed)
        for i, line in enumerate(value):
            if line not in BUDGET_LINES or value.index(line) != i:
                self.fail(f"cut_order[{i}]", line, allowed)
        return list(value)

    def employers(self, where: str, value: Any) -> dict[str, int]:
        value = self.mapping(where, value, EMPLOYERS)
        return {e: int(self.number(f"{where}.{e}", n, 0, 10_000, integer=True)) for e, n in value.items()}


def plan_errors(data: Any, path: Path) -> list[str]:
    """Every error of a plan (not only the first), each in the words `parse_plan` raises: for an editor that
    marks all bad cells at once. Each field is checked on its own with the same `_Checker` rules."""
    check = _Checker(path)
    errors: list[str] = []

    def attempt(fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except PlanError as exc:
            errors.append(str(exc))
            return None

    if not isinstance(data, dict):
        attempt(check.mapping, "plan", data, PLAN_KEYS)
        return errors
    for key in data:
        attempt(check.mapping, "plan", {key: None}, PLAN_KEYS)
    for key in ("name", "description"):
        if key in data:
            attempt(check.text, key, data[key])
    anchor = data.get("legal_anchor")
    if anchor is not None and anchor not in REGULATIONS:
        attempt(check.fail, "legal_anchor", anchor, "one of " + ", ".join(REGULATIONS))
    for section, item in (("funder_share", None), ("local_budget", check.money), ("hiring", None)):
        value = data.get(section)
        if value is not None and not isinstance(value, dict):
            attempt(check.by_year, section, value)
            continue
        for year, entry in (value or {}).items():
            if attempt(check.by_year, section, {year: entry}) is None:
                continue
            where = f"{section}.{year}"
            if item is not None:
                attempt(item, where, entry)
            elif section == "hiring" and not isinstance(entry, dict):
                attempt(check.employers, where, entry)
            elif section == "hiring":
                for employer, n in entry.items():
                    attempt(check.employers, where, {employer: n})
            elif not isinstance(entry, dict):
                attempt(check.lines, where, entry, check.share)
            else:
                for line, share in entry.items():
                    attempt(check.lines, where, {line: share}, check.share)
    pickup = data.get("pickup")
    if pickup is not None and not isinstance(pickup, dict):
        attempt(check.mapping, "pickup", pickup, (*BUDGET_LINES, ALL))
    for line, entry in (pickup or {}).items() if isinstance(pickup, dict) else ():
        if attempt(check.mapping, "pickup", {line: None}, (*BUDGET_LINES, ALL)) is None:
            continue
        if entry is not None and not isinstance(entry, dict):
            attempt(check.mapping, f"pickup.{line}", entry, PICKUP_KEYS)
            continue
        for key, value in (entry or {}).items():
            if attempt(check.mapping, f"pickup.{line}", {key: None}, PICKUP_KEYS) is not None:
                attempt(check.share if key == "share" else check.years_count, f"pickup.{line}.{key}", value)
    if "cut_order" in data:
        attempt(check.cut_order, data["cut_order"])
    return errors
