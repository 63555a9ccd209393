"""The EMA Workbench is an optional extra (`cpsim[explore]`): without it, the commands that need it say which
extra to install, in one line, before running or writing anything."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from experiments.plans.cli import main as plans_main


@pytest.fixture
def no_ema(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ema_workbench", None)  # as if it were not installed
    monkeypatch.delitem(sys.modules, "experiments.ema", raising=False)


def test_stress_without_the_extra_names_it_and_writes_nothing(
    no_ema: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "stress"
    with pytest.raises(SystemExit) as exit_:
        plans_main(["stress", "funder_stays", "abrupt_exit", "--futures", "4", "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert exit_.value.code == 2 and len(err.splitlines()) == 1
    assert "cpsim-plans stress needs the EMA Workbench" in err and "pip install 'cpsim[explore]'" in err
    assert not out.exists()


def test_the_ema_adapter_without_the_extra_names_it(no_ema: None) -> None:
    from experiments.common.extras import MissingExtra

    with pytest.raises(MissingExtra, match=r"pip install 'cpsim\[explore\]'"):
        importlib.import_module("experiments.ema")


def test_the_extra_is_declared_and_installed_for_the_tests() -> None:
    import tomllib

    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    assert not any(d.startswith("ema-workbench") for d in project["dependencies"])
    assert any(d.startswith("ema-workbench") for d in extras["explore"])
    assert "cpsim[explore]" in extras["test"] and "cpsim[explore]" in extras["workbench"]
