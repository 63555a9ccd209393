"""Every bad input gets one line: exit status 2 (or `ConfigError` from the Python API), one line under 300
characters naming the field, no traceback, and nothing written (each case runs in a scratch folder).

Commands are called in-process through their `main(argv)`; no case runs the model.
"""

from __future__ import annotations

import os
import pathlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from schema_leaves import leaves, nested

from experiments.calibration.calibrate import main as calibrate_main
from experiments.plans.cli import main as plans_main
from experiments.sensitivity.analysis import main as sensitivity_main
from experiments.sweeps.cli import main as collect_main
from experiments.validation.cli import main as validate_main
from scenarios.validate import ConfigError
from sim.cli import main as cpsim_main
from sim.model import CPModel
from sim.run import run

ROOT = Path(__file__).resolve().parents[1]
NUMERIC = [leaf for leaf in leaves() if leaf.kind in (int, float)]


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def _listing(folder: Path) -> set[tuple[str, int]]:
    return {(str(p), p.stat().st_mtime_ns) for p in folder.rglob("*")} if folder.exists() else set()


def _repo_top() -> set[str]:
    return {p.name for p in ROOT.iterdir()} | {f"outputs/{p.name}" for p in (ROOT / "outputs").glob("*")}


def assert_one_line(err: str, field: str) -> None:
    assert "Traceback" not in err, err[:3000]
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err[:3000]
    assert len(lines[0]) < 300, lines[0]
    assert field in lines[0], lines[0]


def expect_exit_2(
    main: Callable[[list[str]], Any], argv: list[str], field: str, scratch: Path, capsys: pytest.CaptureFixture
) -> str:
    before, repo = _listing(scratch.parent), _repo_top()
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2, err[:3000]
    assert_one_line(err, field)
    assert _listing(scratch.parent) == before, "a bad input wrote a file"
    assert _repo_top() == repo, "a bad input wrote into the repository"
    return err


# ---- cpsim: overrides, hydra.* and launcher choices ----

CPSIM_CASES = [
    (["population.n_children=1" + "0" * 400], "population.n_children"),
    (["population.n_children=1e400"], "population.n_children"),
    (["seed=-1"], "seed"),
    (["seed=abc"], "seed"),
    (["seed=1.5"], "seed"),
    (["seed=9223372036854775808"], "seed"),
    (["seed=true"], "seed"),
    (["seeds=[1,-2]"], "seeds"),
    (["seeds=abc"], "seeds"),
    (["replicates=0"], "replicates"),
    (["timeseries=monthly"], "timeseries"),
    (["plots=maybe"], "plots"),
    (["resume=2"], "resume"),
    (["staffing.foo=1"], "staffing.foo"),
    (["foo=1"], "foo"),
    (["scenario=nope"], "scenario"),
    (["training.session_cost_per_worker=1e308"], "training.session_cost_per_worker"),
    (["funding.cms_cost_per_year=1e308"], "funding.cms_cost_per_year"),
    (["population.vulnerability_weights.poverty=1e308"], "population.vulnerability_weights.poverty"),
    (["funding.pickup_share=nan"], "funding.pickup_share"),
    (["funding.pickup_share=inf"], "funding.pickup_share"),
    (["funding.pickup_share=1.5"], "funding.pickup_share"),
    (["staffing.caseload_cap=2.5"], "staffing.caseload_cap"),
    (["staffing.caseload_cap=[1,2]"], "staffing.caseload_cap"),
    (["staffing.caseload_cap={a:1}"], "staffing.caseload_cap"),
    (["staffing.caseload_norm=40"], "staffing.caseload_norm"),
    (["run.start_year=2030"], "run.end_year"),
    (["funding.withdrawal_shape=sudden"], "funding.withdrawal_shape"),
    (["funding.regulation=decree"], "funding.regulation"),
    (["coordination.referral_agency.violence=army"], "coordination.referral_agency.violence"),
    (["run.name=" + "x" * 300], "run.name"),
    (["run.name=../../x"], "run.name"),
    (["run.name=/abs/x"], "run.name"),
    (["run.name=.hidden"], "run.name"),
    (["run.name=a b"], "run.name"),
    (["run.name=${oc.env:HOME}"], "run.name"),
    (['run.name=${oc.decode:"[1,2]"}'], "run.name"),
    (["run.name=${nope.key}"], "run.name"),
    (["staffing." + "x" * 2000 + "=1"], "staffing."),
    (["staffing.caseload_cap=[1,"], "staffing.caseload_cap"),
    (["staffing.caseload_cap=1,2"], "staffing.caseload_cap"),
    (["=1"], "no key"),
    (["hydra.run.dir=/proc/x"], "hydra.run.dir"),
    (["hydra.run.dir=/etc/passwd/x"], "hydra.run.dir"),
    (["hydra.run.dir=" + "y" * 300], "hydra.run.dir"),
    (["hydra.run.dir=a/" + "z" * 5000], "hydra.run.dir"),
    (["-m", "hydra.sweep.dir=/proc/x", "seed=0,1"], "hydra.sweep.dir"),
    (["-m", "hydra/launcher=nope"], "hydra/launcher"),
    (["hydra/launcher=nope"], "hydra/launcher"),
    (["-m", "hydra/launcher=local_cores", "hydra.launcher.n_jobs=abc"], "hydra.launcher.n_jobs"),
    (["-m", "hydra/sweeper=nope"], "hydra/sweeper"),
    (["-m", "staffing.caseload_norm=10,30"], "staffing.caseload_norm"),
    (["-m", "staffing.caseload_cap=5,30", "staffing.caseload_norm=10"], "staffing.caseload_norm"),
    (["-m", "staffing.caseload_cap=interval(1,5)"], "staffing.caseload_cap"),
    (["-m", "scenario=glob(nothing*)"], "scenario"),
    (["-m", "seed=range(0,3)", "funding.pickup_share=2"], "funding.pickup_share"),
    (["-m", "+experiment=nope"], "experiment"),
    (["-m", "coordination_level=nope"], "coordination_level"),
]


