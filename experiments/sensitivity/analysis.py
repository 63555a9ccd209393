"""`cpsim-sensitivity`: which parameters drive the children served and prevention (harm incidence)?

Morris elementary effects screen every lever and every "assumed" parameter (`space`); Sobol
indices (first order S1, total ST) are then estimated for the shortlist, the top `--top` factors by Morris
mu* for each output, with every other factor at its default. Each sample is the mean of `--seeds` runs on the
same seeds for every sample (common random numbers), so differences between samples come from the parameters
and one run's luck weighs less. Sobol indices come with their 95% intervals, and a warning says when the base
sample is too small for them (`sobol_warnings`). Writes morris.csv, sobol.csv, ranking.md, tornado.png and
sensitivity.json (settings, versions, warnings) into --out.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from experiments.common.cli_args import OneLineParser, jobs_int, out_folder, positive_int, seed_int
from experiments.common.pool import run_many
from experiments.sensitivity.space import Factor, apply, assumed_factors, lever_factors, problem
from scenarios.validate import config_from_dict
from sim.interrupt import interruptible
from sim.outcomes import OUTCOMES
from sim.outputs import atomic_file, package_versions
from sim.ownership import ForeignTarget, check_owned, open_folder
from sim.run import run

OUTPUTS = ("effective_coverage", "incidence_per_1000_child_years")  # the default --outputs (sim/outcomes.py)
SCALES = {  # "small" is the test city (about 0.2 s a run); "makassar" the full default (about 1.2 s)
    "small": {
        "population": {"n_children": 20_000},
        "run": {"end_year": 2020},
        "funding": {"withdrawal_start_year": 2017},
    },
    "makassar": {},
}
Model = Callable[[np.ndarray], np.ndarray]  # samples (n, d) -> outputs (n, k)


def outcome_list(text: str) -> tuple[str, ...]:
    """`--outputs effective_coverage,incidence_per_1000_child_years`: outcomes a run's summary gives as numbers."""
    keys = tuple(k.strip() for k in text.split(",") if k.strip())
    numeric = [o.key for o in OUTCOMES.values() if o.unit]
    for key in keys or ("",):
        if key not in numeric:
            raise argparse.ArgumentTypeError(f"{key!r} is not an outcome; expected outcomes of sim/outcomes.py")
    return keys


def morris_screen(prob: dict, model: Model, outputs: tuple[str, ...], trajectories: int, seed: int) -> pd.DataFrame:
    """Morris mu*, sigma and mu* confidence for every factor and output (long table, ranked by mu*)."""
    x = morris_sample.sample(prob, trajectories, num_levels=4, seed=seed)
    y = model(x)
    results = [morris_analyze.analyze(prob, x, y[:, k], num_levels=4, seed=seed) for k in range(len(outputs))]
    return _ranked(prob, outputs, results, ("mu_star", "sigma", "mu_star_conf"), by="mu_star")


def sobol_indices(prob: dict, model: Model, outputs: tuple[str, ...], n: int, seed: int) -> pd.DataFrame:
    """Sobol S1 and ST with 95% confidence half-widths for every factor and output (long table, ranked by ST)."""
    x = sobol_sample.sample(prob, n, calc_second_order=False, seed=seed)
    y = model(x)
    # SALib seeds its bootstrap only for a truthy seed (`if seed:`): seed 0 would give other intervals each time
    boot = seed + 1
    results = [sobol_analyze.analyze(prob, y[:, k], calc_second_order=False, seed=boot) for k in range(len(outputs))]
    return _ranked(prob, outputs, results, ("S1", "S1_conf", "ST", "ST_conf"), by="ST")


def _ranked(prob: dict, outputs: tuple[str, ...], results: list, keys: tuple[str, ...], by: str) -> pd.DataFrame:
    frames = [
        pd.DataFrame({"output": out, "factor": prob["names"], **{k: res[k] for k in keys}})
        for out, res in zip(outputs, results, strict=True)
    ]
    table = pd.concat(frames, ignore_index=True)
    table["rank"] = table.groupby("output")[by].rank(ascending=False, method="first").astype(int)
    return table.sort_values(["output", "rank"], ignore_index=True)


def shortlist(morris: pd.DataFrame, top: int) -> list[str]:
    """The union of each output's `top` factors by mu*, in rank order."""
    names = morris[morris["rank"] <= top].sort_values(["rank", "output"])["factor"]
    return list(dict.fromkeys(names))


