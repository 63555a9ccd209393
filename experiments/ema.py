"""cpsim as an EMA Workbench model: `ema_model(...)` is ready for `perform_experiments`, PRIM and MORDM.

Why. Wrapping `sim.run.run(config, seed)` as an EMA model by hand took workarounds: no single harm-hazard scale
to vary, staff to scale by hand, a calibrated scenario whose withdrawal year rejects a shorter horizon, and
EMA's PRIM failing under pandas 3 (`Invalid value '2019.5' for dtype 'int64'`) unless inputs are cast to float.
This module builds the model from what the project already declares, so it stays in step with it:

- uncertainties: the stress test's futures (experiments/plans/futures.py): every "assumed" parameter in its
  stated range, every calibrated parameter in its 90% posterior interval (docs/calibration.json) and the
  transition's risks (the city's pickup late and partial, an economic shock). Two group multipliers are always
  there: `hazard_scale` (every harm hazard of the scenario; the calibrated scale where the scenario has one, its
  estimate being the scenario as run, else x0.5-1.5) and `capacity_scale` (every partner agency's weekly
  capacity, x0.5-1.5). `space="transition"` keeps only the risks and the two multipliers;
- levers: the schema's levers (scenarios/levers.py), with their bounds, defaulting to the scenario's values;
- outcomes: the registry's (sim/outcomes.py), maximised, minimised or informational as `better` says; a
  windowed outcome with the suffix `_after_exit` is computed over the two years after the funder's exit
  (`effective_coverage_after_exit`), NaN when the funder does not exit or the horizon ends before two years.

`n_children` runs the same city at another size (scenarios/scale.py scales staff posts, partner capacities and
budgets; lever values stay in the scenario's own units). `end_year` shortens or lengthens the horizon; a
withdrawal year the shorter horizon leaves out is clipped to its last year, never an error. Each experiment
runs the same `seeds` (common random numbers: experiments differ by their inputs, not their luck) and
returns the mean of each outcome over the seeds where it is defined.

    from ema_workbench import MultiprocessingEvaluator
    from experiments.ema import about, ema_model, prim_box

    model = ema_model("makassar_pksai", n_children=20_000, space="transition")
    with MultiprocessingEvaluator(model, n_processes=2) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=200)
    found = prim_box(experiments, outcomes, "effective_coverage_after_exit", 0.07, about=about(model))
    print(found.words)

`python -m experiments.ema` runs that example: 200 futures of a 20,000-child Makassar over the scenario's
horizon (2015-2024), about 0.9 s of CPU each: 91 s on two idle cores. A smaller city is hardly faster (0.7 s
at 3,000 children: a run's cost grows slowly with size) but noisier: at 3,000 children the city has three
workers and every partner the one-case-a-week floor, so the capacity scale does nothing and one seed's luck
(coverage +-0.025) is as large as most futures' effects.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import math
import re
import time
import typing
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from experiments.calibration.files import path_keys
from experiments.common.extras import require
from experiments.plans.discovery import FailureBox, describe, discover
from experiments.plans.futures import SPACES, Uncertainty, future_config, uncertainties
from experiments.sensitivity.space import RELATIVE, Factor
from scenarios.levers import Lever, levers
from scenarios.schema import Config
from scenarios.validate import ConfigError, config_from_dict
from sim.compose import scenario_dict
from sim.outcomes import OUTCOMES
from sim.run import Results, run

require("ema_workbench", "experiments.ema")  # the `explore` extra
with warnings.catch_warnings():  # "ipyparallel not installed": an evaluator this module never uses
    warnings.simplefilter("ignore")
    import ema_workbench as ema

GROUPS = {  # a group multiplier's EMA name -> the per-type (per-agency) group it multiplies
    "hazard_scale": "harm.weekly_hazard_per_child",
    "capacity_scale": "coordination.agency_capacity_per_week",
}
AFTER_EXIT = "_after_exit"  # a windowed outcome over the two years after the funder's exit
EXIT_WINDOW_YEARS = 2
DEFAULT_OUTCOMES = (
    "children_harmed",
    "effective_coverage",
    "effective_coverage_after_exit",
    "resolution_after_exit",
    "sustainability_index",
    "spend_local",
)
EMA_COLUMNS = ("scenario", "policy", "model")  # EMA's bookkeeping columns of `experiments`
KINDS = {1: ema.ScalarOutcome.MAXIMIZE, -1: ema.ScalarOutcome.MINIMIZE, 0: ema.ScalarOutcome.INFO}


# ---- the model ----


@dataclass
class Simulator:
    """EMA's model function: one experiment's inputs (keyword arguments named by uncertainty name or lever
    path) -> the mean of each outcome over the seeds. A module-level class, so MultiprocessingEvaluator can
    pickle it."""

    base: dict[str, Any]  # the scenario's config at its size and horizon (validated)
    dims: list[Uncertainty]
    levers: list[Lever]
    outcomes: tuple[str, ...]
    seeds: tuple[int, ...]
    about: dict[str, str]  # EMA name -> the input in words (PRIM's boxes)
    neutral: dict[str, float]  # uncertainty -> the value that leaves the scenario as it is

    def __call__(self, **values: Any) -> dict[str, float]:
        data = self.config(values)
        rows = [outcome_values(run(data, seed), self.outcomes) for seed in self.seeds]
        with warnings.catch_warnings():  # an outcome undefined in every seed stays NaN, quietly
            warnings.simplefilter("ignore", RuntimeWarning)
            return {key: float(np.nanmean([row[key] for row in rows])) for key in self.outcomes}

    def config(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The config one experiment runs: the levers set, then the future written in. An input left out keeps
        the scenario's value (`self.neutral` for an uncertainty)."""
        data = copy.deepcopy(self.base)
        for lever in self.levers:
            if lever.name in values:
                _set(data, lever.name, _typed(values[lever.name], lever.kind))
        plan = config_from_dict(data)
        future = pd.Series({u.name: values.get(u.name, self.neutral[u.name]) for u in self.dims}, dtype=object)
        moved = [u for u in self.dims if future[u.name] != self.neutral[u.name]]  # the rest stay exactly as they are
        data = future_config(plan, moved, future)
        if not data["transition"]["years"]:
            _funding_risks(data, future)
        return data


