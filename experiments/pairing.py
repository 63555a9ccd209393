"""How much common random numbers buy: the pairing efficiency of a change, measured on a scenario.

For each seed s, a = an outcome of the scenario run with seed s, b = the same with the change; efficiency =
sd(b - a) / sqrt(var(a) + var(b)). 1 means pairing removes nothing (the runs share no luck), 0 that the
difference is exact. Two changes are measured by default (issue "One city at any size"): eight more local
posts, and an abrupt 2019 exit of the funder with no pickup, which ends the donor contracts.

    python -m experiments.pairing [--scenario makassar_pksai] [--seeds 10] [--outcome effective_coverage]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

from experiments.common.pool import run_many
from sim.compose import deep_merge, scenario_dict
from sim.run import run

CHANGES: dict[str, dict[str, Any]] = {
    "+8 local posts": {},  # filled from the scenario's own posts in `changes`
    "abrupt 2019 exit, no pickup": {
        "funding": {"withdrawal_shape": "abrupt", "withdrawal_start_year": 2019, "pickup_share": 0.0}
    },
}


def changes(base: dict[str, Any]) -> dict[str, dict[str, Any]]:
    local = base["staffing"]["workers"]["local"]
    return {**CHANGES, "+8 local posts": {"staffing": {"workers": {"local": local + 8}}}}


def _outcome(config: dict[str, Any], seed: int, outcome: str) -> float:
    return float(run(config, seed).summary[outcome])


def efficiency(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.std(b - a, ddof=1) / np.sqrt(np.var(a, ddof=1) + np.var(b, ddof=1)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m experiments.pairing", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default="makassar_pksai")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--outcome", default="effective_coverage")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    base = scenario_dict(args.scenario)
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    started = time.perf_counter()
    a = np.array(run_many(_outcome, [(base, s, args.outcome) for s in seeds], args.jobs))
    print(f"{args.scenario}, {args.outcome}, seeds {seeds[0]}-{seeds[-1]}: mean {a.mean():.4f}, sd {a.std(ddof=1):.4f}")
    for name, change in changes(base).items():
        config = deep_merge(base, change)
        b = np.array(run_many(_outcome, [(config, s, args.outcome) for s in seeds], args.jobs))
        d = b - a
        print(
            f"  {name:<28} effect {d.mean():+.4f} (sd of paired difference {d.std(ddof=1):.4f}); "
            f"pairing efficiency {efficiency(a, b):.2f}"
        )
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