def _simulate(
    row: np.ndarray, base: dict, factors: list[Factor], seeds: list[int], outputs: tuple[str, ...]
) -> list[float]:
    """One sample: each output's mean over the seeds (NaN runs left out)."""
    config = config_from_dict(apply(base, factors, row))
    values = np.array([[float(run(config, seed).summary[o]) for o in outputs] for seed in seeds])
    with np.errstate(all="ignore"):
        return [float(v) if np.isfinite(v) else math.nan for v in np.nanmean(values, axis=0)] if len(values) else []


def model_function(
    base: dict, factors: list[Factor], seeds: list[int], jobs: int, outputs: tuple[str, ...] = OUTPUTS
) -> Model:
    """The simulator as y = f(x): per sample row, the mean of one run per seed, in `jobs` processes."""

    def evaluate(x: np.ndarray) -> np.ndarray:
        return np.array(run_many(_simulate, [(row, base, factors, seeds, outputs) for row in x], jobs))

    return evaluate


SOBOL_N_ENOUGH = 512  # base samples below which Sobol indices are screening-grade (Saltelli et al. 2010)
SOBOL_CONF_TOO_WIDE = 0.1  # a 95% half-width above this cannot tell the indices apart


def sobol_warnings(sobol: pd.DataFrame, n: int) -> list[str]:
    """What makes these Sobol indices unsure, in words: a small base sample, indices outside [0, 1], wide
    intervals. Empty when none applies."""
    found = []
    k = sobol.factor.nunique()
    if n < SOBOL_N_ENOUGH:
        found.append(
            f"Sobol base sample N={n} for {k} factors ({n * (k + 2)} samples): below {SOBOL_N_ENOUGH}, the indices "
            f"are screening-grade; use --sobol-n {SOBOL_N_ENOUGH} or more before reading them as shares of variance"
        )
    outside = sobol[(sobol[["S1", "ST"]] < -0.05).any(axis=1) | (sobol[["S1", "ST"]] > 1.05).any(axis=1)]
    for _, r in outside.iterrows():
        found.append(
            f"{r.factor} on {r.output}: S1 {r.S1:.2f}, ST {r.ST:.2f} lie outside [0, 1], which a share of "
            "variance cannot: N is too small (or the output barely varies)"
        )
    wide = sobol[sobol[["S1_conf", "ST_conf"]].max(axis=1) > SOBOL_CONF_TOO_WIDE]
    if len(wide):
        worst = wide.loc[wide.ST_conf.idxmax()]
        found.append(
            f"{len(wide)} of {len(sobol)} indices have a 95% interval wider than ±{SOBOL_CONF_TOO_WIDE} "
            f"(widest: ST of {worst.factor} on {worst.output}, ±{worst.ST_conf:.2f}): their order is not reliable"
        )
    return found


def analyse(
    base: dict,
    trajectories: int,
    sobol_n: int,
    top: int,
    seed: int,
    jobs: int,
    outputs: tuple[str, ...] = OUTPUTS,
    seeds: int = 3,
) -> dict[str, Any]:
    """Morris on levers + assumed parameters, then Sobol on the shortlist (other factors at defaults); every
    sample the mean of `seeds` runs (seed, seed+1, ...)."""
    runs = [seed + i for i in range(seeds)]
    cfg = config_from_dict(base)
    base = dataclasses.asdict(cfg)
    levers = lever_factors(cfg)
    factors = levers + assumed_factors(cfg, exclude={f.name for f in levers})
    screen = model_function(base, factors, runs, jobs, outputs)
    morris = morris_screen(problem(factors), screen, outputs, trajectories, seed)
    chosen = [f for name in shortlist(morris, top) for f in factors if f.name == name]
    sobol = sobol_indices(problem(chosen), model_function(base, chosen, runs, jobs, outputs), outputs, sobol_n, seed)
    groups = {f.name: f.group for f in factors}
    for table in (morris, sobol):
        table.insert(2, "group", table["factor"].map(groups))
    return {"factors": factors, "morris": morris, "sobol": sobol, "warnings": sobol_warnings(sobol, sobol_n)}


