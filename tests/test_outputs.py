"""Output tables keep their documented schema, and a failed write leaves nothing that looks complete."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import small

import sim.plots
from sim.outputs import write_results
from sim.run import Results, run


@pytest.fixture(scope="module")
def results() -> Results:
    return run(small(), seed=2)


def test_case_log_schema(results: Results) -> None:
    expected = {
        "case_id", "family_id", "case_type", "high_severity", "channel", "registry_covered", "opened_week",
        "opened_year", "assigned_week", "closed_week", "status", "close_reason", "weeks_open", "worker_id",
        "referral", "referral_agency", "referral_attempts", "referral_sent_week", "referral_done_week",
        "family_poverty", "family_out_of_school",
        "family_no_birth_certificate", "family_kin_care", "family_child_marriage", "family_disability",
        "family_street_involved", "children_harmed", "harm_week", "episode_id", "served_week",
    }  # fmt: skip
    assert set(results.cases.columns) == expected
    assert set(results.cases.status.cat.categories) == {"waiting", "active", "resolved", "unresolved", "dropped"}


def test_worker_log_and_weekly_schema(results: Results) -> None:
    assert {"worker_id", "employer", "hired_week", "exit_week", "exit_reason", "skill", "morale"} <= set(
        results.workers.columns
    )
    for col in ("week", "year", "cases_opened", "backlog", "workers", "spend_funder", "spend_local", "spend_outreach"):
        assert col in results.weekly.columns


def test_summary_has_every_documented_kpi(results: Results) -> None:
    """Each summary key is in the README's generated table, itself or as its family (`spend_<payer>`)."""
    from sim.outcomes import pattern

    readme = (Path(__file__).parents[1] / "README.md").read_text()
    for key in results.summary:
        assert f"`{key}`" in readme or f"`{pattern(key)}`" in readme, f"summary key {key} is not in the README"


def test_failed_write_leaves_no_results_directory(results: Results, tmp_path: Path, monkeypatch) -> None:
    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(sim.plots, "plot_run", broken)
    with pytest.raises(RuntimeError):
        write_results(results, tmp_path, plots=True)
    assert not (tmp_path / "results").exists()


def test_parameter_table_in_odd_is_up_to_date() -> None:
    from sim import paramdoc

    assert paramdoc.ODD.read_text() == paramdoc.render(paramdoc.ODD.read_text()), "run: python -m sim.paramdoc"


def test_every_parameter_has_a_meaning_and_a_source() -> None:
    from sim import paramdoc

    for row in paramdoc.rows():
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[3] and cells[4], f"parameter without meaning or source: {cells[0]}"
