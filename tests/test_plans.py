"""The funding-transition planner: plan files -> configs -> paired runs -> comparison, and the pickup search."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import small

from experiments.plans.cli import main
from experiments.plans.optimize import plan_yaml, search
from experiments.plans.paired import cliffs
from experiments.plans.plan_file import Plan, load_plan
from experiments.plans.runner import run_plans
from experiments.plans.translate import plan_config
from experiments.plans.verdict import verdict
from scenarios.schema import BUDGET_LINES, Config, LineValues
from sim.compose import deep_merge, scenario_dict
from sim.run import run

# a small city from 2019 (two years before the examples' 2021 withdrawal) to 2025, with a small staff
TINY = [
    "population.n_children=8000",
    "run.start_year=2019",
    "staffing.workers.national=1",
    "staffing.workers.local=1",
    "staffing.workers.donor=1",
]
TINY_ARGS = [arg for item in TINY for arg in ("--set", item)]


@pytest.fixture(scope="module")
def tiny() -> dict:
    return scenario_dict("makassar_pksai", TINY)


def write(tmp_path: Path, text: str, name: str = "plan.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_plan_restating_the_core_taper_reproduces_the_core_run() -> None:
    """Translation and the core's plan mode agree with the scalar withdrawal they generalise."""
    cfg = small()  # linear three-year taper from 2017, 40% pickup one year late
    base = LineValues(training=1.0, mentoring=1.0, case_management_system=1.0, outreach=0.7, worker_contracts=1.0)
    base.prevention = 0.6
    taper = {
        year: {line: getattr(base, line) * max(0.0, 1.0 - k / 3.0) for line in BUDGET_LINES}
        for k, year in enumerate((2017, 2018, 2019), start=1)
    }
    plan = Plan(
        name="restated",
        path=Path("restated.yaml"),
        funder_share=taper,
        pickup_share=dict.fromkeys(BUDGET_LINES, 0.4),
        pickup_delay_years=dict.fromkeys(BUDGET_LINES, 1),
    )
    planned = run(plan_config(plan, cfg), seed=3).summary
    core = run(cfg, seed=3).summary
    assert json.dumps(planned, sort_keys=True) == json.dumps(core, sort_keys=True)


def test_local_budget_cuts_lines_in_cut_order_and_hiring_follows_the_plan(tmp_path: Path, tiny: dict) -> None:
    path = write(
        tmp_path,
        """
funder_share: {2021: {all: 0.0}}
legal_anchor: regional_law
pickup: {all: {share: 1.0, delay_years: 0}}
cut_order: [outreach, prevention]
local_budget: {2022: 150}
hiring: {2022: {local: 3, donor: 0}}
""",
    )
    as_given = deep_merge(tiny, {"population": {"reference_children": tiny["population"]["n_children"]}})
    result = run(plan_config(load_plan(str(path)), as_given), seed=1)  # the plan's posts and budget as written
    w = result.weekly
    y2021, y2023 = w[w.year == 2021], w[w.year == 2023]
    # 2021: full pickup of every line; from 2022 the Rp 150 m budget empties outreach first, then prevention
    assert y2021.spend_outreach.sum() > 0 and y2021.spend_prevention.sum() > 0
    assert y2023.spend_outreach.sum() == 0
    assert 0 < y2023.spend_prevention.sum() <= 150 + 1e-9
    # donor posts are abolished at once in 2022; the new local posts are filled after the hiring lag
    assert (y2023.workers_donor == 0).all()
    assert y2023.workers_local.iloc[-1] == 3


