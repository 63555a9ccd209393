"""Bad config: one line naming the field, the value and what is allowed; via the CLI exit 2 and nothing written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scenarios.validate import ConfigError, config_from_dict
from sim.run import run

BAD = [
    ({"staffing": {"workers": {"donor": -3}}}, "staffing.workers.donor", "-3"),
    ({"funding": {"pickup_share": 1.5}}, "funding.pickup_share", "1.5"),
    ({"funding": {"withdrawal_start_year": 2030}}, "funding.withdrawal_start_year", "2030"),
    ({"staffing": {"caseload_kap": 3}}, "staffing.caseload_kap", "unknown key"),
    ({"staffing": {"caseload_cap": "many"}}, "staffing.caseload_cap", "'many'"),
    ({"coordination": {"hub": "yes"}}, "coordination.hub", "'yes'"),
    ({"funding": {"regulation": "decree"}}, "funding.regulation", "regional_law"),
    ({"economy": {"shocks": [{"year": 2020, "magnitude": "big"}]}}, "economy.shocks[0].magnitude", "'big'"),
    ({"staffing": {"caseload_norm": 30, "caseload_cap": 20}}, "staffing.caseload_norm", "30"),
    ({"run": {"start_year": 2020, "end_year": 2020}}, "run.end_year", "2020"),
    ({"population": {"unregistered_backlog": 0.2, "registry_drive_end_year": 1999}}, "registry_drive_end_year", "1999"),
    ({"funding": {"funder_share": {"outreach": 0.9}, "local_share": {"outreach": 0.3}}}, "local_share.outreach", "1.2"),
]


@pytest.mark.parametrize(("data", "field", "shown"), BAD)
def test_bad_value_names_field_value_and_allowed(data: dict, field: str, shown: str) -> None:
    with pytest.raises(ConfigError) as err:
        config_from_dict(data)
    message = str(err.value)
    assert field in message and shown in message
    assert "\n" not in message
    assert any(word in message for word in ("expected", "allowed", "must"))


def test_run_validates_before_simulating() -> None:
    with pytest.raises(ConfigError, match="population.n_children"):
        run({"population": {"n_children": 0}})


CLI_BAD = [
    ["staffing.workers.national=-1"],
    ["funding.local_share.prevention=1.2"],
    ["funding.withdrawal_start_year=2031"],
    ["staffing.nonsense=4"],
    ["training.refresher_every_weeks=often"],
    ["scenario=nope"],
]


@pytest.mark.parametrize("args", CLI_BAD)
def test_cli_bad_config_exits_2_with_one_line_and_writes_nothing(args: list[str], tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "sim.cli", *args], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cpsim: error: ")
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_cli_unknown_scenario_lists_the_valid_ones(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "sim.cli", "scenario=nope"], cwd=tmp_path, capture_output=True, text=True
    )
    assert "makassar_pksai" in proc.stderr


def test_partial_group_keeps_the_other_defaults() -> None:
    cfg = config_from_dict({"staffing": {"workers": {"donor": 15}}, "harm": {"high_severity_share": {"violence": 0.5}}})
    assert (cfg.staffing.workers.national, cfg.staffing.workers.local, cfg.staffing.workers.donor) == (6, 15, 15)
    assert cfg.harm.high_severity_share.sexual_exploitation == 0.8 and cfg.harm.high_severity_share.violence == 0.5