@pytest.mark.parametrize(("argv", "field"), CPSIM_CASES, ids=[" ".join(a)[:60] for a, _ in CPSIM_CASES])
def test_cpsim_bad_override(argv: list[str], field: str, scratch: Path, capsys: pytest.CaptureFixture) -> None:
    expect_exit_2(cpsim_main, argv, field, scratch, capsys)


def _too_big(leaf: Any) -> str:
    return str(int(leaf.hi) + 1) if leaf.kind is int else repr(float(leaf.hi) * 2 + 1)


@pytest.mark.parametrize("leaf", NUMERIC, ids=[leaf.path for leaf in NUMERIC])
def test_cpsim_every_number_has_a_finite_bound(leaf: Any, scratch: Path, capsys: pytest.CaptureFixture) -> None:
    assert leaf.lo is not None and leaf.hi is not None and np.isfinite(leaf.hi)
    expect_exit_2(cpsim_main, [f"{leaf.path}={_too_big(leaf)}"], leaf.path, scratch, capsys)


CONFIG_DIR_FILES = [
    ("binary", b"\x00\x01\xff", "binary"),
    ("latin1", "run:\n  name: caf\xe9\n".encode("latin-1"), "UTF-8"),
    ("utf16", "run:\n  name: x\n".encode("utf-16"), "UTF-16"),
    ("duplicate", b"run:\n  name: a\nrun:\n  name: b\n", "twice"),
    ("alias_bomb", None, "aliases"),
    ("tag", b"run:\n  name: !!python/name:os.system\n", "tag"),
    ("huge", b"# padding\n" * 120_000, "bytes"),
]


@pytest.mark.parametrize(("name", "content", "field"), CONFIG_DIR_FILES, ids=[c[0] for c in CONFIG_DIR_FILES])
def test_cpsim_bad_config_dir_file(
    name: str, content: bytes | None, field: str, scratch: Path, capsys: pytest.CaptureFixture
) -> None:
    folder = scratch / "conf" / "scenario"
    folder.mkdir(parents=True)
    (folder / "mine.yaml").write_bytes(_bomb() if content is None else content)
    err = expect_exit_2(cpsim_main, ["--config-dir", str(scratch / "conf"), "scenario=mine"], field, scratch, capsys)
    assert "mine.yaml" in err


SECTIONS = sorted({leaf.path.split(".")[0] for leaf in leaves()})


@pytest.mark.parametrize("section", SECTIONS)
def test_unknown_key_in_every_section(section: str, scratch: Path, capsys: pytest.CaptureFixture) -> None:
    key = f"{section}.{'q' * 150}"
    expect_exit_2(cpsim_main, [f"{key}=1"], f"{section}.qqq", scratch, capsys)
    expect_config_error(lambda: run(nested(key, 1), 0), f"{section}.qqq", scratch)


