"""`cpsim-plans`: test funding-transition plans.

    cpsim-plans copy linear_taper_3y my_plan.yaml             # start from an example
    cpsim-plans check my_plan.yaml --scenario makassar_pksai   # validate against a scenario's horizon
    cpsim-plans compare funder_stays my_plan.yaml --scenario makassar_pksai --seeds 20
    cpsim-plans optimize --scenario makassar_pksai --base linear_taper_3y --out cheapest.yaml
    cpsim-plans stress funder_stays linear_taper_3y --futures 100 --seeds 3 --out stress/   # where plans fail

Bad input (a plan file, an option, a scenario override) gives one line naming what is wrong and exit status 2,
before anything is run or written.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import time
from pathlib import Path

from experiments.common.cli_args import OneLineParser, fail, fraction, jobs_int, positive_int, seed_int
from experiments.common.cluster import LAUNCHERS, ClusterSettings, slurm_name, time_min
from experiments.common.extras import MissingExtra, require
from experiments.plans.compare import compare_plans, plan_configs, terminal_report, window_start, write_comparison
from experiments.plans.futures import SPACES
from experiments.plans.optimize import Robust, plan_yaml, search
from experiments.plans.plan_file import Plan, PlanError, example_names, load_plan, resolve
from experiments.plans.translate import plan_config
from experiments.sweeps.claim import SweepBusy
from scenarios.files import FileError, check_creatable, check_name, one_line, show
from scenarios.validate import ConfigError
from sim.compose import scenario_dict
from sim.interrupt import interruptible, say_on_interrupt
from sim.outputs import atomic_file, why
from sim.ownership import ForeignTarget, check_owned, move_aside

PROG = "cpsim-plans"


class UsageError(ValueError):
    """A bad command-line option."""


def _scenario_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scenario", default="makassar_pksai", help="scenario name (default: makassar_pksai)")
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a scenario value, e.g. --set population.n_children=20000 (repeatable)",
    )


def _run_options(p: argparse.ArgumentParser, seeds: int) -> None:
    p.add_argument("--seeds", type=positive_int, default=seeds, help=f"number of paired seeds (default {seeds})")
    p.add_argument("--first-seed", type=seed_int, default=0, help="first seed (default 0)")
    p.add_argument("--jobs", type=jobs_int, default=2, help="worker processes (default 2; results do not depend on it)")
    p.add_argument(
        "--tolerance",
        type=fraction,
        default=0.02,
        help="relative fall in coverage / rise in incidence allowed (default 0.02)",
    )
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def parser() -> argparse.ArgumentParser:
    top = OneLineParser(prog=PROG, description="Test funding-transition plans: copy, check, compare, optimize.")
    sub = top.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    p = sub.add_parser("list", help="list the example plans")

    p = sub.add_parser("copy", help="copy an example plan to a file you can edit")
    p.add_argument("example", help="example name (see `cpsim-plans list`)")
    p.add_argument("dest", type=Path)

    p = sub.add_parser("check", help="validate plan files against a scenario")
    p.add_argument("plans", nargs="+", help="plan files or example names")
    _scenario_options(p)

    p = sub.add_parser("compare", help="run plans on the same seeds and compare them with the first")
    p.add_argument("plans", nargs="+", help="plan files or example names; the first is the baseline")
    _scenario_options(p)
    _run_options(p, seeds=10)
    p.add_argument("--out", type=Path, help="output directory, new or empty (default outputs/plans/<time>)")
    p.add_argument(
        "--force", action="store_true", help="--out exists and holds files: write into a new subfolder <out>/<time>"
    )
    p.add_argument("--cliff-threshold", type=fraction, help="cliff when quarterly resolution falls below this rate")
    p.add_argument(
        "--cliff-drop", type=fraction, default=0.10, help="else: cliff when it falls this share below the baseline's"
    )

    p = sub.add_parser("stress", help="run plans across sampled futures and find where each fails")
    p.add_argument("plans", nargs="+", help="plan files or example names; the first is the reference")
    _scenario_options(p)
    _run_options(p, seeds=3)
    p.add_argument("--futures", type=positive_int, default=100, help="futures to sample (default 100)")
    p.add_argument("--sampler-seed", type=seed_int, default=0, help="seed of the Latin hypercube (default 0)")
    p.add_argument(
        "--space",
        choices=SPACES,
        default="all",
        help="all: assumed and calibrated parameters and transition risks (default); transition: the risks only",
    )
    p.add_argument("--out", type=Path, required=True, help="output folder: new, empty, or the same design (resume)")
    c = p.add_argument_group("on a SLURM cluster (the nodes must see this environment and --out)")
    c.add_argument(
        "--launcher",
        choices=LAUNCHERS,
        default="local",
        help="local: --jobs processes here (default); slurm: a SLURM job array; submitit_local: the same, here",
    )
    c.add_argument("--partition", type=slurm_name, help="SLURM partition (default: the cluster's)")
    c.add_argument("--account", type=slurm_name, help="SLURM account (default: yours)")
    c.add_argument("--time-min", type=time_min, default=60, help="time limit of each array task, minutes (default 60)")
    c.add_argument(
        "--points-per-task", type=positive_int, default=10, help="futures x plans per array task (default 10)"
    )
    c.add_argument("--cpus-per-task", type=jobs_int, default=1, help="processes per array task (default 1)")

    p = sub.add_parser("optimize", help="find the cheapest local pickup that keeps protection near a reference")
    _scenario_options(p)
    _run_options(p, seeds=5)
    p.add_argument("--base", default="linear_taper_3y", help="plan whose funder exit is kept (default linear_taper_3y)")
    p.add_argument("--reference", default="funder_stays", help="plan to stay close to (default funder_stays)")
    p.add_argument("--trials", type=positive_int, default=40, help="candidate schedules to try (default 40)")
    p.add_argument(
        "--keep-reach",
        action="store_true",
        help="also keep cases opened within tolerance (cutting outreach finds fewer)",
    )
    p.add_argument("--sampler-seed", type=seed_int, default=0, help="seed of the search itself (default 0)")
    p.add_argument(
        "--robust", action="store_true", help="judge every candidate in sampled futures (see `stress`), not one"
    )
    p.add_argument("--futures", type=positive_int, default=20, help="with --robust: futures sampled (default 20)")
    p.add_argument(
        "--robust-share",
        type=fraction,
        default=0.9,
        help="with --robust: share of the futures the plan must hold in (default 0.9)",
    )
    p.add_argument(
        "--space",
        choices=SPACES,
        default="transition",
        help="with --robust: the transition's risks (default) or every uncertainty (all)",
    )
    p.add_argument("--out", type=Path, default=Path("optimized_plan.yaml"), help="plan file to write (a new one)")
    p.add_argument("--force", action="store_true", help="--out exists: move it aside (to <name>.moved-<time>)")
    return top


def cmd_list(args: argparse.Namespace) -> int:
    for name in example_names():
        print(f"{name:22s} {load_plan(name).description}")
    return 0


def cmd_copy(args: argparse.Namespace) -> int:
    if args.example not in example_names():
        raise UsageError(f"example: {args.example!r} is not allowed; expected one of {', '.join(example_names())}")
    try:
        check_name(args.dest, "file")
    except FileError as exc:
        raise UsageError(f"dest: {exc}") from None
    if args.dest.exists():
        raise UsageError(f"dest: {show(args.dest)!r} already exists; expected a new file name")
    _check_writable(args.dest.absolute(), "dest")
    if not args.dest.absolute().parent.is_dir():
        raise UsageError(f"dest: {show(args.dest)!r}: no such folder {show(args.dest.parent)!r}")
    shutil.copyfile(resolve(args.example), args.dest)
    print(f"wrote {args.dest}: edit it, then `{PROG} compare funder_stays {args.dest} --scenario makassar_pksai`")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    scenario = scenario_dict(args.scenario, args.overrides)
    for spec in args.plans:
        plan = load_plan(spec)
        cfg = plan_config(plan, scenario)
        years = ", ".join(str(e.year) for e in cfg.transition.years)
        print(f"ok: {plan.name} ({plan.path}): plan entries for {years}")
    return 0


def output_folder(out: Path | None, force: bool) -> Path:
    """Where `compare` writes, decided before anything runs: a new or empty folder; a folder holding files only
    with --force, and then a new subfolder of it (nothing the tool did not write is replaced or deleted)."""
    stamp = time.strftime("%Y-%m-%d_%H-%M-%S")
    if out is None:
        return Path("outputs/plans") / stamp
    try:
        out = check_name(out, "folder").absolute()
        if out.exists() and not out.is_dir():
            raise UsageError(f"--out: {show(out)!r} is a file; expected a new or empty folder")
        if out.is_dir() and (any(out.iterdir()) or Path.cwd().is_relative_to(out)):
            if not force:
                raise UsageError(
                    f"--out: {show(out)!r} already holds files; expected a new or empty folder, or --force to "
                    "write into a new subfolder of it"
                )
            out = out / stamp
        _check_writable(out, "--out")
        check_owned(out.with_name(out.name + ".partial"), "--out")  # a user's `<out>.partial` is never replaced
    except (FileError, OSError) as exc:
        message = f"--out: {exc}" if isinstance(exc, FileError) else f"--out: {show(out)}: {exc.strerror}"
        raise UsageError(message) from None
    return out


def _check_writable(path: Path, option: str) -> None:
    """The nearest existing folder above `path` must be a folder we can write in."""
    try:
        check_creatable(path)
    except FileError as exc:
        raise UsageError(f"{option}: {exc}") from None


def cmd_compare(args: argparse.Namespace) -> int:
    plans = [load_plan(spec) for spec in args.plans]
    scenario = scenario_dict(args.scenario, args.overrides)
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    out = output_folder(args.out, args.force)
    plan_configs(plans, scenario)  # unique names and valid plans, before anything runs
    say_on_interrupt(f"nothing was written to {out}")
    info = {"scenario": args.scenario, "overrides": " ".join(args.overrides)}
    comp = compare_plans(
        plans,
        scenario,
        seeds,
        jobs=args.jobs,
        progress=not args.no_progress,
        tolerance=args.tolerance,
        cliff_threshold=args.cliff_threshold,
        cliff_drop=args.cliff_drop,
        info=info,
    )
    print(terminal_report(comp))
    written = write_comparison(comp, out, plans)
    print(
        f"\n{len(plans)} plans x {len(seeds)} seeds in {comp.meta['wall_seconds']:.0f} s; report: {written}/report.html"
    )
    return 0


def robust_futures(base: Plan, scenario: dict, args: argparse.Namespace) -> Robust:
    """The futures a robust search judges candidates in (the base plan's transition window)."""
    from experiments.plans.futures import sample, uncertainties

    config = plan_config(base, scenario)
    dims = uncertainties(args.scenario, config, window_start({base.name: config}), args.space)
    return Robust(dims, sample(dims, args.futures, args.sampler_seed), args.robust_share)


def cmd_optimize(args: argparse.Namespace) -> int:
    try:
        out = check_name(args.out, "file").absolute()
    except FileError as exc:
        raise UsageError(f"--out: {exc}") from None
    if out.is_dir():
        raise UsageError(f"--out: {show(args.out)!r} is a folder; expected a plan file name")
    if out.exists() and not args.force:
        raise UsageError(
            f"--out: {show(args.out)!r} already exists; expected a new file name, or --force to replace it"
        )
    if not out.parent.is_dir():
        raise UsageError(f"--out: {show(args.out)!r}: no such folder {show(args.out.parent)!r}")
    _check_writable(out.parent, "--out")
    base, reference = load_plan(args.base), load_plan(args.reference)
    scenario = scenario_dict(args.scenario, args.overrides)
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    robust = robust_futures(base, scenario, args) if args.robust else None
    result = search(
        base,
        reference,
        scenario,
        seeds,
        trials=args.trials,
        tolerance=args.tolerance,
        keep_reach=args.keep_reach,
        jobs=args.jobs,
        sampler_seed=args.sampler_seed,
        progress=not args.no_progress,
        robust=robust,
    )
    ref = result.reference
    print(
        f"{args.trials} trials x {len(seeds)} seeds in {result.seconds:.0f} s; lines searched: "
        f"{', '.join(result.searched_lines)}; window from {result.exit_year} (the funder's exit)"
    )
    print(
        f"reference {reference.name}: effective coverage {ref['effective_coverage_after']:.1%}, resolution "
        f"{ref['resolution_rate_after']:.1%}, incidence {ref['incidence_per_1000_child_years_after']:.1f} per "
        f"1,000 child-years, {ref['cases_opened_after']:,.0f} cases opened; "
        f"city cost {ref['spend_local']:,.0f} Rp m"
    )
    best = result.best
    if best is None and robust is not None:
        closest = result.trials.loc[result.trials.holds_share.idxmax()]
        print(f"closest trial ({closest.trial}) holds in {closest.holds_share:.0%} of {args.futures} futures")
        print(
            f"{PROG}: no pickup schedule held in {args.robust_share:.0%} of the futures in {args.trials} trials; "
            "nothing written",
            file=sys.stderr,
        )
        return 1
    if best is None:
        gaps = ["coverage_gap", "incidence_gap"] + (["reach_gap"] if args.keep_reach else [])
        closest = result.trials.loc[result.trials[gaps].max(axis=1).idxmin()]
        unit = {"coverage_gap": "% below", "incidence_gap": "% above", "reach_gap": "% fewer cases"}
        shown = ", ".join(f"{gap.removesuffix('_gap')} {100 * closest[gap]:.1f}{unit[gap]}" for gap in gaps)
        print(f"closest trial ({closest.trial}) misses by: {shown} (tolerance {100 * args.tolerance:.0f}%)")
        print(f"{PROG}: no pickup schedule met the tolerance in {args.trials} trials; nothing written", file=sys.stderr)
        return 1
    pickup = ", ".join(f"{ln} {best.share[ln]:.0%}/{best.delay[ln]}y" for ln in result.searched_lines)
    if robust is not None:
        print(f"holds in {best.holds_share:.0%} of {args.futures} futures (required: {args.robust_share:.0%})")
    print(
        f"cheapest feasible: city cost {best.cost:,.0f} Rp m; "
        + ("in the worst 10% of futures: " if robust is not None else "")
        + f"effective coverage {-100 * best.coverage_gap:+.1f}%, "
        f"incidence {100 * best.incidence_gap:+.1f}%, cases opened {-100 * best.reach_gap:+.1f}% vs {reference.name}; "
        f"pickup (share/delay) {pickup}"
    )
    header = [
        f"Found by `{PROG} optimize` on scenario {args.scenario} {' '.join(args.overrides)}".rstrip(),
        f"base {base.name}, reference {reference.name}, {len(seeds)} seeds from {args.first_seed}, "
        f"{args.trials} trials, tolerance {args.tolerance}{', reach kept' if args.keep_reach else ''}, "
        f"{result.seconds:.0f} s",
        *(
            [
                f"robust: holds in {best.holds_share:.0%} of {args.futures} futures ({args.space} space, sampler seed "
                f"{args.sampler_seed}); gaps below are the worst decile's"
            ]
            if robust is not None
            else []
        ),
        f"city cost {best.cost:,.0f} Rp m; coverage gap {100 * best.coverage_gap:.1f}%; "
        f"incidence gap {100 * best.incidence_gap:.1f}%; cases opened {-100 * best.reach_gap:+.1f}% "
        f"(from {result.exit_year})",
    ]
    name = re.sub(r"[^A-Za-z0-9._-]", "_", args.out.stem).lstrip("._-")[:80] or "optimized_plan"  # a valid plan name
    text = plan_yaml(base, best, name, header)
    if args.out.exists() and args.force:  # never deleted: the old file is kept beside the new one
        print(f"moved the old {args.out} to {move_aside(args.out)}")
    with atomic_file(args.out, claim=False) as tmp:
        tmp.write_text(text)
    print(f"wrote {args.out}")
    return 0


def _cluster(args: argparse.Namespace) -> ClusterSettings | None:
    for option in ("partition", "account"):
        if getattr(args, option) is not None and args.launcher != "slurm":
            raise UsageError(
                f"--{option}: {getattr(args, option)} is not allowed with --launcher {args.launcher}; "
                "expected --launcher slurm"
            )
    if args.launcher == "local":
        return None
    return ClusterSettings(
        args.launcher, args.partition, args.account, args.time_min, args.points_per_task, args.cpus_per_task
    )


def cmd_stress(args: argparse.Namespace) -> int:
    if len(args.plans) < 2:
        raise UsageError(
            f"plans: {len(args.plans)} plan is not allowed; expected a reference plan and at least one more"
        )
    require("ema_workbench", "cpsim-plans stress")  # the `explore` extra
    plans = [load_plan(spec) for spec in args.plans]
    scenario = scenario_dict(args.scenario, args.overrides)
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    try:
        out = check_name(args.out, "folder").absolute()
    except FileError as exc:
        raise UsageError(f"--out: {exc}") from None
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out: {show(out)!r} is a file; expected a folder")
    _check_writable(out, "--out")
    say_on_interrupt(f"finished runs are kept in {out}; to resume, run the same command again")
    from experiments.plans.stress import run_stress  # the stress test's imports (PRIM) only when it runs
    from experiments.plans.stress_report import headline, write_stress

    test = run_stress(
        plans,
        scenario,
        args.scenario,
        args.futures,
        seeds,
        out,
        jobs=args.jobs,
        tolerance=args.tolerance,
        sampler_seed=args.sampler_seed,
        space=args.space,
        progress=not args.no_progress,
        cluster=_cluster(args),
    )
    write_stress(test, out)
    print("\n".join(line.replace("**", "") for line in headline(test)))
    print(
        f"\n{args.futures} futures x {len(plans)} plans x {len(seeds)} seeds in {test.meta['wall_seconds']:.0f} s; "
        f"report: {out}/report.html"
    )
    return 0


COMMANDS = {
    "list": cmd_list,
    "copy": cmd_copy,
    "check": cmd_check,
    "compare": cmd_compare,
    "optimize": cmd_optimize,
    "stress": cmd_stress,
}


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    try:
        with interruptible(PROG):
            code = COMMANDS[args.command](args)
    except (PlanError, ConfigError, UsageError, ForeignTarget, SweepBusy, MissingExtra) as exc:
        fail(PROG, str(exc))
    except OSError as exc:  # a full disk, a folder taken away while it ran
        print(one_line(f"{PROG}: error: cannot write {exc.filename or ''}: {why(exc)}"), file=sys.stderr)
        sys.exit(1)
    sys.exit(code)


if __name__ == "__main__":
    main()