def ema_model(
    scenario: str = "makassar_pksai",
    *,
    n_children: int | None = None,
    end_year: int | None = None,
    seeds: int = 1,
    outcomes: Sequence[str] = DEFAULT_OUTCOMES,
    space: str = "all",
    overrides: Mapping[str, Any] | None = None,
    first_seed: int = 0,
) -> ema.Model:
    """The EMA model of `scenario` (see the module docstring). `overrides` is a nested mapping merged into the
    scenario before anything else (e.g. `{"funding": {"taper_years": 2.0}}`)."""
    if space not in SPACES:
        raise ValueError(f"space: {space!r} is not allowed; expected one of {', '.join(SPACES)}")
    if seeds < 1:
        raise ValueError(f"seeds: {seeds} is not allowed; expected at least 1")
    keys = tuple(outcomes)
    for key in keys:
        ema_outcome(key)  # an unknown key fails here, not in the first experiment
    base = base_config(scenario, overrides, n_children, end_year)
    cfg = config_from_dict(base)
    chosen = [lv for lv in levers(cfg) if lv.hi > lv.lo]  # a horizon of two years leaves no withdrawal year
    dims = dimensions(scenario, cfg, space, {lv.name for lv in chosen})
    names = _ema_names(dims, chosen)
    about = {names[u.name]: u.about if u.kind == "risk" else names[u.name] for u in dims}
    neutral = {u.name: _neutral(u, cfg) for u in dims}
    function = Simulator(base, dims, chosen, keys, tuple(range(first_seed, first_seed + seeds)), about, neutral)
    model = ema.Model(_identifier(scenario), function=function)
    model.uncertainties = [ema_uncertainty(u, names[u.name], cfg) for u in dims]
    model.levers = [ema_lever(lv, names[lv.name], cfg) for lv in chosen]
    model.outcomes = [ema_outcome(key) for key in keys]
    return model


def about(model: ema.Model) -> dict[str, str]:
    """The model's inputs in words, by EMA name (for `prim_box`)."""
    return dict(model.function.about)


def base_config(
    scenario: str,
    overrides: Mapping[str, Any] | None = None,
    n_children: int | None = None,
    end_year: int | None = None,
) -> dict[str, Any]:
    """The scenario's config (a validated dict) at `n_children` over a horizon ending at `end_year`."""
    data = scenario_dict(scenario, overrides)
    if n_children is not None:
        data["population"]["n_children"] = int(n_children)  # the scale rule does the rest (scenarios/scale.py)
    if end_year is not None:
        data["run"]["end_year"] = int(end_year)
        fit_withdrawal(data)
    config_from_dict(data)  # a bad size or horizon fails here, with the schema's one-line message
    return data