# ---- the Python API ----


def expect_config_error(call: Callable[[], Any], field: str, scratch: Path) -> None:
    before = _listing(scratch.parent)
    with pytest.raises(ConfigError) as exc:
        call()
    assert_one_line(str(exc.value), field)
    assert _listing(scratch.parent) == before


API_CASES: list[tuple[str, Callable[[], Any], str]] = [
    ("seed -1", lambda: run({}, -1), "seed"),
    ("seed text", lambda: run({}, "abc"), "seed"),
    ("seed float", lambda: run({}, 1.5), "seed"),
    ("seed None", lambda: run({}, None), "seed"),
    ("seed bool", lambda: run({}, True), "seed"),
    ("seed 2**63", lambda: run({}, 2**63), "seed"),
    ("seed np -1", lambda: run({}, np.int64(-1)), "seed"),
    ("config list", lambda: run([], 0), "config"),
    ("config 0", lambda: run(0, 0), "config"),
    ("config text", lambda: run("makassar", 0), "config"),
    ("int key inside", lambda: run({"staffing": {1: 2}}, 0), "key must be text"),
    ("int key top", lambda: run({1: 2}, 0), "key must be text"),
    ("tuple key", lambda: run({("a",): 2}, 0), "key must be text"),
    ("huge int", lambda: run({"population": {"n_children": 10**400}}, 0), "population.n_children"),
    ("inf", lambda: run({"population": {"n_children": float("inf")}}, 0), "population.n_children"),
    ("nan share", lambda: run({"funding": {"pickup_share": float("nan")}}, 0), "funding.pickup_share"),
    ("bool int", lambda: run({"staffing": {"caseload_cap": True}}, 0), "staffing.caseload_cap"),
    ("cost 1e308", lambda: run({"training": {"session_cost_per_worker": 1e308}}, 0), "session_cost_per_worker"),
    ("run.name path", lambda: run({"run": {"name": "../x"}}, 0), "run.name"),
    ("section not a mapping", lambda: run({"staffing": 3}, 0), "staffing"),
    ("list not a list", lambda: run({"economy": {"shocks": 3}}, 0), "economy.shocks"),
    ("rng -1", lambda: CPModel(rng=-1), "rng"),
    ("rng text", lambda: CPModel(rng="a"), "rng"),
    ("rng float", lambda: CPModel(rng=1.5), "rng"),
    ("rng bool", lambda: CPModel(rng=True), "rng"),
    ("rng 2**63", lambda: CPModel(rng=2**63), "rng"),
    ("model scenario", lambda: CPModel(scenario="nope", rng=0), "scenario"),
    ("model unknown", lambda: CPModel(rng=0, foo=1), "foo"),
    ("model bad value", lambda: CPModel(rng=0, staffing={"caseload_cap": 0}), "staffing.caseload_cap"),
    ("model dunder", lambda: CPModel(rng=0, staffing__caseload_cap=-1), "staffing.caseload_cap"),
]


@pytest.mark.parametrize(("name", "call", "field"), API_CASES, ids=[c[0] for c in API_CASES])
def test_api_bad_input(name: str, call: Callable[[], Any], field: str, scratch: Path) -> None:
    expect_config_error(call, field, scratch)


@pytest.mark.parametrize("leaf", NUMERIC, ids=[leaf.path for leaf in NUMERIC])
def test_api_every_number_below_its_range(leaf: Any, scratch: Path) -> None:
    expect_config_error(lambda: run(nested(leaf.path, leaf.lo - 1), 0), leaf.path, scratch)


def test_api_seed_above_2_53_is_exact() -> None:
    from scenarios.validate import check_seed

    assert check_seed(2**63 - 1) == 2**63 - 1 and check_seed(np.uint64(2**60 + 1)) == 2**60 + 1
    assert CPModel(rng=None, scenario="gowa_pksai").seed >= 0  # Mesa's convention: a drawn seed, recorded


# ---- plan files through `cpsim-plans check` and `compare` ----


def _bomb() -> bytes:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]")
    return ("\n".join(lines) + "\n").encode()


