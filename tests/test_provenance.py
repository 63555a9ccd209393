"""Every numeric value a scenario sets says where it comes from; every schema default has a source."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from experiments.calibration.provenance import check_comment, missing_provenance, scenario_leaves
from experiments.validation.targets import TARGET_IDS
from scenarios.schema import Config

SCENARIO_FILES = sorted((Path(__file__).parent.parent / "scenarios" / "conf" / "scenario").glob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_every_numeric_scenario_value_has_provenance(path: Path) -> None:
    assert missing_provenance(path, TARGET_IDS) == []


def test_walker_finds_nested_and_list_values() -> None:
    text = (
        "economy:\n  shocks:\n    - year: 2020  # published: 000 l.211 (COVID)\n      magnitude: 0.5\n"
        "harm:\n  weekly_hazard_per_child:\n    violence: 1e-4  # assumed: 1e-5-1e-3, reason here\n"
    )
    leaves = {leaf.path: leaf for leaf in scenario_leaves(text)}
    assert set(leaves) == {
        "economy.shocks[0].year",
        "economy.shocks[0].magnitude",
        "harm.weekly_hazard_per_child.violence",
    }
    assert leaves["economy.shocks[0].magnitude"].comment == ""
    assert leaves["harm.weekly_hazard_per_child.violence"].lineno == 7


def test_missing_or_malformed_provenance_is_reported(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(
        "run:\n  name: bad\n  start_year: 2015\n  end_year: 2020  # assumed: ten years\n"
        "population:\n  n_children: 1000  # published: somewhere\n  stress_sd: 0.3  # calibrated: nothing\n"
        "  awareness_mean: 1e-1  # guess\n"
    )
    problems = missing_provenance(f, TARGET_IDS)
    assert [p.split()[1].split("=")[0] for p in problems] == [
        "run.start_year",
        "run.end_year",
        "population.n_children",
        "population.stress_sd",
        "population.awareness_mean",
    ]


@pytest.mark.parametrize(
    ("comment", "ok"),
    [
        ("published: 000 l.633 (137,932 children)", True),
        ("published: the study", False),
        ("derived: 150,000 / 0.75 from 004 l.155", True),
        ("assumed: 0.2-0.6, no study gives it", True),
        ("assumed: 0.2-0.6", False),
        ("assumed: low, no study gives it", False),
        ("calibrated: makassar_pksai.harm_cases_2019 (prior 0.5-2)", True),
        ("calibrated: makassar_pksai.no_such_target", False),
        ("guess", False),
    ],
)
def test_comment_rules(comment: str, ok: bool) -> None:
    assert (check_comment(comment, TARGET_IDS) is None) == ok


def _fields(cls: type, prefix: str = "") -> list[tuple[str, dict]]:
    out = []
    for f in dataclasses.fields(cls):
        out.append((prefix + f.name, dict(f.metadata)))
        if dataclasses.is_dataclass(f.type) and not f.metadata:
            out += _fields(f.type, prefix + f.name + ".")
    return out


def test_every_schema_parameter_has_a_source() -> None:
    sections = [f for f in dataclasses.fields(Config)]
    missing = [
        f"{section.name}.{name}"
        for section in sections
        for name, meta in _fields(section.default_factory)
        if not str(meta.get("source", "")).strip()
    ]
    assert missing == []
