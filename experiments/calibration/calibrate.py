"""`cpsim-calibrate`: fit the parameters marked "calibrated" to the fitted targets by approximate Bayesian
computation (ABC) with rejection.

Method. For each scenario with calibrated parameters: draw `--samples` parameter sets from uniform priors
(Latin hypercube, seeded), run each on the same `--seeds` seeds (common random numbers, so samples differ by
their parameters and not by luck), and measure the distance between the model means and the published values,
in units of each target's tolerance half-width (root mean square over the fitted targets). The `--accept`
share of samples closest to the data is accepted. Each further round (`--rounds`) draws new samples from the
box the accepted ones span, a cheap stand-in for ABC-SMC (no importance weights, so the final set is a
shrunken-prior approximation of the posterior). The accepted set is reported as the posterior range and its
median is the point estimate. That estimate is then run on fresh seeds (never used in fitting nor among
`cpsim-validate`'s default seeds), and the fitted and the held-out targets are reported separately.

Why ABC rejection rather than Optuna: it needs no new dependency, it is embarrassingly parallel over the same
process pool as the validation, and it returns a set of acceptable parameters rather than one optimum, which
shows how well the targets pin each parameter down (the posterior ranges in the report). Its cost is that it
needs more runs than a sequential optimiser for a precise fit; with one to three parameters per scenario that
is affordable. The default budget runs in a few minutes on two cores.

    cpsim-calibrate                        # fit, write docs/calibration.{md,json}, update scenario files
    cpsim-calibrate --samples 8 --seeds 1 --no-write --out /tmp/cal
"""

from __future__ import annotations

import copy
import json
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import qmc

from experiments.calibration.provenance import scenario_leaves
from experiments.common.cli_args import (
    MAX_SEED,
    OneLineParser,
    fail,
    jobs_int,
    out_folder,
    positive_int,
    scenario_list,
)
from experiments.validation.observables import run_jobs
from experiments.validation.table import evaluate, targets_table
from experiments.validation.targets import TARGETS, Target
from scenarios.schema import CASE_TYPES, EMPLOYERS, Config
from scenarios.validate import ConfigError
from sim.compose import scenario_dict
from sim.outputs import atomic_file, package_versions

SCENARIO_DIR = Path(str(resources.files("scenarios") / "conf" / "scenario"))
FIT_SEED0 = 1000  # calibration seeds: 1000, 1001, ...
EVAL_SEED0 = 2000  # fresh seeds for the fitted estimate


@dataclass(frozen=True)
class Parameter:
    name: str
    lo: float
    hi: float
    paths: tuple[str, ...]  # config paths it sets
    scale_of_default: bool  # True: each path = schema default x value; False: each path = value
    target: str  # the fitted target that chiefly pins it down, named in the scenario files' comments
    integer: bool = False  # round the values (counts such as worker positions)

    def values(self, x: float) -> dict[str, float]:
        out = {p: default_of(p) * x if self.scale_of_default else x for p in self.paths}
        return {p: round(v) if self.integer else v for p, v in out.items()}

    def describe(self) -> str:
        return "scale of the schema defaults" if self.scale_of_default else "value"


@dataclass(frozen=True)
class Problem:
    scenario: str
    parameters: tuple[Parameter, ...]
    fitted: tuple[str, ...]  # target names within the scenario


def _per_type(group: str) -> tuple[str, ...]:
    return tuple(f"{group}.{t}" for t in CASE_TYPES)


PROBLEMS = (
    Problem(
        "makassar_pksai",
        (
            Parameter("hazard_scale", 0.5, 2.5, _per_type("harm.weekly_hazard_per_child"), True, "harm_cases_2019"),
            Parameter(
                "shock_magnitude", 0.0, 2.0, ("economy.shocks[0].magnitude",), False, "forced_work_ratio_2020_2019"
            ),
            Parameter(
                "agency_channel_scale", 0.1, 1.5, _per_type("detection.agency_channel_weekly"), True, "access_ratio"
            ),
            Parameter(
                "staffing_scale",
                1.0,
                4.0,
                tuple(f"staffing.workers.{e}" for e in EMPLOYERS),
                True,
                "service_delivery",
                integer=True,
            ),
        ),
        ("harm_cases_2019", "forced_work_ratio_2020_2019", "access_ratio", "service_delivery"),
    ),
    Problem(
        "tulungagung_ult_psai",
        (Parameter("hazard_scale", 0.01, 0.3, _per_type("harm.weekly_hazard_per_child"), True, "cases_2019"),),
        ("cases_2019",),
    ),
    Problem(
        "indonesia_ecpat",
        (
            Parameter(
                "ngo_identification_sexual",
                0.0005,
                0.03,
                ("detection.ngo_identification_weekly.sexual_exploitation",),
                False,
                "detected_share_sexual",
            ),
        ),
        ("detected_share_sexual",),
    ),
)