PASSWD = ("root:x:0:0:root:/root:/bin/bash\n" * 45).encode()
PLAN_FILES: list[tuple[str, bytes, str]] = [
    ("binary", b"\x00\x01\x02\xff" * 50, "binary"),
    ("latin1", "name: caf\xe9\n".encode("latin-1"), "UTF-8"),
    ("utf16", "name: x\n".encode("utf-16"), "UTF-16"),
    ("alias_bomb", _bomb(), "aliases"),
    ("many_aliases", b"a: &a 1\nb: [" + b", ".join([b"*a"] * 200) + b"]\n", "aliases"),
    ("duplicate_key", b"name: a\nname: b\n", "twice"),
    ("duplicate_nested", b"pickup:\n  all: {share: 0.1}\n  all: {share: 0.2}\n", "twice"),
    ("python_tag", b"name: !!python/object/apply:os.system ['echo hi']\n", "tag"),
    ("python_name_tag", b"name: !!python/name:os.system\n", "tag"),
    ("passwd_like", PASSWD, "plan"),
    ("not_yaml", b"name: [unclosed\n", "YAML"),
    ("tabs", b"name:\n\t- x\n", "YAML"),
    ("deep", b"[" * 5000 + b"]" * 5000, "plan"),
    ("huge", b"# padding\n" * 120_000, "bytes"),
    ("list_top", b"- a\n- b\n", "plan"),
    ("name_abs", b"name: /tmp/evil\n", "name"),
    ("name_up", b"name: ../../x\n", "name"),
    ("name_sub", b"name: sub/dir/plan\n", "name"),
    ("name_long", b"name: " + b"n" * 300 + b"\n", "name"),
    ("name_dot", b"name: .hidden\n", "name"),
    ("name_int", b"name: 5\n", "name"),
    ("name_env", b"name: ${oc.env:HOME}\n", "name"),
    ("year_out", b"funder_share: {2031: {all: 0.0}}\n", "funder_share.2031"),
    ("year_text", b"funder_share: {abc: {all: 0.0}}\n", "funder_share.abc"),
    ("share_high", b"funder_share: {2021: {all: 1.5}}\n", "funder_share.2021.all"),
    ("share_inf", b"funder_share: {2021: {all: .inf}}\n", "funder_share.2021.all"),
    ("share_text", b"pickup: {all: {share: abc}}\n", "pickup.all.share"),
    ("delay_float", b"pickup: {all: {delay_years: 1.5}}\n", "pickup.all.delay_years"),
    ("unknown_key", b"color: red\n", "color"),
    ("unknown_long_key", b"k" * 900 + b": 1\n", "unknown key"),
    ("key_too_long_for_yaml", b"k" * 3000 + b": 1\n", "YAML"),
    ("unknown_line", b"pickup: {wages: {share: 0.1}}\n", "pickup.wages"),
    ("cut_twice", b"cut_order: [training, training]\n", "cut_order[1]"),
    ("cut_not_list", b"cut_order: training\n", "cut_order"),
    ("anchor_bad", b"legal_anchor: decree\n", "legal_anchor"),
    ("budget_huge", b"local_budget: {2022: 1e400}\n", "local_budget.2022"),
    ("hiring_negative", b"hiring: {2023: {local: -1}}\n", "hiring.2023.local"),
    ("hiring_float", b"hiring: {2023: {local: 1.5}}\n", "hiring.2023.local"),
    ("description_list", b"description: [a, b]\n", "description"),
]


def _write_plan(scratch: Path, name: str, content: bytes) -> str:
    path = scratch / "plans" / f"{name}.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(content)
    return str(path)


@pytest.mark.parametrize("command", ["check", "compare"])
@pytest.mark.parametrize(("name", "content", "field"), PLAN_FILES, ids=[c[0] for c in PLAN_FILES])
def test_bad_plan_file(
    command: str, name: str, content: bytes, field: str, scratch: Path, capsys: pytest.CaptureFixture
) -> None:
    plan = _write_plan(scratch, name, content)
    argv = [command, plan] if command == "check" else [command, "funder_stays", plan, "--seeds", "1"]
    err = expect_exit_2(plans_main, argv, field, scratch, capsys)
    assert err.count("lol") <= 1 and err.count("root:x:0:0") <= 1  # quotes at most a short excerpt


