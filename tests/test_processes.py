"""The schedule's shape: every weekly counter is fed by exactly one process, and the model holds no mechanism."""

from __future__ import annotations

import ast
from pathlib import Path

from agents.casework import Casework
from agents.family import Harm
from agents.hub import IntegratedHub
from agents.prevention import Prevention
from sim import metrics
from sim.metrics import WeeklyMetrics

ROOT = Path(__file__).resolve().parents[1]


def test_every_weekly_counter_is_fed_by_exactly_one_process() -> None:
    feeds = [*Harm.FEEDS, *IntegratedHub.FEEDS, *Casework.FEEDS, *Prevention.FEEDS, *metrics.FEEDS]
    assert len(feeds) == len(set(feeds)), "a counter is fed by two processes"
    assert sorted(feeds) == sorted(vars(WeeklyMetrics(1)))


def test_the_model_holds_only_the_schedule() -> None:
    """sim/model.py builds the processes and calls their steps: no random draws, no arithmetic on state."""
    tree = ast.parse((ROOT / "sim" / "model.py").read_text())
    model = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "CPModel")
    methods = {n.name for n in model.body if isinstance(n, ast.FunctionDef)}
    assert methods <= {
        "__init__",
        "year",
        "ledger",
        "funder",
        "government",
        "positions",
        "worker_log",
        "step",
        "_registry_referrals",
    }
    source = ast.unparse(model)
    for mechanism in (".random(", "np.add.at", "np.mean", "np.where"):
        assert mechanism not in source, mechanism