def default_of(path: str) -> float:
    node: Any = Config()
    for part in path.split("."):
        node = getattr(node, part)
    return float(node)


def set_path(data: dict[str, Any], path: str, value: float) -> dict[str, Any]:
    """A copy of the nested config dict with `path` (dots, list items as name[i]) set to `value`."""
    out = copy.deepcopy(data)
    keys: list[str | int] = [
        int(t[1:-1]) if t.startswith("[") else t
        for part in path.split(".")
        for t in re.findall(r"[^\[\]]+|\[\d+\]", part)
    ]
    node: Any = out
    for key in keys[:-1]:
        node = node[key] if isinstance(key, int) else node.setdefault(key, {})
    node[keys[-1]] = value
    return out


def latin_hypercube(n: int, bounds: Sequence[tuple[float, float]], rng: np.random.Generator) -> np.ndarray:
    """n points, each parameter's range cut in n strata with one point per stratum (scipy's sampler; scaled by
    hand rather than with `qmc.scale`, which refuses a range that later rounds have shrunk to one value)."""
    u = qmc.LatinHypercube(d=len(bounds), rng=rng).random(n)
    lo, hi = np.array(bounds, dtype=float).T
    return lo + u * (hi - lo)


def distance(means: Sequence[float], targets: Sequence[Target]) -> float:
    """Root mean square of (model mean - published) / tolerance half-width; inf if any mean is undefined."""
    z = [(m - t.value) / ((t.hi - t.lo) / 2) for m, t in zip(means, targets, strict=True)]
    return float(np.sqrt(np.mean(np.square(z)))) if all(np.isfinite(z)) else float("inf")


def accepted(distances: Sequence[float], share: float) -> np.ndarray:
    """Indices of the `share` of samples with the smallest distance (at least one), closest first."""
    k = max(1, int(round(share * len(distances))))
    return np.argsort(np.asarray(distances), kind="stable")[:k]


def configure(base: dict[str, Any], problem: Problem, point: Sequence[float]) -> dict[str, Any]:
    cfg = base
    for param, x in zip(problem.parameters, point, strict=True):
        for path, value in param.values(float(x)).items():
            cfg = set_path(cfg, path, value)
    return cfg


