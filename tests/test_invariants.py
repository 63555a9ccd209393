"""Conservation and caps that must hold in every run, including an overloaded one."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import small

from scenarios.schema import BUDGET_LINES, PAYERS
from scenarios.validate import config_from_dict
from sim.model import CPModel
from sim.run import collect

OVERLOADED = small(staffing={"workers": {"national": 1, "local": 1, "donor": 1}, "caseload_cap": 5, "caseload_norm": 3})


def finished_model(cfg: dict, seed: int = 0) -> CPModel:
    model = CPModel(config=config_from_dict(cfg), rng=seed)
    while model.running:
        model.step()
    return model


@pytest.fixture(scope="module", params=["default", "overloaded"])
def model(request: pytest.FixtureRequest) -> CPModel:
    return finished_model(small() if request.param == "default" else OVERLOADED, seed=3)


def test_every_case_is_accounted_for(model: CPModel) -> None:
    res = collect(model)
    s, w = res.summary, res.weekly
    assert s["cases_opened"] == len(res.cases) > 0
    assert (
        s["cases_opened"] == s["cases_resolved"] + s["cases_unresolved"] + s["cases_dropped"] + s["cases_open_at_end"]
    )
    # weekly flows add up to the register
    assert w.cases_opened.sum() == len(res.cases)
    closed = w.cases_resolved.sum() + w.cases_unresolved.sum() + w.cases_dropped.sum()
    assert closed == (res.cases.closed_week >= 0).sum()
    assert w.backlog.iloc[-1] == s["cases_open_at_end"]
    # every family with a case counts as served
    fam = model.families
    assert fam.ever_served[res.cases.family_id].all()


def test_every_family_and_child_is_accounted_for(model: CPModel) -> None:
    fam = model.families
    assert fam.n_children == model.cfg.population.n_children == int(fam.children.sum())
    assert (fam.children >= 1).all()
    for array in (fam.episode, fam.known, fam.awareness, fam.vuln_mask):
        assert len(array) == fam.n
    # a family with an open case is "known"; the open cases are exactly those families
    open_cases = model.cases.status <= 1
    assert set(model.cases.family[open_cases].tolist()) == set(np.flatnonzero(fam.known).tolist())


def test_caseload_never_exceeds_cap(model: CPModel) -> None:
    res = collect(model)
    assert res.weekly.max_caseload.max() <= model.cfg.staffing.caseload_cap
    loads = model.workforce.caseloads()
    assert loads.max() <= model.cfg.staffing.caseload_cap
    gone = [wk.log_id for wk in model.worker_log if wk.exit_week >= 0]
    assert (loads[gone] == 0).all()  # a worker who left holds no case


def test_money_is_conserved_and_never_negative(model: CPModel) -> None:
    ledger = model.ledger
    np.testing.assert_allclose(ledger.received, ledger.spent + ledger.balance, rtol=1e-9, atol=1e-6)
    assert (ledger.balance >= -1e-9).all()
    assert (ledger.weekly_spent >= 0).all()
    np.testing.assert_allclose(ledger.weekly_spent.sum(axis=0), ledger.spent, atol=1e-6)
    res = collect(model)
    total_weekly = sum(res.weekly[f"spend_{p}"].sum() for p in PAYERS)
    assert total_weekly == pytest.approx(res.summary["spend_total"])
    assert sum(res.summary[f"spend_{line}"] for line in BUDGET_LINES) == pytest.approx(res.summary["spend_total"])


def test_overload_builds_a_waiting_list() -> None:
    res = collect(finished_model(OVERLOADED, seed=1))
    assert res.weekly.waiting.max() > 10
    assert res.summary["mean_caseload"] > OVERLOADED["staffing"]["caseload_norm"]


def test_donor_contracts_end_only_when_money_falls() -> None:
    """Contracts are kept or offered only if the line pays them to the end of the budget year: no yearly
    hire-then-lay-off churn when the local government picks up part of the cost."""
    stays = collect(finished_model(small(funding={"withdrawal_shape": "none"}), seed=4))
    assert stays.summary["layoffs"] == 0
    taper = small(funding={"withdrawal_shape": "linear", "taper_years": 2, "pickup_share": 0.5})
    workers = collect(finished_model(taper, seed=4)).workers
    ended = workers[workers.exit_reason == "contract_ended"]
    assert len(ended) > 0
    assert (ended.hired_week // 52 < ended.exit_week // 52).all()  # never laid off in the year of hiring


def test_programme_money_is_paced_over_the_budget_year() -> None:
    """A line funded below plan runs at a steady lower intensity all year, not at full speed until it runs dry."""
    weekly = collect(finished_model(small(), seed=2)).weekly
    ramped = weekly[weekly.year > 2015]  # the first year is the hub's ramp-up
    per_year = ramped.groupby("year").outreach_intensity.agg(["min", "max"])
    assert (per_year["max"] - per_year["min"] < 1e-9).all()
    assert (per_year["min"] > 0).all()


def test_a_city_without_workers_runs_and_keeps_everyone_waiting() -> None:
    from sim.run import run

    res = run(small(staffing={"workers": {"national": 0, "local": 0, "donor": 0}}), seed=0)
    assert len(res.workers) == 0 and list(res.workers.columns)[:2] == ["worker_id", "employer"]
    assert res.summary["cases_resolved"] == 0 and res.summary["cases_opened"] > 0


def test_refused_referrals_fail_and_leave_the_case_unresolved() -> None:
    """With partners that never accept, no referral is ever delivered; such cases close unresolved."""
    never = {"base_acceptance": 0.0, "sop": False, "mou": False, "hub": False, "shared_cms": False}
    res = collect(finished_model(small(coordination=never), seed=0))
    cases = res.cases
    assert (cases.referral == "done").sum() == 0
    assert res.summary["referrals_completed"] == 0
    failed = cases[cases.referral == "failed"]
    assert len(failed) > 0 and (failed.referral_attempts == 3).all()
    closed_failed = failed[failed.closed_week >= 0]
    assert set(closed_failed.status) <= {"unresolved", "dropped"}
    assert (closed_failed.close_reason == "referral_failed").any()
