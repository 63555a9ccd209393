"""Keyed random numbers: a draw depends on its purpose, the seed and what it is about, never on how many draws
came before; event clocks keep each week's chance exactly the configured one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import small

from agents.draws import PURPOSES, Draws, gamma2, poisson
from scenarios.validate import config_from_dict
from sim.model import CPModel


def test_a_keyed_draw_depends_only_on_its_key() -> None:
    d = Draws(7)
    families, weeks = np.arange(1000), np.full(1000, 12)
    first = d.keyed("success", families, weeks)
    # drawing other numbers in between, or asking for a subset, changes nothing
    d.keyed("exit", np.arange(50), 3)
    assert np.array_equal(d.keyed("success", families[500:], weeks[500:]), first[500:])
    assert np.array_equal(Draws(7).keyed("success", families, weeks), first)
    # another purpose, seed or key gives other numbers
    assert not np.allclose(d.keyed("severity", families, weeks), first)
    assert not np.allclose(Draws(8).keyed("success", families, weeks), first)
    assert not np.allclose(d.keyed("success", families, weeks + 1), first)
    several = d.keyed(("success", "severity"), families, weeks)
    assert np.array_equal(several[0], first) and several.shape == (2, 1000)


def test_keyed_uniforms_are_uniform_and_independent_of_neighbouring_keys() -> None:
    u = Draws(3).keyed("onset", np.arange(200_000), 0)
    assert u.min() >= 0.0 and u.max() < 1.0
    counts = np.histogram(u, bins=20, range=(0, 1))[0]
    assert counts.min() > 9_400 and counts.max() < 10_600  # 10,000 expected per bin
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.01
    assert len(set(PURPOSES.values())) == len(PURPOSES)


def test_an_event_clock_fires_with_the_configured_weekly_chance() -> None:
    """The clock runs at -log(1 - p) a week and fires at an Exp(1) threshold: P(first week) = p, and the
    survivors of k weeks fire the next week with chance p again (geometric waiting times)."""
    p, n = 0.05, 200_000
    threshold = Draws(1).exponential("onset", np.arange(n), 0)
    weeks_to_event = np.floor(threshold / -np.log1p(-p)) + 1
    assert (weeks_to_event == 1).mean() == pytest.approx(p, abs=0.002)
    assert weeks_to_event.mean() == pytest.approx(1 / p, rel=0.02)
    survivors = weeks_to_event > 10
    assert (weeks_to_event[survivors] == 11).mean() == pytest.approx(p, abs=0.003)


def test_poisson_and_gamma_from_uniforms_have_their_moments() -> None:
    u = Draws(2).keyed(("work", "work_2"), np.arange(100_000))
    assert gamma2(u[0], u[1], 0.5).mean() == pytest.approx(1.0, rel=0.02)
    delays = poisson(u[0], 6.0)
    assert delays.mean() == pytest.approx(6.0, rel=0.02) and delays.var() == pytest.approx(6.0, rel=0.05)
    assert (poisson(u[0], 8.0) >= delays).all()  # a longer mean never shortens the same case's wait


def _cases(cfg: dict, seed: int) -> pd.DataFrame:
    model = CPModel(config=config_from_dict(cfg), rng=seed)
    while model.running:
        model.step()
    c = model.cases
    cols = ("family", "episode_number", "attempt", "harm_week", "kind", "high_severity", "work_needed", "referral")
    frame = pd.DataFrame({k: getattr(c, k) for k in cols})
    return frame.assign(needs_referral=frame.referral != 0).drop(columns="referral")


def test_a_case_met_in_two_configurations_has_the_same_draws() -> None:
    """Severity, workload and referral need are the episode's, and its type follows from its own uniform and the
    hazards when it began: a case about the same episode, begun in the same week, gets them in a city with more
    staff and no pickup too, whatever else differs (case numbers, when it was found)."""
    a = _cases(small(), 4)
    b = _cases(small(staffing={"workers": {"local": 30}}, funding={"pickup_share": 0.0}), 4)
    both = a.merge(b, on=["family", "episode_number", "attempt", "harm_week"], suffixes=("_a", "_b"))
    assert len(both) > 0.8 * len(a)
    for column in ("kind", "high_severity", "work_needed", "needs_referral"):
        assert (both[f"{column}_a"] == both[f"{column}_b"]).all(), column
