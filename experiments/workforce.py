"""The workforce numbers of issue "The workforce binds", printed by one command.

    python -m experiments.workforce                       # every scenario at its own size, 10 seeds, 2 processes
    python -m experiments.workforce --quick               # 2 seeds: a check that it runs, not numbers to quote
    python -m experiments.workforce --seeds 20 --scenarios makassar_pksai,gowa_pksai --processes 2

It prints three Markdown tables:

1. per scenario, at its own full size (`population.n_children` as the scenario sets it): posts and workers in
   post, the mean caseload per worker (next to the child-welfare caseload standard), the mean waiting list, the
   median weeks to resolution and from harm to a first service, effective and contact coverage: means over the
   seeds with their 90% t intervals;
2. Makassar (`makassar_pksai`) at full size on paired seeds: every employer's posts x0.5 and x1.5 (the posts
   as run, rounded by the scale rule's largest remainder, an employer with posts keeping at least one), better
   training (a yearly classroom refresher and mentoring on the job) and no training, each as the paired
   difference against the scenario as written, with its 90% interval;
3. the staff posts of each scenario by employer, as the scenario file writes them and as run (scaled to the
   city's children by scenarios/scale.py), with the provenance comment of the file (or the schema's source).

Everything goes through `experiments.multirun.MultiRun` (the planner's loop), so the numbers are those of
`cpsim-plans compare` on the same configs and seeds, whatever the number of processes. Bad options: one line
on stderr and exit status 2.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import sys
import time
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from experiments.calibration.files import SCENARIO_DIR
from experiments.calibration.provenance import scenario_leaves
from experiments.common.cli_args import OneLineParser, fail, jobs_int, positive_int, scenario_list
from experiments.common.tables import markdown_table
from experiments.multirun import MultiRun, resolve
from experiments.validation.report import CASELOAD_STANDARD
from scenarios.scale import at_size, posts
from scenarios.schema import EMPLOYERS, Config, StaffingConfig
from scenarios.validate import ConfigError
from sim.interrupt import interruptible
from sim.outcomes import FORMATS, OUTCOMES, label
from sim.overrides import scenario_names

PROG = "python -m experiments.workforce"
CITY = "makassar_pksai"
BASELINE = "as written"
STAFF_FACTORS = (0.5, 1.5)
TRAINING_VARIANTS = {  # name -> training section over the scenario's own
    "better training": {"classroom": True, "refresher_every_weeks": 52, "mentoring": True},
    "no training": {"classroom": False, "mentoring": False},
}
SCENARIO_OUTCOMES = (
    "mean_workers",
    "mean_caseload",
    "mean_waiting",
    "median_weeks_to_resolution",
    "median_weeks_harm_to_service",
    "effective_coverage",
    "contact_coverage",
)
LEVER_OUTCOMES = (
    "effective_coverage",
    "contact_coverage",
    "mean_waiting",
    "mean_caseload",
    "children_found",
    "children_served",
    "resolution_rate",
)
WITH_INTERVAL = {"mean_caseload", "mean_waiting", "effective_coverage"}
DEFAULT_SEEDS = 10
QUICK_SEEDS = 2


# ---- configs ----


def total_posts(cfg: Config) -> int:
    return sum(getattr(cfg.staffing.workers, e) for e in EMPLOYERS)


def scenario_configs(names: Sequence[str], overrides: Mapping[str, Any] | None = None) -> dict[str, Config]:
    """Each scenario at its own size (the scale rule applied: posts as run)."""
    return {name: at_size(resolve(name, overrides)) for name in names}


def staff_times(cfg: Config, factor: float) -> Config:
    """`cfg` (at its own size) with every employer's posts times `factor`: the scaled total rounded, shared out
    by largest remainder, an employer with posts keeping at least one (scenarios/scale.py's rule)."""
    staffing = dataclasses.replace(cfg.staffing, workers=posts(cfg.staffing.workers, factor))
    return dataclasses.replace(cfg, staffing=staffing)


def lever_configs(city: str = CITY, overrides: Mapping[str, Any] | None = None) -> dict[str, Config]:
    """The city as written, its staff x0.5 and x1.5, and its training variants: all at the city's own size."""
    base = at_size(resolve(city, overrides))
    configs = {BASELINE: base}
    for factor in STAFF_FACTORS:
        configs[f"staff x{factor:g}"] = staff_times(base, factor)
    for name, training in TRAINING_VARIANTS.items():
        configs[name] = dataclasses.replace(base, training=dataclasses.replace(base.training, **training))
    return configs


# ---- formatting ----


def show(key: str, value: float) -> str:
    return OUTCOMES[key].format(value)


def show_interval(key: str, mean: float, low: float, high: float) -> str:
    if math.isnan(low):
        return show(key, mean)
    return f"{show(key, mean)} [{show(key, low)}, {show(key, high)}]"


def decimals(key: str) -> int:
    """The decimals of the outcome's own format (sim/outcomes.py); a share's difference: points, 2 decimals."""
    o = OUTCOMES[key]
    if o.unit == "share":
        return 2
    found = re.search(r"\.(\d)f", o.fmt or FORMATS[o.unit])
    return int(found[1]) if found else 2


def show_delta(key: str, value: float) -> str:
    """A difference in the outcome's units; a share's in percentage points."""
    if math.isnan(value):
        return "n/a"
    scale = 100 if OUTCOMES[key].unit == "share" else 1
    return f"{scale * value:+,.{decimals(key)}f}"


def show_delta_interval(key: str, delta: float, low: float, high: float) -> str:
    points = " pts" if OUTCOMES[key].unit == "share" else ""
    if math.isnan(low):
        return show_delta(key, delta) + points
    return f"{show_delta(key, delta)}{points} [{show_delta(key, low)}, {show_delta(key, high)}]"


# ---- the tables ----


def scenario_table(multi: MultiRun) -> tuple[pd.DataFrame, str]:
    """Per scenario: means over seeds (with intervals) of the workforce outcomes; (numbers, Markdown)."""
    reduced = multi.reduce(SCENARIO_OUTCOMES).set_index(["name", "outcome"])
    lo_std, hi_std = CASELOAD_STANDARD
    header = [
        "scenario",
        "children",
        "posts",
        *(label(k) for k in SCENARIO_OUTCOMES[:2]),
        "caseload standard",
        *(label(k) for k in SCENARIO_OUTCOMES[2:]),
    ]
    rows, numbers = [], []
    for name, cfg in multi.configs.items():
        cells = []
        record: dict[str, Any] = {"scenario": name, "children": cfg.population.n_children, "posts": total_posts(cfg)}
        for key in SCENARIO_OUTCOMES:
            r = reduced.loc[(name, key)]
            record[key] = r["mean"]
            cells.append(
                show_interval(key, r["mean"], r["low"], r["high"]) if key in WITH_INTERVAL else show(key, r["mean"])
            )
        numbers.append(record)
        rows.append(
            [name, f"{record['children']:,}", str(record["posts"]), *cells[:2], f"{lo_std}-{hi_std}", *cells[2:]]
        )
    return pd.DataFrame(numbers).set_index("scenario"), markdown_table(header, rows)


def lever_tables(multi: MultiRun) -> tuple[pd.DataFrame, str]:
    """The city's variants against the city as written on paired seeds: (the paired table, Markdown: the means,
    then the paired differences with their 90% intervals)."""
    paired = multi.compare(BASELINE, LEVER_OUTCOMES)
    table = paired.set_index(["name", "outcome"])
    means_rows, delta_rows = [], []
    for name, cfg in multi.configs.items():
        means_rows.append(
            [name, str(total_posts(cfg)), *(show(k, table.loc[(name, k), "value"]) for k in LEVER_OUTCOMES)]
        )
        if name != BASELINE:
            delta_rows.append(
                [
                    name,
                    *(
                        show_delta_interval(k, *table.loc[(name, k), ["delta", "delta_lo", "delta_hi"]])
                        for k in LEVER_OUTCOMES
                    ),
                ]
            )
    labels = [label(k) for k in LEVER_OUTCOMES]
    means = markdown_table(["variant", "posts", *labels], means_rows)
    deltas = markdown_table(["variant - as written", *labels], delta_rows)
    return paired, f"Means over the seeds:\n\n{means}\n\nPaired differences (same seeds), 90% interval:\n\n{deltas}"


def schema_source() -> str:
    """The schema's source for the staff counts (scenarios/schema.py)."""
    field = next(f for f in dataclasses.fields(StaffingConfig) if f.name == "workers")
    return str(field.metadata.get("source", ""))


def staffing_provenance(names: Sequence[str]) -> tuple[pd.DataFrame, str]:
    """Per scenario and employer: posts in the scenario file, posts as run (scaled to the city's children), and
    the file's provenance comment (the schema's source where the file does not set the count)."""
    rows = []
    for name in names:
        leaves = {leaf.path: leaf for leaf in scenario_leaves((SCENARIO_DIR / f"{name}.yaml").read_text())}
        cfg = resolve(name)
        as_run = at_size(cfg).staffing.workers
        for employer in EMPLOYERS:
            leaf = leaves.get(f"staffing.workers.{employer}")
            source = leaf.comment if leaf else f"schema default: {schema_source()}"
            rows.append(
                {
                    "scenario": name,
                    "employer": employer,
                    "posts": getattr(cfg.staffing.workers, employer),
                    "posts_as_run": getattr(as_run, employer),
                    "source": source,
                }
            )
    frame = pd.DataFrame(rows)
    text = markdown_table(
        ["scenario", "employer", "posts (file)", "posts as run", "source"],
        [[r.scenario, r.employer, str(r.posts), str(r.posts_as_run), r.source] for r in frame.itertuples()],
    )
    return frame, text


# ---- the command ----


def parse_args(argv: Sequence[str] | None) -> Any:
    p = OneLineParser(prog=PROG, description=__doc__.splitlines()[0])
    seeds = p.add_mutually_exclusive_group()
    seeds.add_argument("--seeds", type=positive_int, default=None, help=f"seeds per config (default {DEFAULT_SEEDS})")
    seeds.add_argument("--quick", action="store_true", help=f"{QUICK_SEEDS} seeds: a check, not numbers to quote")
    p.add_argument("--scenarios", type=scenario_list, default=None, help="comma-separated names (default all)")
    p.add_argument("--processes", type=jobs_int, default=2, help="worker processes (default 2)")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    with interruptible(PROG):
        _main(argv)


def _main(argv: Sequence[str] | None) -> None:
    args = parse_args(argv)
    n = QUICK_SEEDS if args.quick else args.seeds or DEFAULT_SEEDS
    seeds = range(n)
    names = args.scenarios or scenario_names()
    command = " ".join([PROG, *(sys.argv[1:] if argv is None else argv)])
    load_before = os.getloadavg()
    started = time.perf_counter()
    try:
        scenarios = MultiRun(scenario_configs(names), seeds=seeds)
        levers = MultiRun(lever_configs(), seeds=seeds)
    except ConfigError as exc:
        fail(PROG, str(exc))
    scenarios.run(processes=args.processes)
    levers.run(processes=args.processes)
    elapsed = time.perf_counter() - started
    load_after = os.getloadavg()

    _, scenario_md = scenario_table(scenarios)
    _, lever_md = lever_tables(levers)
    _, provenance_md = staffing_provenance(names)
    runs = len(scenarios.runs) + len(levers.runs)
    print(f"# The workforce numbers\n\n`{command}`: seeds 0-{n - 1} per config, {args.processes} processes.\n")
    print("## 1. Caseload, waiting list and coverage per scenario (full size, mean [90% interval] over seeds)\n")
    print(scenario_md)
    print(
        f"\nCaseload: open cases per worker in post (a monitored case counts `casework.monitoring_load` of one); "
        f"standard: CWLA, {CASELOAD_STANDARD[0]}-{CASELOAD_STANDARD[1]} ongoing cases per worker."
    )
    print(f"\n## 2. {CITY} at full size: staff x0.5 / x1.5 and training, paired seeds\n")
    print(lever_md)
    print("\n## 3. Staff posts and where each count comes from\n")
    print(provenance_md)
    print(
        "\nPosts as run: the file's posts scaled to the city's children (n_children / reference_children, "
        "scenarios/scale.py). Staff counts are never fitted by calibration."
    )
    print(
        f"\n{runs} runs in {elapsed:.0f} s on {args.processes} processes; load average (1, 5, 15 min) "
        f"{', '.join(f'{x:.2f}' for x in load_before)} before, {', '.join(f'{x:.2f}' for x in load_after)} after."
    )


if __name__ == "__main__":
    main()