PLAN_PATHS = [
    ("missing", lambda s: str(s / "nope.yaml"), "no such plan file"),
    ("missing_example", lambda s: "no_such_example", "no such plan file or example"),
    ("directory", lambda s: str(s / "plans"), "directory"),
    ("directory_yaml", lambda s: str(s / "plans" / "d.yaml"), "directory"),
    ("long_name", lambda s: "p" * 10_000 + ".yaml", "too long"),
    ("long_component", lambda s: str(s / ("q" * 300)), "too long"),
    ("nul", lambda s: "a\x00b.yaml", "NUL"),
    ("etc_passwd", lambda s: "/etc/passwd", "passwd"),
]


@pytest.mark.parametrize("command", ["check", "compare"])
@pytest.mark.parametrize(("name", "spec", "field"), PLAN_PATHS, ids=[c[0] for c in PLAN_PATHS])
def test_bad_plan_path(
    command: str, name: str, spec: Callable[[Path], str], field: str, scratch: Path, capsys: pytest.CaptureFixture
) -> None:
    (scratch / "plans" / "d.yaml").mkdir(parents=True)
    plan = spec(scratch)
    if name == "etc_passwd" and not Path(plan).is_file():
        pytest.skip("no /etc/passwd here")
    argv = [command, plan] if command == "check" else [command, "funder_stays", plan, "--seeds", "1"]
    expect_exit_2(plans_main, argv, field, scratch, capsys)


@pytest.mark.parametrize("command", ["check", "compare"])
def test_unreadable_plan_file(
    command: str, scratch: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = _write_plan(scratch, "locked", b"name: locked\n")
    os.chmod(plan, 0)
    real_open = pathlib.Path.open

    def guarded(self: Path, *args: Any, **kwargs: Any) -> Any:  # root reads anything: act as a user would
        if self.name == "locked.yaml":
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "open", guarded)
    argv = [command, plan] if command == "check" else [command, "funder_stays", plan, "--seeds", "1"]
    expect_exit_2(plans_main, argv, "permission denied", scratch, capsys)


# ---- options of cpsim-plans, cpsim-collect, cpsim-sensitivity, cpsim-validate, cpsim-calibrate ----