def fit_withdrawal(data: dict[str, Any]) -> None:
    """Clip the funder's withdrawal year into the horizon (validation's rule, scenarios/validate.py): a shorter
    run of a scenario whose funder withdraws late starts the withdrawal in its last year instead of failing."""
    run_, funding = data["run"], data["funding"]
    last = run_["end_year"] - 1
    if funding["withdrawal_shape"] != "none" and last >= run_["start_year"]:
        funding["withdrawal_start_year"] = min(max(funding["withdrawal_start_year"], run_["start_year"]), last)


def dimensions(scenario: str, cfg: Config, space: str, lever_paths: set[str]) -> list[Uncertainty]:
    """The futures of `space`, with the two group multipliers, without what a lever sets (a lever is the
    planner's, not the future's; a group with a lever among its members is the lever's too)."""
    dims = uncertainties(scenario, cfg, cfg.run.start_year, space)  # a shock may strike in any year of the run
    dims += [_group(scenario, cfg, group, dims) for group in GROUPS.values() if not _covers(dims, group)]
    kept = [u for u in dims if _bounds(u)[1] > _bounds(u)[0] and not _set_by_lever(u, lever_paths)]
    if "shock_year" not in {u.name for u in kept}:  # a one-year run: no year for a shock to vary over
        kept = [u for u in kept if u.name != "shock_size"]
    return kept


def _bounds(u: Uncertainty) -> tuple[float, float]:
    """An uncertainty's range as EMA samples it: whole numbers inside a whole-numbered one's range."""
    return (math.ceil(u.lo), math.floor(u.hi)) if u.whole else (u.lo, u.hi)


def _group(scenario: str, cfg: Config, group: str, dims: list[Uncertainty]) -> Uncertainty:
    """A group's multiplier: the scenario's calibrated scale of it if it has one (so the same name means the
    same in every space), else x(1 +- RELATIVE) like the sensitivity space's groups."""
    every = uncertainties(scenario, cfg, cfg.run.start_year, "all")
    found = [u for u in every if _covers([u], group)]
    if found:
        return found[0]
    lo, hi = 1 - RELATIVE, 1 + RELATIVE
    factor = Factor(group, lo, hi, "scale", "assumed", _allowed(group))
    return Uncertainty(group, lo, hi, "scale", f"multiplier of {group}", factor=factor)


def _covers(dims: list[Uncertainty], group: str) -> bool:
    """Whether an uncertainty already multiplies the whole group (an assumed group, or a calibrated scale)."""
    return any(
        u.name == group or (u.scales_base and u.paths and all(p.rsplit(".", 1)[0] == group for p in u.paths))
        for u in dims
    )


def _set_by_lever(u: Uncertainty, lever_paths: set[str]) -> bool:
    paths = u.paths or (u.name,)
    return any(p == lv or lv.startswith(p + ".") for p in paths for lv in lever_paths)


def _allowed(path: str) -> tuple[float | None, float | None]:
    """The schema's allowed range of a field (a scaled group member is clipped to it)."""
    node: Any = Config
    *parents, leaf = path.split(".")
    for part in parents:
        node = typing.get_type_hints(node)[part]
    meta = {f.name: f for f in dataclasses.fields(node)}[leaf].metadata
    return meta.get("lo"), meta.get("hi")


# ---- EMA's objects ----


def ema_uncertainty(u: Uncertainty, name: str, cfg: Config) -> ema.RealParameter | ema.IntegerParameter:
    """An EMA parameter named `name` passing the uncertainty's own name to the model function; its default
    is the scenario as run."""
    lo, hi = _bounds(u)
    if u.whole:
        default = int(np.clip(round(_neutral(u, cfg)), lo, hi))
        return ema.IntegerParameter(name, lo, hi, default=default, variable_name=u.name)
    default = float(np.clip(_neutral(u, cfg), lo, hi))
    return ema.RealParameter(name, float(lo), float(hi), default=default, variable_name=u.name)


def _neutral(u: Uncertainty, cfg: Config) -> float:
    """The value at which an uncertainty leaves the scenario as it is."""
    if u.kind == "calibrated":  # a scale is relative to the estimate; a value is the one the scenario runs with
        return u.estimate if u.scales_base else _get(dataclasses.asdict(cfg), u.paths[0])
    if u.kind == "scale":
        return 1.0
    if u.kind == "risk":
        return {"pickup_fraction": 1.0, "shock_year": u.lo}.get(u.name, 0.0)
    return _get(dataclasses.asdict(cfg), u.name)


def ema_lever(lever: Lever, name: str, cfg: Config) -> ema.Parameter:
    """An EMA lever with the schema's bounds, defaulting to the scenario's value."""
    value = _get(dataclasses.asdict(cfg), lever.name)
    if lever.kind == "bool":
        return ema.BooleanParameter(name, default=bool(value), variable_name=lever.name)
    if lever.kind == "int":
        default = int(np.clip(value, lever.lo, lever.hi))
        return ema.IntegerParameter(name, int(lever.lo), int(lever.hi), default=default, variable_name=lever.name)
    default = float(np.clip(value, lever.lo, lever.hi))
    return ema.RealParameter(name, float(lever.lo), float(lever.hi), default=default, variable_name=lever.name)