@pytest.mark.parametrize(
    ("text", "field", "allowed"),
    [
        ("funder_share: {2021: {outreach: 1.5}}", "funder_share.2021.outreach: 1.5", "[0, 1]"),
        ("pickup: {all: {share: -0.2}}", "pickup.all.share: -0.2", "[0, 1]"),
        ("funder_share: {2031: {all: 0.0}}", "funder_share.2031", "[2019, 2024]"),
        ("hiring: {2017: {local: 3}}", "hiring.2017", "[2019, 2024]"),
        ("funder_share: {2021: {trainin: 0.5}}", "funder_share.2021.trainin: unknown key", "training, mentoring"),
        ("cut_order: [training, lunch]", "cut_order[1]: 'lunch'", "budget lines"),
        ("pickups: {}", "pickups: unknown key", "legal_anchor"),
        ("legal_anchor: perda", "legal_anchor: 'perda'", "regional_law"),
    ],
)
def test_bad_plan_file_gives_one_line_naming_file_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture, text: str, field: str, allowed: str
) -> None:
    path = write(tmp_path, text, "bad_plan.yaml")
    out = tmp_path / "report"
    with pytest.raises(SystemExit) as exit_info:
        main(["compare", "funder_stays", str(path), *TINY_ARGS, "--seeds", "1", "--out", str(out), "--no-progress"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith(f"cpsim-plans: error: {path}: {field}")
    assert allowed in err
    assert not out.exists() and not out.with_name("report.partial").exists()


@pytest.mark.slow
def test_paired_differences_have_far_less_variance_than_unpaired() -> None:
    """Two nearly identical plans (40% vs 45% pickup) on the same seeds differ far less than on other seeds.
    A city of 40,000 children with 8 workers: in the tiniest cities one worker's exit dominates resolution. The
    hazards are pinned (1.63 x the schema's, the calibration this test was written on) so that the city's caseload,
    and so the property tested, does not move with each recalibration."""
    staff = ["staffing.workers.national=3", "staffing.workers.local=2", "staffing.workers.donor=3"]
    hazard = [
        f"harm.weekly_hazard_per_child.{t}={1.63 * v}" for t, v in vars(Config().harm.weekly_hazard_per_child).items()
    ]
    city = scenario_dict("makassar_pksai", ["population.n_children=40000", "run.start_year=2019", *staff, *hazard])
    a = load_plan("linear_taper_3y")
    b = dataclasses.replace(a, name="b", pickup_share=dict.fromkeys(BUDGET_LINES, 0.45))
    seeds = list(range(8))
    runs, _ = run_plans({"a": plan_config(a, city), "b": plan_config(b, city)}, seeds, jobs=2)
    other, _ = run_plans({"b": plan_config(b, city)}, [100 + s for s in seeds], jobs=2)
    kpis = ("effective_coverage", "children_served", "mean_backlog", "cases_opened", "incidence_per_1000_child_years")
    for kpi in (*kpis, "spend_local", "resolution_rate"):
        first = runs[runs.plan == "a"][kpi].to_numpy()
        paired = runs[runs.plan == "b"][kpi].to_numpy() - first
        unpaired = other[kpi].to_numpy() - first
        # the resolution rate, a ratio of closed cases, pairs less well: crisis cases handled at home stay open
        # under supervision, so which of them close inside the run differs (0.43 of the unpaired variance when
        # written, 0.27 with supervision off; the child counts 0.02-0.07)
        share = 0.5 if kpi == "resolution_rate" else 0.25
        assert paired.var(ddof=1) < share * unpaired.var(ddof=1), kpi


def test_results_do_not_depend_on_the_number_of_processes(tiny: dict) -> None:
    configs = {
        "stays": plan_config(load_plan("funder_stays"), tiny),
        "exit": plan_config(load_plan("abrupt_exit"), tiny),
    }
    one_runs, one_quarters = run_plans(configs, [4, 5], jobs=1)
    two_runs, two_quarters = run_plans(configs, [4, 5], jobs=2)
    pd.testing.assert_frame_equal(one_runs, two_runs)
    pd.testing.assert_frame_equal(one_quarters, two_quarters)


def test_compare_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "report"
    args = ["compare", "funder_stays", "exit_no_pickup", "matched_cofinancing", *TINY_ARGS]
    with pytest.raises(SystemExit) as exit_info:
        main([*args, "--seeds", "2", "--out", str(out), "--no-progress", "--jobs", "1"])
    assert exit_info.value.code == 0
    printed = capsys.readouterr().out
    assert "Resolution rate, transition window" in printed and "exit_no_pickup: " in printed

    runs = pd.read_parquet(out / "runs.parquet")
    assert list(runs.plan) == ["funder_stays"] * 2 + ["exit_no_pickup"] * 2 + ["matched_cofinancing"] * 2
    table = pd.read_parquet(out / "comparison.parquet").set_index(["plan", "kpi"])
    # the funder pays less when it leaves; the city pays more when it matches what the funder withdrew
    assert table.loc[("exit_no_pickup", "spend_funder"), "delta"] < 0
    assert table.loc[("matched_cofinancing", "spend_local"), "delta"] > 0
    assert table.loc[("funder_stays", "resolution_rate"), "delta"] == 0
    report = (out / "report.md").read_text()
    assert report.count("\n- exit_no_pickup: ") == 1 and "figures/trajectories.png" in report
    for name in ("trajectories", "cost_by_payer", "sustainability_vs_cost"):
        assert (out / "figures" / f"{name}.png").stat().st_size > 10_000
    assert (out / "report.html").exists() and (out / "configs" / "exit_no_pickup.yaml").exists()
    info = json.loads((out / "run_info.json").read_text())
    assert info["seeds"] == [0, 1] and "mesa" in info["versions"]
    # the yearly table: long and tidy, numbers as numbers, each year's money adding up to the horizon's
    yearly = pd.read_csv(out / "yearly.csv")
    assert list(yearly.columns) == ["plan", "year", "indicator", "line", "payer", "mean", "low", "high"]
    assert yearly["mean"].dtype == float and set(yearly.year) == set(range(2019, 2025))
    spend = yearly[(yearly.indicator == "spend") & (yearly.line == "all")].groupby(["plan", "payer"])["mean"].sum()
    for plan in ("funder_stays", "exit_no_pickup"):
        for payer in ("funder", "local", "national"):
            assert spend[(plan, payer)] == pytest.approx(runs[runs.plan == plan][f"spend_{payer}"].mean())
    by_line = yearly[(yearly.indicator == "spend") & ~yearly.line.isin(["all"]) & (yearly.payer == "local")]
    assert by_line["mean"].sum() == pytest.approx(spend.xs("local", level="payer").sum())
    served = yearly[yearly.indicator == "children_served"].groupby("plan")["mean"].sum()
    assert served["exit_no_pickup"] < served["funder_stays"]
    assert "## Year by year" in report and "figures/children_per_year.png" in report
    assert "Rule: " in report and "deciding: " in report


def test_six_plans_in_one_compare_and_the_city_budget_year_by_year(tmp_path: Path) -> None:
    """Up to six plans side by side on the same seeds; a plan's city budget appears in its years."""
    capped = write(
        tmp_path,
        "name: capped\nlegal_anchor: mayoral\nfunder_share:\n  2021: {all: 0.0}\n"
        "pickup:\n  all: {share: 1.0, delay_years: 0}\nlocal_budget:\n  2021: 150\n",
        "capped.yaml",
    )
    names = ["funder_stays", "linear_taper_3y", "abrupt_exit", "exit_no_pickup", "matched_cofinancing", str(capped)]
    out = tmp_path / "six"
    with pytest.raises(SystemExit) as exit_info:
        main(["compare", *names, *TINY_ARGS, "--seeds", "2", "--out", str(out), "--no-progress", "--jobs", "2"])
    assert exit_info.value.code == 0
    yearly = pd.read_csv(out / "yearly.csv")
    assert yearly.plan.nunique() == 6
    budget = yearly[(yearly.indicator == "city_budget")].set_index(["plan", "year"])["mean"]
    assert budget[("capped", 2021)] == 150 and budget[("capped", 2024)] == 150 and budget[("capped", 2020)] != 150
    used = yearly[(yearly.indicator == "city_budget_used") & (yearly.plan == "capped") & (yearly.year >= 2021)]
    assert (used["mean"] <= 1 + 1e-9).all()  # the city never spends past the budget its plan gives it
    verdicts = (out / "verdicts.txt").read_text().splitlines()
    assert len(verdicts) == 6 and all("Rule: " in v for v in verdicts[1:])


@pytest.mark.slow
def test_optimizer_finds_a_safe_plan_no_dearer_than_matched_cofinancing(tmp_path: Path, tiny: dict) -> None:
    # in this three-worker city even a full, immediate pickup loses about 6% of effective coverage (the donor
    # post's contract ends and is filled again later), so a tolerance of 10% leaves room for safe schedules
    seeds, tolerance = [0, 1, 2], 0.10
    base, reference = load_plan("linear_taper_3y"), load_plan("funder_stays")
    result = search(base, reference, tiny, seeds, trials=32, tolerance=tolerance, jobs=2)
    assert result.best is not None
    path = write(tmp_path, plan_yaml(base, result.best, "optimized", ["test"]), "optimized.yaml")

    # check the written plan independently: run it next to the reference and matched co-financing
    plans = {name: load_plan(spec) for name, spec in [("ref", "funder_stays"), ("opt", str(path))]}
    plans["matched"] = load_plan("matched_cofinancing")
    configs = {k: plan_config(p, tiny) for k, p in plans.items()}
    runs, _ = run_plans(configs, seeds, jobs=2, window_from=result.exit_year)
    runs = runs.set_index(["plan", "seed"])
    ref, opt, matched = runs.loc["ref"], runs.loc["opt"], runs.loc["matched"]
    assert (1 - opt.effective_coverage_after / ref.effective_coverage_after).mean() <= tolerance
    incidence = "incidence_per_1000_child_years_after"
    assert (opt[incidence] / ref[incidence] - 1).mean() <= tolerance
    # with staff binding, keeping every contract can itself be the cheapest safe plan: never dearer than it
    assert opt.spend_local.mean() <= matched.spend_local.mean()


def test_cliff_is_the_first_quarter_below_the_baseline_by_the_drop() -> None:
    rows = []
    for plan, rates in {"base": [0.8, 0.8, 0.8, 0.8], "plan": [0.8, 0.75, 0.7, 0.8]}.items():
        for quarter, rate in enumerate(rates):
            year = 2021 + quarter // 4
            label = f"{year}Q{quarter % 4 + 1}"
            rows.append({"plan": plan, "quarter": quarter, "label": label, "year": year, "cases_resolved": 100 * rate})
    quarters = pd.DataFrame(rows).assign(closed=100.0)
    assert cliffs(quarters, "base", 2021, None, 0.10) == {"base": None, "plan": "2021Q3"}  # 0.70 < 0.9 x 0.80
    assert cliffs(quarters, "base", 2021, 0.76, 0.10)["plan"] == "2021Q2"  # fixed threshold


def test_verdicts_follow_the_intervals() -> None:
    def table(cov: tuple[float, float, float], inc: tuple[float, float, float], res=(0.0, 0.0, 0.0)) -> pd.DataFrame:
        rows = [("effective_coverage_after", 0.3, cov), ("incidence_per_1000_child_years_after", 70.0, inc)]
        rows += [("resolution_rate_after", 0.6, res)]
        rows += [("spend_local", 5000.0, (300.0, 200.0, 400.0)), ("spend_funder", 9000.0, (-3000.0, -3100.0, -2900.0))]
        served = tuple(3000.0 * c / 0.3 for c in cov)
        rows += [("children_served_after", 3000.0, served), ("children_found_after", 5000.0, served)]
        return pd.DataFrame(
            [
                {"plan": "p", "kpi": k, "baseline": b, "delta": d, "delta_lo": lo, "delta_hi": hi}
                for k, b, (d, lo, hi) in rows
            ]
        )

    same = (0.0, 0.0, 0.0)
    assert verdict(table((-0.001, -0.003, 0.0), same), "p", "b", None, 0.02).startswith("p: holds — ")
    assert verdict(table((-0.03, -0.04, -0.02), same), "p", "b", "2022Q1", 0.02).startswith("p: falls short")
    assert verdict(table(same, (3.0, 2.0, 4.0)), "p", "b", None, 0.02).startswith("p: falls short")  # +4% harm
    assert verdict(table((-0.005, -0.02, 0.01), same), "p", "b", None, 0.02).startswith("p: unclear")
    # a plan that finds and serves fewer children falls short even though its resolution rate rises
    fewer = verdict(table((-0.03, -0.04, -0.02), same, res=(0.05, 0.04, 0.06)), "p", "b", None, 0.02)
    assert fewer.startswith("p: falls short") and "300 fewer children served" in fewer
    line = verdict(table(same, same), "p", "b", "2022Q1", 0.02)
    assert "as many children served" in line and "cliff 2022Q1" in line
    # each verdict names what decided it, with the interval and the rule's limit in points of coverage
    short = verdict(table((-0.03, -0.04, -0.02), same), "p", "b", None, 0.02)
    assert "deciding: effective coverage's whole interval lies below -0.6 points" in short
    assert "effective coverage -3.0 points [-4.0, -2.0]" in short and "Rule: a plan falls short" in short
    unclear = verdict(table((-0.005, -0.02, 0.01), same), "p", "b", None, 0.02)
    assert "deciding: effective coverage's interval straddles its limit" in unclear


def test_a_plan_that_finds_fewer_children_never_holds(tmp_path: Path, tiny: dict) -> None:
    """Cutting outreach lightens caseloads and can raise the resolution rate, but it finds fewer children."""
    no_outreach = write(
        tmp_path,
        "name: no_outreach\nlegal_anchor: mayoral\nfunder_share:\n  2020: {outreach: 0.0}\n"
        "pickup:\n  all: {share: 0.0, delay_years: 0}\n",
        "no_outreach.yaml",
    )
    plans = {"funder_stays": load_plan("funder_stays"), "no_outreach": load_plan(str(no_outreach))}
    runs, _ = run_plans({k: plan_config(p, tiny) for k, p in plans.items()}, [0, 1, 2], jobs=2, window_from=2020)
    runs = runs.set_index(["plan", "seed"])
    assert (runs.loc["no_outreach"].children_found_after < runs.loc["funder_stays"].children_found_after).all()
    from experiments.plans.paired import paired_table

    table = paired_table(runs.reset_index(), "funder_stays")
    line = verdict(table, "no_outreach", "funder_stays", None, 0.02)
    assert not line.split(" — ")[0].endswith("holds") and "fewer children found" in line


@pytest.mark.parametrize("text", ["red \x1b[31m alert", "nul \x00 here", "c1 \x9b control"])
@pytest.mark.parametrize("field", ["name", "description"])
def test_a_name_or_description_with_control_characters_is_refused(
    tmp_path: Path, text: str, field: str, capsys: pytest.CaptureFixture
) -> None:
    """Terminal escapes and NULs would reach reports, file names and the terminal: one line, exit 2, nothing run."""
    plan = tmp_path / "esc.yaml"
    fields = {"name": "esc", "description": "plain", field: text}
    plan.write_text("".join(f"{k}: {json.dumps(v)}\n" for k, v in fields.items()))
    with pytest.raises(SystemExit) as exc:
        main(["check", str(plan)])
    err = capsys.readouterr().err.strip()
    assert exc.value.code == 2 and len(err.splitlines()) == 1 and f"{field}:" in err
    assert "\x1b" not in err and "\x00" not in err and "\x9b" not in err  # the message shows them escaped
    assert ("control" if field == "description" else "letters, digits") in err