OPTION_CASES: list[tuple[str, Callable, list[str], str]] = [
    ("plans none", plans_main, [], "command"),
    ("plans unknown", plans_main, ["fly"], "command"),
    ("check scenario", plans_main, ["check", "funder_stays", "--scenario", "nope"], "scenario"),
    ("check set", plans_main, ["check", "funder_stays", "--set", "staffing.caseload_cap=0"], "caseload_cap"),
    ("check set key", plans_main, ["check", "funder_stays", "--set", "nokey=1"], "nokey"),
    ("check set form", plans_main, ["check", "funder_stays", "--set", "novalue"], "novalue"),
    ("check set no key", plans_main, ["check", "funder_stays", "--set", "=1"], "no key"),
    ("check set decode", plans_main, ["check", "funder_stays", "--set", 'run.name=${oc.decode:"[1,2]"}'], "run.name"),
    (
        "check set huge",
        plans_main,
        ["check", "funder_stays", "--set", "population.n_children=1" + "0" * 400],
        "n_children",
    ),
    ("compare seeds 0", plans_main, ["compare", "funder_stays", "--seeds", "0"], "--seeds"),
    ("compare seeds text", plans_main, ["compare", "funder_stays", "--seeds", "abc"], "--seeds"),
    ("compare seeds huge", plans_main, ["compare", "funder_stays", "--seeds", "10000000000"], "--seeds"),
    ("compare jobs 0", plans_main, ["compare", "funder_stays", "--jobs", "0"], "--jobs"),
    ("compare jobs huge", plans_main, ["compare", "funder_stays", "--jobs", "100000"], "--jobs"),
    ("compare first seed", plans_main, ["compare", "funder_stays", "--first-seed", "-1"], "--first-seed"),
    ("compare first seed huge", plans_main, ["compare", "funder_stays", "--first-seed", "1" + "0" * 30], "--first-"),
    ("compare tolerance", plans_main, ["compare", "funder_stays", "--tolerance", "2"], "--tolerance"),
    ("compare tolerance nan", plans_main, ["compare", "funder_stays", "--tolerance", "nan"], "--tolerance"),
    ("compare cliff drop", plans_main, ["compare", "funder_stays", "--cliff-drop", "-1"], "--cliff-drop"),
    ("compare cliff threshold", plans_main, ["compare", "funder_stays", "--cliff-threshold", "x"], "--cliff-thr"),
    ("compare same name", plans_main, ["compare", "funder_stays", "funder_stays", "--seeds", "1"], "name"),
    ("compare out file", plans_main, ["compare", "funder_stays", "--out", "afile", "--seeds", "1"], "--out"),
    ("compare out busy", plans_main, ["compare", "funder_stays", "--out", "busy", "--seeds", "1"], "--out"),
    ("compare out dot", plans_main, ["compare", "funder_stays", "--out", ".", "--seeds", "1"], "--out"),
    ("compare out long", plans_main, ["compare", "funder_stays", "--out", "o" * 300, "--seeds", "1"], "--out"),
    ("compare out in file", plans_main, ["compare", "funder_stays", "--out", "afile/x", "--seeds", "1"], "--out"),
    ("compare out proc", plans_main, ["compare", "funder_stays", "--out", "/proc/x", "--seeds", "1"], "--out"),
    ("compare scenario", plans_main, ["compare", "funder_stays", "--scenario", "nope", "--seeds", "1"], "scenario"),
    ("optimize out dir", plans_main, ["optimize", "--out", "busy"], "--out"),
    ("optimize out exists", plans_main, ["optimize", "--out", "afile"], "--out"),
    ("stress one plan", plans_main, ["stress", "funder_stays", "--out", "s"], "plans"),
    (
        "stress futures",
        plans_main,
        ["stress", "funder_stays", "exit_no_pickup", "--futures", "0", "--out", "s"],
        "--futures",
    ),
    ("stress space", plans_main, ["stress", "funder_stays", "exit_no_pickup", "--space", "x", "--out", "s"], "--space"),
    ("stress out file", plans_main, ["stress", "funder_stays", "exit_no_pickup", "--out", "afile"], "--out"),
    ("stress out busy", plans_main, ["stress", "funder_stays", "exit_no_pickup", "--out", "busy"], "--out"),
    ("optimize robust share", plans_main, ["optimize", "--robust", "--robust-share", "2"], "--robust-share"),
    ("optimize out nofolder", plans_main, ["optimize", "--out", "nofolder/x.yaml"], "--out"),
    ("optimize out long", plans_main, ["optimize", "--out", "o" * 300 + ".yaml"], "--out"),
    ("optimize trials", plans_main, ["optimize", "--trials", "0"], "--trials"),
    ("optimize sampler seed", plans_main, ["optimize", "--sampler-seed", "-3"], "--sampler-seed"),
    ("optimize base", plans_main, ["optimize", "--base", "nope"], "nope"),
    ("copy example", plans_main, ["copy", "nope", "x.yaml"], "example"),
    ("copy exists", plans_main, ["copy", "funder_stays", "afile"], "dest"),
    ("copy nofolder", plans_main, ["copy", "funder_stays", "nofolder/x.yaml"], "dest"),
    ("copy long", plans_main, ["copy", "funder_stays", "d" * 300 + ".yaml"], "dest"),
    ("collect missing", collect_main, ["nope"], "dir"),
    ("collect file", collect_main, ["afile"], "dir"),
    ("collect long", collect_main, ["c" * 300], "dir"),
    ("collect option", collect_main, [".", "--bogus"], "--bogus"),
    ("sens trajectories", sensitivity_main, ["--trajectories", "0"], "--trajectories"),
    ("sens sobol", sensitivity_main, ["--sobol-n", "3"], "--sobol-n"),
    ("sens sobol text", sensitivity_main, ["--sobol-n", "x"], "--sobol-n"),
    ("sens top", sensitivity_main, ["--top", "abc"], "--top"),
    ("sens jobs", sensitivity_main, ["--jobs", "0"], "--jobs"),
    ("sens seed", sensitivity_main, ["--seed", "-1"], "--seed"),
    ("sens seeds", sensitivity_main, ["--seeds", "0"], "--seeds"),
    ("sens seed huge", sensitivity_main, ["--seed", "9" * 30], "--seed"),
    ("sens scale", sensitivity_main, ["--scale", "huge"], "--scale"),
    ("sens out file", sensitivity_main, ["--out", "afile"], "--out"),
    ("sens out long", sensitivity_main, ["--out", "s" * 300], "--out"),
    ("validate seeds", validate_main, ["--seeds", "0"], "--seeds"),
    ("validate first seed", validate_main, ["--first-seed", "-1"], "--first-seed"),
    ("validate scenarios", validate_main, ["--scenarios", "nope"], "--scenarios"),
    ("validate scenarios empty", validate_main, ["--scenarios", ","], "--scenarios"),
    ("validate processes", validate_main, ["--processes", "0"], "--processes"),
    ("validate out file", validate_main, ["--out", "afile"], "--out"),
    ("calibrate population", calibrate_main, ["--population", "0"], "--population"),
    ("calibrate epsilon", calibrate_main, ["--epsilon", "200"], "--epsilon"),
    ("calibrate epsilon negative", calibrate_main, ["--epsilon", "-1"], "--epsilon"),
    ("calibrate seed", calibrate_main, ["--calibration-seed", "-1"], "--calibration-seed"),
    ("calibrate scenarios", calibrate_main, ["--scenarios", "nope"], "--scenarios"),
    ("calibrate processes", calibrate_main, ["--processes", "999"], "--processes"),
    ("calibrate out file", calibrate_main, ["--out", "afile"], "--out"),
    ("calibrate max-sims", calibrate_main, ["--max-sims", "-2"], "--max-sims"),
]