def ema_outcome(key: str) -> ema.ScalarOutcome:
    """An outcome of the registry, or a windowed one with the `_after_exit` suffix."""
    return ema.ScalarOutcome(key, kind=KINDS[_registry_entry(key).better])


def _registry_entry(key: str) -> Any:
    if key in OUTCOMES:
        return OUTCOMES[key]
    stem = key.removesuffix(AFTER_EXIT)
    if key.endswith(AFTER_EXIT) and stem in OUTCOMES and OUTCOMES[stem].windowed:
        return OUTCOMES[stem]
    raise ValueError(
        f"outcomes: {key!r} is not allowed; expected a key of sim/outcomes.py, or a windowed one + {AFTER_EXIT!r}"
    )


def _ema_names(dims: list[Uncertainty], chosen: list[Lever]) -> dict[str, str]:
    """Internal name -> EMA name. EMA 3 wants Python identifiers (`staffing.workers.local` ->
    `staffing_workers_local`); a group multiplier goes by its plain name whatever provides it."""
    out = {lv.name: _identifier(lv.name) for lv in chosen}
    for u in dims:
        out[u.name] = next((name for name, group in GROUPS.items() if _covers([u], group)), _identifier(u.name))
    clash = sorted({v for v in out.values() if list(out.values()).count(v) > 1})
    assert not clash, f"two inputs share the EMA name {clash[0]!r}"
    return out


def _identifier(name: str) -> str:
    out = re.sub(r"\W+", "_", name).strip("_")
    return out if out.isidentifier() else f"x_{out}"


# ---- one experiment ----


def outcome_values(res: Results, keys: Sequence[str]) -> dict[str, float]:
    """The outcomes of one run, as floats (NaN where undefined)."""
    window = exit_window(res) if any(k not in OUTCOMES for k in keys) else None
    out = {}
    for key in keys:
        value = res.summary[key] if key in OUTCOMES else (window or {}).get(key.removesuffix(AFTER_EXIT))
        out[key] = math.nan if value is None else float(value)
    return out


def exit_window(res: Results) -> dict[str, float] | None:
    """The windowed outcomes of the two years after the funder's exit (None if it does not exit, or the run
    ends before two years have passed)."""
    exit_year = res.summary.get("funder_exit_year")
    if exit_year is None or not np.isfinite(exit_year):
        return None
    first, last = int(exit_year), int(exit_year) + EXIT_WINDOW_YEARS - 1
    return res.window(first, last) if last <= res.config.run.end_year - 1 else None


def _funding_risks(data: dict[str, Any], future: pd.Series) -> None:
    """The pickup risks for a scenario without a plan: futures.py writes them into `transition`, which only a
    plan reads; the funding section's pickup (compiled into the plan the run follows) is what they delay and cut."""
    funding = data["funding"]
    if "pickup_delay_extra" in future:
        funding["pickup_delay_years"] = int(funding["pickup_delay_years"] + future["pickup_delay_extra"])
    if "pickup_fraction" in future:
        funding["pickup_share"] = float(funding["pickup_share"] * future["pickup_fraction"])


def _typed(value: Any, kind: str) -> Any:
    return {"bool": bool, "int": int}.get(kind, float)(value)


def _get(data: dict[str, Any], path: str) -> float:
    node: Any = data
    for key in path_keys(path):
        node = node[key]
    return float(node)


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path_keys(path)
    node: Any = data
    for key in parents:
        node = node[key]
    node[leaf] = value


# ---- scenario discovery ----


@dataclass(frozen=True)
class Found:
    box: FailureBox | None  # PRIM's box: restricted inputs -> (low, high), coverage, density, experiments
    words: str  # the box in words
    share: float  # share of the experiments (with the outcome defined) where the condition holds
    experiments: int  # experiments with the outcome defined


