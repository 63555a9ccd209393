"""Speed and memory of a full-scale run, against an idiomatic per-agent Mesa loop over the same families.

    python -m experiments.benchmark            # the default scenario at Makassar scale (~138,000 children, 10 years)
    python -m experiments.benchmark --scaling  # also time 1/4, 1/2 and full scale: cost should grow linearly

Prints wall time, family-weeks per second, peak memory (max RSS of this process) and the speed-up over a
per-agent `step()` loop in which every family draws its weekly harm itself (timed over a few weeks and
expressed per family-week). Runs on one core: nothing here is multi-threaded. Targets (issue 2): <= 5 s,
<= 1 GB, >= 20x the per-agent loop.
"""

from __future__ import annotations

import argparse
import resource
import time

import mesa

from scenarios.schema import HARM_TYPES
from scenarios.validate import config_from_dict
from sim.cli import DEFAULT_SCENARIO
from sim.compose import scenario_dict
from sim.model import CPModel
from sim.run import collect


class LoopFamily(mesa.Agent):
    """The idiomatic way: each family is an agent whose step() draws its own harm and detection."""

    def __init__(self, model: mesa.Model, children: int, hazard: float) -> None:
        super().__init__(model)
        self.children = children
        self.hazard = hazard
        self.in_harm = False
        self.known = False
        self.awareness = 0.2

    def step(self) -> None:
        self.awareness += 0.004 * (1 - self.awareness) - 0.002 * (self.awareness - 0.2)
        if not self.in_harm:
            if self.random.random() < self.hazard * self.children * (1 - 0.3 * self.awareness):
                self.in_harm = True
        elif not self.known and self.random.random() < 0.01 + 0.01 * self.awareness:
            self.known = True
            self.model.detected += 1


class LoopModel(mesa.Model):
    def __init__(self, n_families: int, seed: int = 0) -> None:
        super().__init__(rng=seed)
        self.detected = 0
        kids = 1 + self.rng.poisson(1.3, n_families)
        for k in kids:
            LoopFamily(self, int(k), 1e-4)

    def step(self) -> None:
        self.agents.shuffle_do("step")


def time_model(n_children: int, seed: int = 0) -> tuple[float, float, int, int]:
    """Build + run + collect one full run. Returns (build s, run s, families, weeks)."""
    cfg = config_from_dict(scenario_dict(DEFAULT_SCENARIO, {"population": {"n_children": n_children}}))
    t0 = time.perf_counter()
    model = CPModel(config=cfg, rng=seed)
    t1 = time.perf_counter()
    for _ in range(model.n_weeks):
        model.step()
    collect(model)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, model.families.n, model.n_weeks


def time_loop(n_families: int, weeks: int) -> float:
    """Family-weeks per second of the per-agent loop (agent creation not counted)."""
    model = LoopModel(n_families)
    t0 = time.perf_counter()
    for _ in range(weeks):
        model.step()
    return n_families * weeks / (time.perf_counter() - t0)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--children", type=int, default=137_932, help="population size (default: Makassar)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of the model (best is reported)")
    parser.add_argument("--loop-weeks", type=int, default=5, help="weeks to time the per-agent loop over")
    parser.add_argument("--scaling", action="store_true", help="also time 1/4 and 1/2 of the population")
    args = parser.parse_args()
    if args.children < 1 or args.repeats < 1 or args.loop_weeks < 1:
        parser.error("--children, --repeats and --loop-weeks must be positive")

    runs = [time_model(args.children, seed) for seed in range(args.repeats)]
    build, wall, families, weeks = min(runs, key=lambda r: r[0] + r[1])
    total = build + wall
    rss_model = peak_rss_mb()
    fw_per_s = families * weeks / total
    loop_fw_per_s = time_loop(families, args.loop_weeks)

    print(
        f"cpsim benchmark: scenario {DEFAULT_SCENARIO} (what `cpsim` runs), {args.children:,} children = "
        f"{families:,} families x {weeks} weeks ({len(HARM_TYPES)} harms)"
    )
    print(
        f"  wall time, best of {args.repeats}   {total:8.2f} s   (build {build:.2f} s + run {wall:.2f} s)"
        "  target <= 5 s"
    )
    print(f"  all runs                {', '.join(f'{b + w:.2f}' for b, w, _, _ in runs)} s")
    print(f"  family-weeks per second {fw_per_s:12,.0f}")
    print(f"  peak memory (max RSS)   {rss_model:8.0f} MB   target <= 1024 MB")
    print(f"  per-agent Mesa loop     {loop_fw_per_s:12,.0f} family-weeks/s  (timed over {args.loop_weeks} weeks)")
    print(f"    -> a full run that way would take ~{families * weeks / loop_fw_per_s:,.0f} s")
    print(f"  speed-up                {fw_per_s / loop_fw_per_s:8.1f} x   target >= 20 x")
    if args.scaling:
        print("  scaling (children -> run seconds, seconds per million family-weeks):")
        for frac in (0.25, 0.5, 1.0):
            b, w, fam, wk = time_model(int(args.children * frac))
            print(f"    {int(args.children * frac):>9,} -> {b + w:6.2f} s   {1e6 * (b + w) / (fam * wk):.3f}")


if __name__ == "__main__":
    main()