@pytest.mark.parametrize(("name", "main", "argv", "field"), OPTION_CASES, ids=[c[0] for c in OPTION_CASES])
def test_bad_option(
    name: str, main: Callable, argv: list[str], field: str, scratch: Path, capsys: pytest.CaptureFixture
) -> None:
    (scratch / "afile").write_text("not a folder\n")
    (scratch / "busy").mkdir()
    (scratch / "busy" / "mine.txt").write_text("the user's\n")
    expect_exit_2(main, argv, field, scratch, capsys)
    assert (scratch / "busy" / "mine.txt").read_text() == "the user's\n"


def test_the_suite_has_enough_cases() -> None:
    named = (
        len(CPSIM_CASES)
        + len(CONFIG_DIR_FILES)
        + len(API_CASES)
        + 2 * (len(PLAN_FILES) + len(PLAN_PATHS) + 1)
        + len(OPTION_CASES)
    )
    assert named >= 150
    assert named + 2 * len(NUMERIC) >= 400


# ---- writes stay in the folder the user chose ----


def test_compare_out_force_writes_into_a_new_subfolder(scratch: Path) -> None:
    from experiments.plans.cli import output_folder

    busy = scratch / "busy"
    busy.mkdir()
    (busy / "mine.txt").write_text("the user's\n")
    out = output_folder(busy, force=True)
    assert out.parent == busy.absolute() and not out.exists()
    assert output_folder(scratch / "new", force=False) == (scratch / "new").absolute()
    empty = scratch / "empty"
    empty.mkdir()
    assert output_folder(empty, force=False) == empty.absolute()
    assert output_folder(Path("."), force=True).parent == scratch  # `.` only ever gets a new subfolder
    assert (busy / "mine.txt").read_text() == "the user's\n"


def test_a_failed_write_leaves_no_partial_folder(scratch: Path) -> None:
    from sim.outputs import atomic_dir

    with pytest.raises(RuntimeError), atomic_dir(scratch / "report") as partial:
        (partial / "half.txt").write_text("half")
        raise RuntimeError("the figures failed")
    assert list(scratch.iterdir()) == []


# ---- what must keep working ----


def test_plan_files_stay_plain_data(scratch: Path, capsys: pytest.CaptureFixture) -> None:
    """`${oc.env:...}` in a plan file is literal text; a file name that is no valid plan name gives a safe one."""
    from experiments.plans.plan_file import load_plan

    plan = _write_plan(scratch, "my plan (v2)", b"description: ${oc.env:HOME} and ${oc.decode:1}\n")
    loaded = load_plan(plan)
    assert loaded.description == "${oc.env:HOME} and ${oc.decode:1}"
    assert loaded.name == "my_plan__v2_"
    anchors = _write_plan(scratch, "anchors", b"pickup:\n  all: &p {share: 0.5, delay_years: 1}\n  training: *p\n")
    assert load_plan(anchors).pickup_share["training"] == 0.5  # a few aliases are fine
    with pytest.raises(SystemExit) as exc:
        plans_main(["check", plan, anchors])
    assert exc.value.code == 0