def calibrate(
    problem: Problem,
    samples: int,
    rounds: int,
    seeds: int,
    eval_seeds: int,
    accept: float,
    seed: int,
    processes: int,
) -> dict[str, Any]:
    rng = np.random.default_rng([seed, PROBLEMS.index(problem)])
    base = scenario_dict(problem.scenario)
    fitted = [next(t for t in TARGETS if t.id == f"{problem.scenario}.{n}") for n in problem.fitted]
    fit_seeds = list(range(FIT_SEED0, FIT_SEED0 + seeds))
    box = [(p.lo, p.hi) for p in problem.parameters]
    points = np.empty((0, len(box)))
    dists: list[float] = []
    for _ in range(rounds):
        new = latin_hypercube(samples, box, rng)
        jobs = [(problem.scenario, configure(base, problem, pt), s) for pt in new for s in fit_seeds]
        obs = run_jobs(jobs, processes)
        for i in range(samples):
            rows = evaluate(fitted, {problem.scenario: obs[i * seeds : (i + 1) * seeds]})
            dists.append(distance([r.result.mean for r in rows], fitted))
        points = np.vstack([points, new])
        keep = accepted(dists, accept)
        box = list(zip(points[keep].min(axis=0), points[keep].max(axis=0), strict=True))  # next round's prior
    posterior = points[keep]
    estimate = np.median(posterior, axis=0)

    own = [t for t in TARGETS if t.scenarios == (problem.scenario,)]
    eval_s = list(range(EVAL_SEED0, EVAL_SEED0 + eval_seeds))
    final = configure(base, problem, estimate)
    eval_obs = run_jobs([(problem.scenario, final, s) for s in eval_s], processes)
    rows = evaluate(own, {problem.scenario: eval_obs})
    return {
        "scenario": problem.scenario,
        "parameters": [
            {
                "name": p.name,
                "meaning": p.describe(),
                "paths": list(p.paths),
                "prior": [p.lo, p.hi],
                "estimate": float(estimate[j]),
                "posterior_range": [float(posterior[:, j].min()), float(posterior[:, j].max())],
                "best_sample": float(points[keep[0], j]),
                "target": p.target,
            }
            for j, p in enumerate(problem.parameters)
        ],
        "fitted_targets": [t.id for t in fitted],
        "distance_best": float(dists[keep[0]]),
        "distance_accepted_max": float(dists[keep[-1]]),
        "samples": samples * rounds,
        "accepted": len(keep),
        "fit_seeds": fit_seeds,
        "eval_seeds": eval_s,
        "rows": rows,
        "values": {
            path: v for p, x in zip(problem.parameters, estimate, strict=True) for path, v in p.values(float(x)).items()
        },
    }


def write_scenarios(results: Sequence[dict[str, Any]]) -> list[str]:
    """Put the estimates into every scenario line marked `calibrated:` with the same path and target."""
    changed = []
    for path in sorted(SCENARIO_DIR.glob("*.yaml")):
        lines = path.read_text().splitlines(keepends=True)
        for leaf in scenario_leaves("".join(lines)):
            if not leaf.comment.startswith("calibrated:"):
                continue
            for res in results:
                for param in res["parameters"]:
                    target = f"{res['scenario']}.{param['target']}"
                    if leaf.path not in param["paths"] or target not in leaf.comment:
                        continue
                    where = "" if path.stem == res["scenario"] else f"fitted on {res['scenario']}; "
                    comment = (
                        f"calibrated: {target} ({where}{param['name']} {param['estimate']:.3g}, "
                        f"prior {param['prior'][0]:g}-{param['prior'][1]:g}; docs/calibration.md)"
                    )
                    lines[leaf.lineno - 1] = _replace_value(lines[leaf.lineno - 1], res["values"][leaf.path], comment)
                    changed.append(f"{path.name}:{leaf.lineno} {leaf.path}")
        with atomic_file(path) as tmp:
            tmp.write_text("".join(lines))
    return changed


def _replace_value(line: str, value: float, comment: str) -> str:
    m = re.match(r"^(\s*(?:- )?\w+:\s*)", line)
    if isinstance(value, int):
        text = str(value)
    else:
        text = np.format_float_positional(value, precision=4, unique=False, fractional=False, trim="-")
    return f"{m[1]}{text}  # {comment}\n"


def render(results: Sequence[dict[str, Any]], command: str, elapsed: float, args: Any) -> str:
    parts = [
        "# Calibration: ABC rejection on the calibrated parameters\n",
        f"<!-- Generated by `{command}`. Do not edit by hand: rerun the command. -->\n",
        f"Generated by `{command}` in {elapsed:.0f} s ({args.processes} processes): per scenario "
        f"{args.rounds} round(s) of {args.samples} Latin-hypercube samples x {args.seeds} common seeds, the first "
        "from uniform priors, each later one from the box spanned by the samples accepted so far; the "
        f"{args.accept:.0%} closest of all samples form the ABC posterior and its median is the estimate, run on "
        f"{args.eval_seeds} fresh seeds. Distance = RMS over fitted targets of (model mean - published) / "
        "tolerance half-width. Method and its rationale: `experiments/calibration/calibrate.py`.\n",
    ]
    for res in results:
        parts.append(f"## {res['scenario']}\n")
        parts.append("| parameter | meaning | prior | ABC posterior range | estimate (median) |")
        parts.append("|---|---|---|---|---|")
        for p in res["parameters"]:
            lo, hi = p["posterior_range"]
            parts.append(
                f"| `{p['name']}` | {p['meaning']} | {p['prior'][0]:g}-{p['prior'][1]:g} | {lo:.3g}-{hi:.3g} | "
                f"{p['estimate']:.3g} |"
            )
        parts.append(
            f"\n{res['accepted']} of {res['samples']} samples accepted; distance of the best "
            f"{res['distance_best']:.2f}, of the last accepted {res['distance_accepted_max']:.2f}.\n"
        )
        rows = res["rows"]
        fitted = [r for r in rows if r.target.role == "fitted"]
        held = [r for r in rows if r.target.role != "fitted"]
        parts.append(f"**Fitted targets** at the estimate (seeds {res['eval_seeds'][0]}-{res['eval_seeds'][-1]}):\n")
        parts.append(targets_table(fitted) + "\n")
        if held:
            parts.append("**Held-out and input targets** at the estimate (not used in fitting):\n")
            parts.append(targets_table(held) + "\n")
    return "\n".join(parts)