def prim_box(
    experiments: pd.DataFrame,
    outcomes: Mapping[str, np.ndarray],
    key: str,
    threshold: float,
    *,
    below: bool = True,
    inputs: Sequence[str] | None = None,
    about: Mapping[str, str] | None = None,
) -> Found:
    """Where does outcome `key` fall below `threshold` (above, with `below=False`)? PRIM (experiments/plans/
    discovery.py) over `inputs` (default: every input that varies), on the experiments where it is defined."""
    x, integers = prim_inputs(experiments, inputs)
    y = np.asarray(outcomes[key], dtype=float)
    defined = np.isfinite(y)
    x, y = x[defined].reset_index(drop=True), y[defined]
    hits = y < threshold if below else y > threshold
    box = discover(x, hits)
    words = describe(box, hits, dict(about or {}), x, integers) if len(y) else "no experiment defines the outcome"
    return Found(box, words, float(hits.mean()) if len(y) else math.nan, int(len(y)))


def prim_inputs(experiments: pd.DataFrame, inputs: Sequence[str] | None = None) -> tuple[pd.DataFrame, frozenset]:
    """PRIM's inputs as floats, and the names of those that were whole numbers (integers, booleans). EMA's PRIM
    writes its cut points (`2019.5`) into a copy of the inputs, which pandas 3 refuses for an int64 column;
    booleans come back from EMA as categories."""
    names = list(inputs) if inputs is not None else [c for c in experiments.columns if c not in EMA_COLUMNS]
    columns, integers = {}, set()
    for name in names:
        col = experiments[name]
        col = col.astype(object) if isinstance(col.dtype, pd.CategoricalDtype) else col
        try:
            col = pd.to_numeric(col)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"prim: input {name!r} is not numeric; leave it out of `inputs`") from exc
        if pd.api.types.is_bool_dtype(col) or pd.api.types.is_integer_dtype(col):
            integers.add(name)
        if inputs is not None or col.nunique() > 1:  # a constant input cannot bound a box
            columns[name] = col.astype(float)
    return pd.DataFrame(columns, index=experiments.index), frozenset(integers)


# ---- the example ----


def example(
    n: int = 200,
    *,
    scenario: str = "makassar_pksai",
    n_children: int = 20_000,
    end_year: int | None = None,
    space: str = "transition",
    threshold: float | None = None,
    processes: int = 2,
    sampler_seed: int = 1,
) -> Found:
    """`n` futures of a small city, then PRIM: where does effective coverage in the two years after the funder's
    exit fall below `threshold` (default: its lower quartile over the futures)? The transition's space by
    default: a hundred dimensions need far more than 200 experiments for a box that is not noise."""
    key = "effective_coverage_after_exit"
    outcomes = (key, "children_harmed")
    model = ema_model(scenario, n_children=n_children, end_year=end_year, outcomes=outcomes, space=space)
    started = time.perf_counter()
    experiments, outcomes = run_experiments(model, n, processes, sampler_seed)
    seconds = time.perf_counter() - started
    y = outcomes[key]
    cut = float(np.nanquantile(y, 0.25)) if threshold is None else threshold
    found = prim_box(experiments, outcomes, key, cut, about=about(model))
    print(
        f"{n} experiments of {scenario} at {n_children:,} children, {len(model.uncertainties)} uncertainties, "
        f"in {seconds:.0f} s on {processes} process(es); effective coverage after the exit: median "
        f"{np.nanmedian(y):.1%}, defined in {found.experiments} experiments"
    )
    print(f"Effective coverage in the two years after the funder's exit falls below {cut:.1%}:")
    print(f"  {found.words}")
    return found


def run_experiments(
    model: ema.Model, n: int, processes: int = 1, sampler_seed: int = 1
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """`n` Latin-hypercube futures, the levers at the scenario's values, on `processes` processes."""
    kwargs = {"scenarios": n, "uncertainty_sampling_kwargs": {"rng": sampler_seed}}
    if processes > 1:
        with ema.MultiprocessingEvaluator(model, n_processes=processes) as evaluator:
            return evaluator.perform_experiments(**kwargs)
    return ema.perform_experiments(model, **kwargs)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m experiments.ema", description=example.__doc__)
    parser.add_argument("--n", type=int, default=200, help="experiments (default 200)")
    parser.add_argument("--scenario", default="makassar_pksai")
    parser.add_argument("--children", type=int, default=20_000, help="children in the city (default 20,000)")
    parser.add_argument("--end-year", type=int, default=None, help="last year + 1 (default: the scenario's)")
    parser.add_argument("--space", choices=SPACES, default="transition", help="default: the transition's risks")
    parser.add_argument("--threshold", type=float, default=None, help="default: the lower quartile")
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args(argv)
    try:
        example(
            args.n,
            scenario=args.scenario,
            n_children=args.children,
            end_year=args.end_year,
            space=args.space,
            threshold=args.threshold,
            processes=args.processes,
        )
    except (ConfigError, ValueError) as exc:
        parser.exit(2, f"python -m experiments.ema: {exc}\n")


if __name__ == "__main__":
    main()
