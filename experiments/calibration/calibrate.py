"""`cpsim-calibrate`: fit the parameters marked "calibrated" to the fitted targets by ABC-SMC (pyabc).

Method. For each scenario with calibrated parameters, pyabc's ABC-SMC (sequential Monte Carlo approximate
Bayesian computation) starts from uniform priors and moves a population of parameter sets through generations
of shrinking tolerance epsilon. One evaluation runs the model on `--seeds` common seeds (the same for every
parameter set, so parameter sets differ by their parameters and not by luck) and measures the distance between
the model means and the published values: root mean square over the fitted targets of (model mean - published)
/ tolerance half-width. Epsilon follows the median of the last generation's distances but never goes below
`--epsilon` (default 1: on average within the published bands); the run stops at that floor, after
`--generations` generations or once `--max-sims` evaluations are spent. The final weighted population is the
posterior: the parameter sets consistent with the published bands. A target's band is its stated uncertainty,
so a wide band (an interview claim) leaves its parameter close to its prior, which the report says.

The whole calibration runs for each `--calibration-seed` (default two: 1 and 2); each seed draws its own
sampler randomness and its own common model seeds, so the two posteriors differ by Monte Carlo error and by
which model seeds were common, and their difference is reported per parameter. The estimate written to the
calibrated files is the weighted median of the two posteriors pooled. It is then run on fresh seeds (never
used in fitting nor among `cpsim-validate`'s default seeds), and a posterior predictive check simulates
parameter sets drawn from the pooled posterior on fresh seeds.

pyabc's parallel samplers reseed their worker processes from the operating system, so a rerun with the same
calibration seed is close but not bit-identical; the two-seed comparison measures exactly that spread.
Calibrated values are written to generated files, `scenarios/conf/calibrated/<scenario>.yaml`, which the
scenario files include through their Hydra defaults list; the hand-written scenario files are never rewritten.

    cpsim-calibrate                        # fit, write docs/calibration.{md,json} and the calibrated files
    cpsim-calibrate --population 8 --max-sims 16 --calibration-seed 1 --no-write --out /tmp/cal
"""

from __future__ import annotations

import copy
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from experiments.calibration.files import CALIBRATED_DIR, base_of, path_keys, write_calibrated
from experiments.calibration.report import render
from experiments.common.cli_args import MAX_SEED, OneLineParser, fail, jobs_int, out_folder, positive_int, scenario_list
from experiments.common.orphans import watch_parent
from experiments.validation.observables import run_jobs, simulate
from experiments.validation.table import evaluate
from experiments.validation.targets import TARGETS, Target
from scenarios.schema import CASE_TYPES
from scenarios.validate import ConfigError
from sim.compose import scenario_dict
from sim.interrupt import interruptible
from sim.outputs import atomic_file, package_versions
from sim.ownership import ForeignTarget, check_owned, open_folder

FIT_SEED0 = 10_000  # common model seeds of calibration seed k: 10_000 + 100 k, ...
EVAL_SEED0 = 2000  # fresh seeds for the estimate
PPC_SEED0 = 3000  # fresh seeds for the posterior predictive check


@dataclass(frozen=True)
class Parameter:
    name: str
    lo: float
    hi: float
    paths: tuple[str, ...]  # config paths it sets
    scales_base: bool  # True: each path = its base x value (base_of: the scenario's own value); False: = value
    target: str  # the fitted target that chiefly pins it down, named in the calibrated files' comments
    shared: tuple[str, ...] = ()  # other scenarios that take the fitted values (no data of their own)

    def values(self, x: float, scenario: str) -> dict[str, float]:
        """Each path's value at `x` for a parameter fitted on `scenario`."""
        return {p: base_of(p, scenario) * x if self.scales_base else x for p in self.paths}

    def describe(self) -> str:
        return "scale of the scenario's values" if self.scales_base else "value"


@dataclass(frozen=True)
class Problem:
    scenario: str
    parameters: tuple[Parameter, ...]
    fitted: tuple[str, ...]  # target names within the scenario
    fit_scale: float = 1.0  # population share simulated while fitting (the scale rule scales the city; counts too)
    counts: tuple[str, ...] = ()  # fitted targets that are counts (divided by fit_scale)
    fit_end_year: int | None = None  # stop fitting runs early when the fitted targets read no later year
    budget_factor: float = 1.0  # x --max-sims: a narrow band in a wide prior needs more generations