def parse_args(argv: Sequence[str] | None) -> Any:
    p = OneLineParser(prog="cpsim-calibrate", description=__doc__.splitlines()[0])
    p.add_argument("--samples", type=positive_int, default=20, help="samples per round and scenario (default 20)")
    p.add_argument("--rounds", type=positive_int, default=2, help="rounds; each samples the last one's accepted box")
    p.add_argument("--seeds", type=positive_int, default=2, help="seeds per sample (default 2)")
    p.add_argument("--eval-seeds", type=positive_int, default=10, help="fresh seeds for the estimate (default 10)")
    p.add_argument("--accept", type=float, default=0.2, help="share of samples accepted (default 0.2)")
    p.add_argument("--seed", type=int, default=12345, help="seed of the prior sampling (default 12345)")
    p.add_argument("--scenarios", type=scenario_list, default=None, help="only these (comma-separated)")
    p.add_argument("--processes", type=jobs_int, default=2, help="worker processes (default 2)")
    p.add_argument("--out", type=out_folder, default=Path("docs"), help="folder for calibration.md / .json")
    p.add_argument("--no-write", action="store_true", help="do not update the scenario files")
    args = p.parse_args(argv)
    if not 0 < args.accept <= 1:
        p.error(f"argument --accept: {args.accept} is not allowed; expected a number in (0, 1]")
    if not 0 <= args.seed <= MAX_SEED:
        p.error(f"argument --seed: {args.seed} is not allowed; expected an integer >= 0, at most {MAX_SEED}")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    problems = [p for p in PROBLEMS if args.scenarios is None or p.scenario in args.scenarios]
    if not problems:
        expected = ", ".join(p.scenario for p in PROBLEMS)
        fail("cpsim-calibrate", f"--scenarios: none of these has calibrated parameters; expected one of {expected}")
    command = "cpsim-calibrate " + " ".join(sys.argv[1:] if argv is None else argv)
    started = time.perf_counter()
    try:
        results = [
            calibrate(p, args.samples, args.rounds, args.seeds, args.eval_seeds, args.accept, args.seed, args.processes)
            for p in problems
        ]
    except ConfigError as exc:
        fail("cpsim-calibrate", str(exc))
    elapsed = time.perf_counter() - started
    args.out.mkdir(parents=True, exist_ok=True)
    data = {
        "command": command.strip(),
        "wall_seconds": round(elapsed, 1),
        "versions": package_versions(),
        "scenarios": [{k: v for k, v in r.items() if k != "rows"} for r in results],
    }
    for name, text in (
        ("calibration.json", json.dumps(data, indent=2)),
        ("calibration.md", render(results, command.strip(), elapsed, args)),
    ):
        with atomic_file(args.out / name) as tmp:
            tmp.write_text(text)
    changed = [] if args.no_write else write_scenarios(results)
    print(render(results, command.strip(), elapsed, args))
    print(
        f"calibration in {elapsed:.0f} s; {len(changed)} scenario lines updated; "
        f"report in {args.out / 'calibration.md'}"
    )


if __name__ == "__main__":
    main()
