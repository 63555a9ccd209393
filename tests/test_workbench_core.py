"""The workbench without a browser: every error of a plan in `cpsim-plans check`'s words, names that cannot
leave the data folder, nothing typed reaching Hydra, compares equal to `compare_plans`, cancel, two compares at
once, and plain-language outputs."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest
import yaml

from experiments.plans.compare import compare_plans
from experiments.plans.plan_file import PlanError, example_names, load_plan, parse_plan, plan_errors
from experiments.workbench import draft as D
from experiments.workbench import plain
from experiments.workbench.jobs import Cancelled, CompareJob, shared_pool
from experiments.workbench.server import parser
from scenarios.validate import ConfigError
from sim.ownership import MARKER

ROOT = Path(__file__).resolve().parents[1]
CHILDREN = 20_000
SEEDS = [0, 1, 2]
INFO = {"scenario": "makassar_pksai", "overrides": ""}


@pytest.fixture(scope="module")
def scenario() -> dict:
    return D.scenario("makassar_pksai", CHILDREN)


def bad_data() -> dict:
    return {
        "name": "p",
        "bogus": 1,
        "legal_anchor": "king",
        "funder_share": {2021: {"outreach": 1.5, "training": "a"}, 1800: 0.1},
        "pickup": {"all": {"share": 2, "delay_years": 0.5}},
        "hiring": {2023: {"local": -1}},
    }


def test_plan_errors_lists_every_error_and_the_first_is_parse_plans() -> None:
    errors = plan_errors(bad_data(), Path("p.yaml"))
    fields = [e.split(": ")[1] for e in errors]
    assert fields == [
        "bogus",
        "legal_anchor",
        "funder_share.2021.outreach",
        "funder_share.2021.training",
        "funder_share.1800",
        "hiring.2023.local",
        "pickup.all.share",
        "pickup.all.delay_years",
    ]
    with pytest.raises(PlanError) as first:
        parse_plan(bad_data(), Path("p.yaml"))
    assert str(first.value) == errors[0]
    for name in example_names():
        plan = load_plan(name)
        assert plan_errors(yaml.safe_load(plan.path.read_text()), plan.path) == []


def test_page_and_command_line_say_the_same_words(scenario: dict, tmp_path: Path) -> None:
    draft = D.example("linear_taper_3y").with_cell("funder_share.2021.outreach", "0.9")
    draft = draft.with_cell("funder_share.2022.training", "lots")
    errors = D.check(draft, scenario)
    assert len(errors) == 1 and "funder_share.2022.training: 'lots' is not allowed" in errors[0]
    draft = draft.with_cell("funder_share.2022.training", "0.3")
    errors = D.check(draft, scenario)
    assert errors == [
        "linear_taper_3y.yaml: funder_share.2021.outreach: 0.9 is not allowed; expected at most 0.8 "
        "(the scenario's local government already pays 0.2 of this line)"
    ]
    cli = plans_check(tmp_path, draft)
    assert cli.returncode == 2 and cli.stderr.strip() == f"cpsim-plans: error: {errors[0]}"
    fixed = draft.with_cell("funder_share.2021.outreach", "0.5")
    assert D.check(fixed, scenario) == []
    assert D.to_plan(fixed, scenario).funder_share[2021]["outreach"] == 0.5


def plans_check(folder: Path, draft: D.Draft) -> subprocess.CompletedProcess[str]:
    """`cpsim-plans check` run on the draft as the page would download it."""
    (folder / "linear_taper_3y.yaml").write_text(D.to_yaml(draft))
    return subprocess.run(
        [sys.executable, "-m", "experiments.plans.cli", "check", "linear_taper_3y.yaml"],
        cwd=folder,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )


def test_cut_order_is_edited_as_text_and_checked_as_cpsim_plans_check_does(scenario: dict, tmp_path: Path) -> None:
    draft = D.example("linear_taper_3y").with_cell(
        D.CUT_ORDER, " Prevention, worker_contracts ,Case-management system,"
    )
    assert draft.cut_order == ["prevention", "worker_contracts", "case_management_system"]
    assert draft.cell(D.CUT_ORDER) == "prevention, worker_contracts, case_management_system"
    assert D.check(draft, scenario) == []
    plan = D.to_plan(draft, scenario)
    assert plan.cut_order == ["prevention", "worker_contracts", "case_management_system"]

    bad = draft.with_cell(D.CUT_ORDER, "outreach, salaries, outreach")
    errors = D.check(bad, scenario)
    assert [D.field_of(e, D.plan_path(bad)) for e in errors] == [D.CUT_ORDER]
    with pytest.raises(PlanError) as first:
        parse_plan(D.to_data(bad), D.plan_path(bad))
    assert errors == [str(first.value)]
    assert "cut_order[1]: 'salaries' is not allowed; expected a list of distinct budget lines" in errors[0]
    twice = D.check(bad.with_cell(D.CUT_ORDER, "outreach, Outreach"), scenario)
    assert len(twice) == 1 and "cut_order[1]: 'outreach' is not allowed" in twice[0]

    cli = plans_check(tmp_path, draft)
    assert cli.returncode == 0, cli.stderr
    empty = draft.with_cell(D.CUT_ORDER, " ")
    assert empty.cut_order == [] and "cut_order" not in D.to_data(empty)


def test_a_typed_name_never_leaves_the_data_folder(tmp_path: Path) -> None:
    for name in ("../../etc/passwd", "/abs/path", "a/b\\c", "..", "", "  ", "x" * 500, "名前"):
        draft = D.Draft(name=name)
        path = D.save(draft, tmp_path)
        assert path.parent == (tmp_path / "plans").resolve() and path.suffix == ".yaml"
        assert D.safe_name(name) == path.stem
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file() and p.name != MARKER) == sorted(
        {f"{D.safe_name(n)}.yaml" for n in ("../../etc/passwd", "/abs/path", "a/b\\c", "..", "x" * 500)}
    )


def test_nothing_typed_reaches_hydra(scenario: dict) -> None:
    for name in ("makassar_pksai hydra.run.dir=/tmp", "+x=1", "../scenario/makassar_pksai"):
        with pytest.raises(ConfigError, match="expected one of"):
            D.scenario(name)
    with pytest.raises(ConfigError):
        D.scenario("makassar_pksai", -5)
    errors = plan_errors({"_target_": "os.system", "name": "x"}, Path("x.yaml"))
    assert errors and "_target_: unknown key" in errors[0]


@pytest.mark.slow
def test_background_compare_is_compare_plans_and_cancel_stops_it(scenario: dict) -> None:
    plans = [D.to_plan(D.example(n), scenario) for n in ("funder_stays", "linear_taper_3y")]
    seen: list[float] = []
    comp = CompareJob(plans, scenario, SEEDS, shared_pool(2), info=INFO).run(lambda f, _: seen.append(f))
    ref = compare_plans(plans, scenario, SEEDS, info=INFO)
    pd.testing.assert_frame_equal(comp.table, ref.table)
    pd.testing.assert_frame_equal(comp.quarters, ref.quarters)
    assert comp.verdicts == ref.verdicts and seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)

    job = CompareJob(plans, scenario, list(range(20)), shared_pool(2), info=INFO)
    threading.Timer(0.3, job.cancel).start()
    with pytest.raises(Cancelled):
        job.run()


@pytest.mark.slow
def test_two_compares_at_once_keep_their_own_results(scenario: dict) -> None:
    a = [D.to_plan(D.example(n), scenario) for n in ("funder_stays", "abrupt_exit")]
    b = [D.to_plan(D.example(n), scenario) for n in ("funder_stays", "matched_cofinancing")]
    out: dict[str, object] = {}

    def go(key: str, plans: list) -> None:
        out[key] = CompareJob(plans, scenario, SEEDS, shared_pool(2), info=INFO).run()

    threads = [threading.Thread(target=go, args=(k, p)) for k, p in (("a", a), ("b", b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for key, plans in (("a", a), ("b", b)):
        ref = compare_plans(plans, scenario, SEEDS, info=INFO)
        pd.testing.assert_frame_equal(out[key].table, ref.table)


def test_plain_outputs_round_numbers_and_explain_words(scenario: dict) -> None:
    plans = [D.to_plan(D.example(n), scenario) for n in ("funder_stays", "exit_no_pickup")]
    comp = CompareJob(plans, scenario, SEEDS, shared_pool(2), info=INFO).run()
    report = plain.report_markdown(comp, "makassar_pksai")
    words = report.replace("(", " ").replace(")", " ").split()
    for jargon in ("pp", "paired", "t-interval", "seeds", "seed"):
        assert jargon not in words, jargon
    assert "repeats" in report and str(ROOT) not in report and str(Path.home()) not in report
    assert not any(ch.isdigit() and "." in w and len(w.split(".")[1]) > 1 for w in words for ch in w[:1])
    v = plain.verdict_text(comp, "exit_no_pickup")
    assert v["status"] in ("holds", "falls short", "unclear (more seeds needed)")
    assert "Children reached" in v["sentences"][0]
    sheets = pd.read_excel(__import__("io").BytesIO(plain.xlsx_bytes(comp)), sheet_name=None)
    assert (
        set(sheets) == {"Summary", "Results", "Each run", "Each year", "Quarters", "Plan"}
        and len(sheets["Each run"]) == 6
    )
    each_year = sheets["Each year"]  # numbers stored as numbers, one row per plan x year x indicator x line x payer
    assert each_year["mean"].dtype == float and set(each_year.plan) == {"funder_stays", "exit_no_pickup"}
    assert "Why: " in v["sentences"][-1] and "Year by year" in report
    csv = pd.read_csv(__import__("io").BytesIO(plain.csv_bytes(comp)))
    assert set(csv.plan) == {"funder_stays", "exit_no_pickup"} and (csv.repeats == 3).all()


def test_server_binds_this_computer_only_by_default() -> None:
    args = parser().parse_args([])
    assert args.host == "127.0.0.1" and args.port == 8765
    assert str(args.data_dir) == "~/.cpsim-workbench"


def test_saved_plans_open_again(scenario: dict, tmp_path: Path) -> None:
    draft = D.example("matched_cofinancing").with_cell("hiring.2022.local", "12")
    draft.name = "our plan (v2)"
    D.save(draft, tmp_path)
    assert D.saved_names(tmp_path) == ["our_plan_v2"]
    again = D.load_saved(tmp_path, "our_plan_v2")
    assert D.to_data(again) == D.to_data(draft) and D.check(again, scenario) == []


def test_explore_controls_are_relative_to_the_scenario() -> None:
    pytest.importorskip("solara")
    from experiments.workbench.explore import explore_model_class
    from scenarios.scale import posts
    from scenarios.schema import EmployerCounts

    model = explore_model_class()(city="gowa_pksai", scenario=object(), city_size_pct=50, local_workers_pct=50)
    gowa = D.scenario("gowa_pksai")
    assert model.cfg.run.name == "gowa_pksai"
    assert model.cfg.population.n_children == round(gowa["population"]["n_children"] / 2)
    # staff relative to the scenario's posts, then the city's size scales them (scenarios/scale.py)
    workers = {**gowa["staffing"]["workers"], "local": round(gowa["staffing"]["workers"]["local"] / 2)}
    expected = posts(EmployerCounts(**workers), model.scale)
    full = posts(EmployerCounts(**gowa["staffing"]["workers"]), model.scale)
    assert model.cfg.staffing.workers == expected and expected.local < full.local
    assert model.cfg.training.mentoring == gowa["training"]["mentoring"]
    model.step()
    assert len(model.datacollector.get_model_vars_dataframe()) == 1


def test_page_text_keeps_typed_names_as_text() -> None:
    pytest.importorskip("solara")
    from experiments.workbench.page import safe_html

    out = safe_html("**my_plan** <script>alert(1)</script> [x](javascript:alert(1)) ![i](http://e.x/i.png)\n\n- a")
    assert "<strong>my_plan</strong>" in out and "<li>a</li>" in out
    assert "<script" not in out and "<a " not in out and "<img" not in out and "&lt;script&gt;" in out