def _per_type(group: str) -> tuple[str, ...]:
    return tuple(f"{group}.{t}" for t in CASE_TYPES)


PROBLEMS = (
    Problem(
        "makassar_pksai",
        (
            Parameter("hazard_scale", 0.5, 2.5, _per_type("harm.weekly_hazard_per_child"), True, "harm_cases_2019"),
            Parameter(
                "shock_magnitude",
                0.0,
                2.0,
                ("economy.shocks[0].magnitude",),
                False,
                "forced_work_ratio_2020_2019",
                shared=("gowa_pksai", "indonesia_cpap"),
            ),
            Parameter(
                "agency_channel_scale", 0.1, 1.5, _per_type("detection.agency_channel_weekly"), True, "access_ratio"
            ),
        ),
        # staff counts are stated assumptions (scenario files), never fitted: the workforce is what plans change
        ("harm_cases_2019", "forced_work_ratio_2020_2019", "access_ratio"),
        fit_scale=0.5,
        counts=("harm_cases_2019",),
    ),
    Problem(
        "tulungagung_ult_psai",
        (Parameter("hazard_scale", 0.3, 3.0, _per_type("harm.weekly_hazard_per_child"), True, "cases_2019"),),
        ("cases_2019",),
        fit_scale=0.5,
        counts=("cases_2019",),
        fit_end_year=2020,
        budget_factor=3.0,  # a +-15% band in a 10-fold prior needs more generations than 200 evaluations
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


def set_path(data: dict[str, Any], path: str, value: float) -> dict[str, Any]:
    """A copy of the nested config dict with `path` (dots, list items as name[i]) set to `value`."""
    out = copy.deepcopy(data)
    keys = path_keys(path)
    node: Any = out
    for key in keys[:-1]:
        node = node[key] if isinstance(key, int) else node.setdefault(key, {})
    node[keys[-1]] = value
    return out


def distance(means: Sequence[float], targets: Sequence[Target]) -> float:
    """Root mean square of (model mean - published) / tolerance half-width; inf if any mean is undefined."""
    z = [(m - t.value) / ((t.hi - t.lo) / 2) for m, t in zip(means, targets, strict=True)]
    return float(np.sqrt(np.mean(np.square(z)))) if all(np.isfinite(z)) else float("inf")


def weighted_quantiles(x: Sequence[float], w: Sequence[float], qs: Sequence[float]) -> list[float]:
    """Quantiles of weighted points: the inverse of the weighted empirical distribution, with each point's
    weight centred on it (pyabc's rule), so equal weights give the usual interpolated quantiles."""
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    x, w = x[w > 0], w[w > 0]
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order] / w.sum()
    centres = np.cumsum(w) - 0.5 * w
    return [float(np.interp(q, centres, x)) for q in qs]


def effective_sample_size(w: Sequence[float]) -> float:
    """Kish's effective sample size of importance weights: (sum w)^2 / sum w^2."""
    w = np.asarray(w, dtype=float)
    return float(w.sum() ** 2 / np.square(w).sum())


def configure(base: dict[str, Any], problem: Problem, point: Sequence[float]) -> dict[str, Any]:
    cfg = base
    for param, x in zip(problem.parameters, point, strict=True):
        for path, value in param.values(float(x), problem.scenario).items():
            cfg = set_path(cfg, path, value)
    return cfg


def fitted_targets(problem: Problem) -> list[Target]:
    ids = {t.id: t for t in TARGETS}
    out = [ids[f"{problem.scenario}.{n}"] for n in problem.fitted]
    assert all(t.role == "fitted" for t in out), "a calibration problem may only use fitted targets"
    return out


def fitting_config(cfg: dict[str, Any], problem: Problem) -> dict[str, Any]:
    """The config a fitting run uses: the same city at `fit_scale` of its children (the scale rule,
    scenarios/scale.py, scales its staff, partner capacity and budgets alike, so caseloads and queues keep their
    size per child), stopped at `fit_end_year`. The estimate is always checked at full scale and horizon on
    fresh seeds."""
    out = copy.deepcopy(cfg)
    f = problem.fit_scale
    if f != 1.0:
        out["population"]["n_children"] = round(out["population"]["n_children"] * f)
    if problem.fit_end_year is not None:
        out["run"]["end_year"] = min(out["run"]["end_year"], problem.fit_end_year)
    return out


class Simulator:
    """pyabc's model: a parameter set -> the fitted targets' model means over the common seeds."""

    def __init__(self, problem: Problem, base: dict[str, Any], seeds: Sequence[int]) -> None:
        self.problem, self.base, self.seeds = problem, base, list(seeds)
        self.targets = fitted_targets(problem)
        self.command = os.getpid()  # pyabc's worker processes end with this one (experiments/common/orphans.py)

    def __call__(self, par: Mapping[str, float]) -> dict[str, float]:
        watch_parent(self.command)  # in a pyabc worker: once, then a no-op
        cfg = configure(self.base, self.problem, [par[p.name] for p in self.problem.parameters])
        cfg = fitting_config(cfg, self.problem)
        obs = [simulate(self.problem.scenario, cfg, s) for s in self.seeds]
        rows = evaluate(self.targets, {self.problem.scenario: obs})
        scale = {n: self.problem.fit_scale for n in self.problem.counts}
        return {r.target.name: r.result.mean / scale.get(r.target.name, 1.0) for r in rows}


def abc_smc(problem: Problem, args: Any, calibration_seed: int, history_dir: Path) -> dict[str, Any]:
    """One ABC-SMC run of a problem; the final population and the run's bookkeeping."""
    import pyabc  # imported here: the CLI's argument errors should not wait for it

    logging.getLogger("ABC").setLevel(logging.WARNING)
    logging.getLogger("pyabc").setLevel(logging.WARNING)
    np.random.seed([calibration_seed, PROBLEMS.index(problem)])  # pyabc draws from numpy's global state
    seeds = [FIT_SEED0 + 100 * calibration_seed + i for i in range(args.seeds)]
    targets = fitted_targets(problem)
    observed = {t.name: t.value for t in targets}

    def dist(x: Mapping[str, float], x0: Mapping[str, float]) -> float:
        return distance([x[t.name] for t in targets], targets)

    class FloorEpsilon(pyabc.QuantileEpsilon):
        """The median of the last distances, never below the floor (so the run ends at the floor)."""

        def __call__(self, t: int) -> float:
            return max(super().__call__(t), args.epsilon)

    prior = pyabc.Distribution(**{p.name: pyabc.RV("uniform", p.lo, p.hi - p.lo) for p in problem.parameters})
    abc = pyabc.ABCSMC(
        Simulator(problem, scenario_dict(problem.scenario), seeds),
        prior,
        dist,
        population_size=args.population,
        sampler=pyabc.sampler.MulticoreEvalParallelSampler(n_procs=args.processes),
        eps=FloorEpsilon(initial_epsilon=np.inf, alpha=0.5),
    )
    db = history_dir / f"{problem.scenario}_seed{calibration_seed}.db"
    reused = bool(args.reuse and db.exists())
    if reused:  # a finished run of an interrupted calibration: read its final population
        history = pyabc.History(f"sqlite:///{db}")
    else:
        db.unlink(missing_ok=True)
        abc.new(f"sqlite:///{db}", observed)
        history = abc.run(
            minimum_epsilon=args.epsilon,
            max_nr_populations=args.generations,
            max_total_nr_simulations=round(args.max_sims * problem.budget_factor),
        )
    frame, weights = history.get_distribution(m=0)
    pops = history.get_all_populations()
    pops = pops[pops.t >= 0]
    wall = float(pops.wall_time.sum())
    return {
        "calibration_seed": calibration_seed,
        "fit_seeds": seeds,
        "points": frame[[p.name for p in problem.parameters]].to_numpy(dtype=float),
        "weights": np.asarray(weights, dtype=float),
        "generations": int(len(pops)),
        "epsilons": [float(e) for e in pops.epsilon],
        "simulations": int(pops.samples.sum()),
        "final_acceptance": float(args.population / pops.samples.iloc[-1]),
        "wall_seconds": round(wall, 1),
        "max_sims": round(args.max_sims * problem.budget_factor),
        "reused": reused,
        "history": str(db),
    }


def summarize(problem: Problem, runs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per parameter: each run's median and 90% range, and the pooled estimate (runs weighted equally)."""
    pooled_x = np.vstack([r["points"] for r in runs])
    pooled_w = np.concatenate([r["weights"] / r["weights"].sum() for r in runs])
    out = []
    for j, p in enumerate(problem.parameters):
        per_run = [
            dict(
                zip(
                    ("q05", "median", "q95"),
                    weighted_quantiles(r["points"][:, j], r["weights"], (0.05, 0.5, 0.95)),
                    strict=True,
                )
            )
            for r in runs
        ]
        q05, med, q95 = weighted_quantiles(pooled_x[:, j], pooled_w, (0.05, 0.5, 0.95))
        width = q95 - q05
        out.append(
            {
                "name": p.name,
                "meaning": p.describe(),
                "paths": list(p.paths),
                "prior": [p.lo, p.hi],
                "target": p.target,
                "per_seed": per_run,
                "seed_difference": float(per_run[-1]["median"] - per_run[0]["median"]) if len(runs) > 1 else 0.0,
                "estimate": med,
                "range90": [q05, q95],
                "width_share_of_prior": float(width / (p.hi - p.lo)),
                "shared": list(p.shared),
            }
        )
    return out


def draw_posterior(runs: Sequence[dict[str, Any]], n: int, rng: np.random.Generator) -> np.ndarray:
    """n parameter sets resampled from the pooled weighted posterior."""
    x = np.vstack([r["points"] for r in runs])
    w = np.concatenate([r["weights"] / r["weights"].sum() for r in runs])
    return x[rng.choice(len(x), size=n, p=w / w.sum())]


def predictive_check(problem: Problem, runs: Sequence[dict[str, Any]], args: Any) -> list[dict[str, Any]]:
    """Fitted targets simulated from posterior draws, each on its own fresh seed: 90% predictive intervals."""
    draws = draw_posterior(runs, args.ppc_draws, np.random.default_rng([runs[0]["calibration_seed"], 7]))
    base = scenario_dict(problem.scenario)
    jobs = [(problem.scenario, configure(base, problem, pt), PPC_SEED0 + i) for i, pt in enumerate(draws)]
    obs = run_jobs(jobs, args.processes)
    out = []
    for t in fitted_targets(problem):
        values = np.array([t.metric({problem.scenario: o}) for o in obs], dtype=float)
        values = values[np.isfinite(values)]
        lo, hi = np.percentile(values, [5, 95]) if len(values) else (np.nan, np.nan)
        out.append(
            {
                "target": t.id,
                "published": t.published,
                "band": [t.lo, t.hi],
                "median": float(np.median(values)) if len(values) else float("nan"),
                "interval90": [float(lo), float(hi)],
                "share_within": float(np.mean((values >= t.lo) & (values <= t.hi))) if len(values) else 0.0,
            }
        )
    return out


def calibrate(problem: Problem, runs: Sequence[dict[str, Any]], args: Any) -> dict[str, Any]:
    """The posterior summary of a problem's ABC runs, its estimate at full scale on fresh seeds, and the
    posterior predictive check."""
    params = summarize(problem, runs)
    estimate = [p["estimate"] for p in params]
    own = [t for t in TARGETS if t.scenarios == (problem.scenario,)]
    eval_s = list(range(EVAL_SEED0, EVAL_SEED0 + args.eval_seeds))
    base = scenario_dict(problem.scenario)
    final = configure(base, problem, estimate)
    rows = evaluate(own, {problem.scenario: run_jobs([(problem.scenario, final, s) for s in eval_s], args.processes)})
    result: dict[str, Any] = {
        "scenario": problem.scenario,
        "parameters": params,
        "fitted_targets": [t.id for t in fitted_targets(problem)],
        "runs": [
            {k: v for k, v in r.items() if k not in ("points", "weights")}
            | {"ess": effective_sample_size(r["weights"])}
            for r in runs
        ],
        "eval_seeds": eval_s,
        "rows": rows,
        "ppc": predictive_check(problem, runs, args),
        "values": {
            path: v
            for p, x in zip(problem.parameters, estimate, strict=True)
            for path, v in p.values(x, problem.scenario).items()
        },
    }
    return result


def parse_args(argv: Sequence[str] | None) -> Any:
    p = OneLineParser(prog="cpsim-calibrate", description=__doc__.splitlines()[0])
    p.add_argument("--population", type=positive_int, default=200, help="particles per generation (default 200)")
    p.add_argument("--generations", type=positive_int, default=8, help="most generations per run (default 8)")
    p.add_argument("--max-sims", type=positive_int, default=1000, help="most evaluations per run (default 1000)")
    p.add_argument("--epsilon", type=float, default=1.0, help="final tolerance, in half-widths (default 1)")
    p.add_argument("--seeds", type=positive_int, default=1, help="common model seeds per evaluation (default 1)")
    p.add_argument(
        "--calibration-seed", type=int, action="append", help="seed of one whole calibration; repeat (default 1, 2)"
    )
    p.add_argument("--eval-seeds", type=positive_int, default=10, help="fresh seeds for the estimate (default 10)")
    p.add_argument("--ppc-draws", type=positive_int, default=20, help="posterior predictive draws (default 20)")
    p.add_argument("--scenarios", type=scenario_list, default=None, help="only these (comma-separated)")
    p.add_argument("--processes", type=jobs_int, default=2, help="worker processes (default 2)")
    p.add_argument("--out", type=out_folder, default=Path("docs"), help="folder for calibration.md / .json")
    p.add_argument("--history", type=Path, default=None, help="folder for pyabc's SQLite histories (default: temp)")
    p.add_argument("--no-write", action="store_true", help="do not write the calibrated files")
    p.add_argument("--reuse", action="store_true", help="read runs already in --history instead of sampling")
    args = p.parse_args(argv)
    if not 0 <= args.epsilon < 100:
        p.error(f"argument --epsilon: {args.epsilon} is not allowed; expected a number in [0, 100)")
    args.calibration_seed = args.calibration_seed or [1, 2]
    if any(not 0 <= s <= MAX_SEED for s in args.calibration_seed) or len(set(args.calibration_seed)) < len(
        args.calibration_seed
    ):
        p.error(f"argument --calibration-seed: {args.calibration_seed} is not allowed; expected distinct integers >= 0")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    with interruptible("cpsim-calibrate"):  # Ctrl-C or SIGTERM: one line, exit 130 or 143
        _main(argv)


def _main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    problems = [p for p in PROBLEMS if args.scenarios is None or p.scenario in args.scenarios]
    if not problems:
        expected = ", ".join(p.scenario for p in PROBLEMS)
        fail("cpsim-calibrate", f"--scenarios: none of these has calibrated parameters; expected one of {expected}")
    targets = [args.out / "calibration.json", args.out / "calibration.md"]
    targets += [] if args.no_write else [CALIBRATED_DIR / f"{p.scenario}.yaml" for p in problems]
    try:  # before anything runs: nothing of the user's is replaced
        for target in targets:
            check_owned(target, "--out" if target.parent == args.out else "calibrated file")
    except ForeignTarget as exc:
        fail("cpsim-calibrate", str(exc))
    command = ("cpsim-calibrate " + " ".join(sys.argv[1:] if argv is None else argv)).strip()
    history_dir = args.history or Path(tempfile.mkdtemp(prefix="cpsim-calibrate-"))
    history_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        # every ABC run first: pyabc forks its workers, best done before any process pool has started threads
        runs = [[abc_smc(p, args, s, history_dir) for s in args.calibration_seed] for p in problems]
        results = [calibrate(p, r, args) for p, r in zip(problems, runs, strict=True)]
    except ConfigError as exc:
        fail("cpsim-calibrate", str(exc))
    elapsed = time.perf_counter() - started
    open_folder(args.out)
    data = {
        "command": command,
        "wall_seconds": round(elapsed, 1),
        "versions": package_versions(),
        "settings": {k: v for k, v in vars(args).items() if k not in ("out", "history", "scenarios", "no_write")},
        "scenarios": [{k: v for k, v in r.items() if k != "rows"} for r in results],
    }
    text = render(results, command, elapsed, args)
    with atomic_file(args.out / "calibration.json") as tmp:
        tmp.write_text(json.dumps(data, indent=2))
    with atomic_file(args.out / "calibration.md") as tmp:
        tmp.write_text(text)
    written = [] if args.no_write else write_calibrated(results, PROBLEMS, command)
    print(text)
    print(
        f"calibration in {elapsed:.0f} s; {len(written)} calibrated files written; report in "
        f"{args.out / 'calibration.md'}; pyabc histories in {history_dir}"
    )


if __name__ == "__main__":
    main()
