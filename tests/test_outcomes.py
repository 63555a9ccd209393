"""Outcomes are declared once (sim/outcomes.py) and everything reads them: the summary's keys are exactly the
registry's, windowed outcomes over the whole run equal the summary, the docs' tables are generated from it, and
the live DataCollector reports the children cascade."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from conftest import small

from agents import cases as C
from sim import outcomes
from sim.cli import format_summary
from sim.model import CPModel
from sim.outcomes import HEADLINE, LIVE, OUTCOMES, SERIES, windowed
from sim.run import collect, run

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def res():  # noqa: ANN201
    return run(small(), seed=2)


def _same(a: float, b: float) -> bool:
    both_nan = isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)
    return both_nan or a == b or (isinstance(a, float) and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12))


def test_the_summary_holds_exactly_the_registry_outcomes_in_its_order(res) -> None:  # noqa: ANN001
    assert list(res.summary) == list(OUTCOMES)
    assert C.CHANNELS == outcomes.CHANNELS
    for o in OUTCOMES.values():
        assert o.label and o.label != o.key and "_" not in o.label, o.key
        assert o.unit in outcomes.FORMATS and o.better in (-1, 0, 1)
        assert o.format(res.summary[o.key])  # every value can be shown


def test_a_window_over_the_whole_run_is_the_summary_and_windows_add_up(res) -> None:  # noqa: ANN001
    start, end = res.config.run.start_year, res.config.run.end_year - 1
    whole = res.window(start, end)
    assert sorted(whole) == sorted(windowed())
    assert all(_same(whole[k], res.summary[k]) for k in whole), [
        k for k in whole if not _same(whole[k], res.summary[k])
    ]
    early, late = res.window(start, start + 1), res.window(start + 2)
    for key in ("children_harmed", "children_served", "cases_opened", "cases_resolved", "spend_funder", "quits"):
        assert early[key] + late[key] == pytest.approx(res.summary[key]), key
    assert early["years"] == 2 and late["years"] == end - start - 1


@pytest.mark.parametrize("years", [(2014, 2016), (2016, 2015), (2016, 2030)])
def test_a_window_outside_the_run_is_refused_with_one_line(res, years: tuple[int, int]) -> None:  # noqa: ANN001
    with pytest.raises(ValueError, match=r"window: years .* expected years within the run, 2015-2019"):
        res.window(*years)


def test_the_docs_tables_are_generated_from_the_registry() -> None:
    for path in (ROOT / "README.md", ROOT / "docs" / "ODD.md"):
        text = path.read_text()
        assert "<!-- outcomes:start -->" in text, path
        assert outcomes.regenerate(text) == text, f"{path.name} is stale: run python -m sim.outcomes"


def test_the_printed_summary_and_the_live_collector_speak_the_registry(res) -> None:  # noqa: ANN001
    text = format_summary(res.summary)
    assert all(OUTCOMES[k].table_label in text for k in HEADLINE)
    assert "effective_coverage" not in text and "children_served" not in text  # labels, never raw keys
    model = CPModel(rng=2, **small())
    while model.running:
        model.step()
    live = model.datacollector.get_model_vars_dataframe()
    assert list(live.columns) == list(LIVE) and all(k in SERIES for k in LIVE)
    last, summary = live.iloc[-1], collect(model).summary
    assert last.children_harmed_to_date == summary["children_harmed"]
    assert last.children_served_to_date == summary["children_served"]
    assert last.effective_coverage_to_date == pytest.approx(summary["effective_coverage"])
    workers = model.datacollector.get_agenttype_vars_dataframe(model.workforce.log[0].__class__)
    assert {"skill", "caseload", "morale"} <= set(workers.columns) and len(workers) > 0


def test_every_outcome_and_series_can_be_shown() -> None:
    """Each unit has a format (or the outcome its own): a new unit never breaks the printed summary."""
    for o in [*OUTCOMES.values(), *SERIES.values()]:
        assert o.fmt or o.unit in outcomes.FORMATS, o.key
        assert o.format(1234.5) and o.format(math.nan)


def test_every_summary_key_that_can_be_nan_is_in_the_readme_nan_table(res) -> None:  # noqa: ANN001
    """The README's "When a summary value is NaN" lists, by key or by family, every key the registry says can be
    NaN, with the registry's condition; a key the registry says is never NaN is not listed."""
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- outcomes-nan:start -->")[1].split("<!-- outcomes-nan:end -->")[0]
    rows = dict(line.strip("| ").split(" | ", 1) for line in block.strip().splitlines()[2:])
    for key in res.summary:
        o = OUTCOMES.get(key)
        listed = rows.get(f"`{key}`") or rows.get(f"`{outcomes.pattern(key)}`")
        if o is not None and o.nan_when:
            assert listed is not None and listed.rstrip(" |") == o.nan_when, key
        else:
            assert listed is None, f"{key} is listed as NaN-able but the registry says it never is"
