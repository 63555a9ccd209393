"""Every studied system is a scenario that composes, validates and runs; `cpsim scenario=nope` lists them."""

from __future__ import annotations

import pytest

from scenarios.validate import ConfigError
from sim.cli import main
from sim.compose import scenario_dict
from sim.overrides import scenario_names
from sim.run import run

SCENARIOS = (
    "gowa_pksai",
    "indonesia_cpap",
    "indonesia_ecpat",
    "makassar_pksai",
    "thailand_cpms",
    "tulungagung_ult_psai",
)
SHORT = {"population": {"n_children": 5_000}}


def test_all_six_scenarios_are_listed() -> None:
    assert scenario_names() == sorted(SCENARIOS)


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_builds_and_runs_a_short_horizon(name: str) -> None:
    cfg = scenario_dict(name, SHORT)
    start = cfg["run"]["start_year"]
    # three years, with any withdrawal moved inside them so the cross-field rules still hold
    cfg["run"]["end_year"] = start + 3
    cfg["funding"]["withdrawal_start_year"] = start + 1
    result = run(cfg, seed=1)
    assert result.config.run.name == name
    assert len(result.weekly) == 3 * 52
    assert result.summary["cases_opened"] > 0
    assert result.summary["children"] == 5_000


def test_scenarios_differ_where_the_studies_differ() -> None:
    ecpat, thai, tulung = (scenario_dict(n) for n in ("indonesia_ecpat", "thailand_cpms", "tulungagung_ult_psai"))
    assert (
        ecpat["coordination"]["hub"] is False
        and ecpat["detection"]["ngo_identification_weekly"]["sexual_exploitation"] > 0
    )
    assert thai["population"]["registry_coverage"] < 1.0
    assert tulung["coordination"]["shared_cms"] is True and tulung["funding"]["withdrawal_start_year"] == 2018


def test_unknown_scenario_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="expected one of .*makassar_pksai"):
        scenario_dict("nope")


def test_cpsim_unknown_scenario_lists_valid_names(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["scenario=nope"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert all(name in err for name in SCENARIOS)