def ranking_markdown(morris: pd.DataFrame, sobol: pd.DataFrame, top: int, warnings: list[str] | None = None) -> str:
    lines = ["# Sensitivity ranking", ""]
    if warnings:
        lines += ["**How sure:** " + " ".join(f"{w}." for w in warnings), ""]
    for out in dict.fromkeys(morris.output):
        lines += [f"## {OUTCOMES[out].axis_label if out in OUTCOMES else out}", ""]
        lines += ["| rank | factor | group | Sobol ST [95%] | Sobol S1 [95%] | Morris mu* |"]
        lines += ["|---|---|---|---|---|---|"]
        mu = morris[morris.output == out].set_index("factor")["mu_star"]
        for _, r in sobol[sobol.output == out].iterrows():
            lines.append(
                f"| {r['rank']} | {r.factor} | {r.group} | {r.ST:.3f} [±{r.ST_conf:.3f}] | "
                f"{r.S1:.3f} [±{r.S1_conf:.3f}] | {mu[r.factor]:.4g} |"
            )
        lines += ["", f"Morris screening, top {top} of {mu.size}:", ""]
        lines += [
            f"{i + 1}. {name} (mu* {v:.4g})"
            for i, (name, v) in enumerate(mu.sort_values(ascending=False)[:top].items())
        ]
        lines.append("")
    return "\n".join(lines)


OUT_FILES = ("morris.csv", "sobol.csv", "ranking.md", "tornado.png", "tornado.svg", "sensitivity.json")


def main(argv: list[str] | None = None) -> None:
    with interruptible("cpsim-sensitivity"):  # Ctrl-C or SIGTERM: one line, exit 130 or 143
        _main(argv)


def _main(argv: list[str] | None = None) -> None:
    parser = OneLineParser(prog="cpsim-sensitivity", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=out_folder, default=Path("sensitivity"), help="output directory")
    parser.add_argument("--scale", choices=sorted(SCALES), default="small", help="city size and horizon")
    parser.add_argument(
        "--trajectories", type=positive_int, default=4, help="Morris trajectories (samples: r x (factors+1))"
    )
    parser.add_argument(
        "--sobol-n", type=positive_int, default=32, help="Sobol base sample, a power of 2 (samples: N x (k+2))"
    )
    parser.add_argument("--top", type=positive_int, default=4, help="factors per output passed from Morris to Sobol")
    parser.add_argument("--seed", type=seed_int, default=0, help="first model seed of every sample, and sampling seed")
    parser.add_argument("--seeds", type=positive_int, default=3, help="runs per sample, averaged (default 3)")
    parser.add_argument("--jobs", type=jobs_int, default=2, help="processes")
    parser.add_argument(
        "--outputs",
        type=outcome_list,
        default=OUTPUTS,
        help=f"outcomes to rank the factors by, comma-separated (default {','.join(OUTPUTS)}; sim/outcomes.py)",
    )
    args = parser.parse_args(argv)
    for name in ("trajectories", "sobol_n", "top", "jobs", "seeds"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')}: {getattr(args, name)} is not allowed; expected an integer >= 1")
    if args.sobol_n & (args.sobol_n - 1):
        parser.error(f"--sobol-n: {args.sobol_n} is not allowed; expected a power of 2")
    try:
        for name in OUT_FILES:  # before anything runs: nothing of the user's is replaced
            check_owned(args.out / name, "--out")
    except ForeignTarget as exc:
        parser.error(str(exc))
    started = time.perf_counter()
    result = analyse(
        SCALES[args.scale], args.trajectories, args.sobol_n, args.top, args.seed, args.jobs, args.outputs, args.seeds
    )
    for warning in result["warnings"]:
        print(f"cpsim-sensitivity: warning: {warning}", file=sys.stderr)
    from experiments.sensitivity.plot import tornado  # plotting libraries only now

    info = {
        "settings": {k: str(v) for k, v in vars(args).items()},
        "factors": [dataclasses.asdict(f) for f in result["factors"]],
        "warnings": result["warnings"],
        "wall_seconds": round(time.perf_counter() - started, 1),
        "versions": package_versions(),
    }
    ranking = ranking_markdown(result["morris"], result["sobol"], args.top, result["warnings"])
    writers = {
        "morris.csv": lambda path: result["morris"].to_csv(path, index=False),
        "sobol.csv": lambda path: result["sobol"].to_csv(path, index=False),
        "ranking.md": lambda path: path.write_text(ranking),
        "tornado.png": lambda path: tornado(result["morris"], result["sobol"], path, vector=False),
        "tornado.svg": lambda path: tornado(result["morris"], result["sobol"], path, vector=False),  # for print
        "sensitivity.json": lambda path: path.write_text(json.dumps(info, indent=2)),
    }
    open_folder(args.out)
    for name in OUT_FILES:
        with atomic_file(args.out / name) as tmp:
            writers[name](tmp)
    print(ranking)
    print(f"{info['wall_seconds']} s; tables and tornado.png in {args.out}/")


if __name__ == "__main__":
    main()
