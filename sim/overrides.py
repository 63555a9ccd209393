"""Checking a `cpsim` command line against the schema before Hydra runs, the way Hydra will read it.

A bad value gives one line naming the field, the value and what is allowed (`ConfigError`), before any job
starts or any folder is written. In a sweep every job's composed config is checked (up to `MAX_CHECKED_JOBS`),
so a cross-field rule broken by one combination of swept values stops the sweep before it starts. Hydra's own
flags (--help, -sc, --cfg, --info, ...) are left to Hydra.
"""

from __future__ import annotations

import argparse
import copy
import itertools
import math
import os
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from hydra._internal.config_loader_impl import ConfigLoaderImpl
from hydra._internal.utils import compute_search_path_dir, create_config_search_path, get_args_parser
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from scenarios.files import FileError, check_creatable, excerpt, read_yaml, show
from scenarios.validate import ConfigError, build, config_from_dict
from sim.app_config import APP_KEYS, CONFIG_NAME, CONFIG_PATH, AppConfig, check_objective, objective_direction, register
from sim.ownership import LOCK, ForeignTarget, check_owned, read_marker

register()

MAX_CHECKED_JOBS = 5000  # jobs of a sweep whose composed configs are checked up front (about 6 ms each)
MAX_CHECKED_VALUES = 100_000  # values of one swept field checked on their own
BASIC_SWEEPER = "hydra._internal.core_plugins.basic_sweeper.BasicSweeper"
OPTUNA_SWEEPER = "hydra_plugins.cpsim_optuna_sweeper.OptunaSweeper"
MAX_TRIALS = 100_000  # trials of an Optuna sweep (each a job dir)
PASS_THROUGH = ("help", "hydra_help", "shell_completion", "cfg", "info", "experimental_rerun")


@cache
def _loader(config_path: str = CONFIG_PATH, config_dir: str | None = None) -> ConfigLoaderImpl:
    search_path = create_config_search_path(config_path)
    if config_dir is not None:
        search_path.prepend("command-line", f"file://{config_dir}")
    return ConfigLoaderImpl(config_search_path=search_path)


def loader_for(args: argparse.Namespace | None = None) -> ConfigLoaderImpl:
    """The config loader Hydra builds for `cpsim` with these flags (--config-path, --config-dir)."""
    if args is None:
        return _loader()
    config_path = CONFIG_PATH
    if args.config_path is not None:
        config_path = compute_search_path_dir(str(Path(__file__).with_name("cli.py")), None, args.config_path)
    config_dir = None if args.config_dir is None else os.path.abspath(args.config_dir)
    return _loader(config_path, config_dir)


def group_options(group: str, loader: ConfigLoaderImpl | None = None) -> list[str]:
    """The options of a config group (`scenario`, `experiment`, `hydra/launcher`, ...); [] if no such group."""
    try:
        return (loader or _loader()).get_group_options(group)
    except OSError:  # a key too long to be a folder name is no group
        return []


def scenario_names() -> list[str]:
    return group_options("scenario")


# `cpsim --help` lists the Hydra groups worth knowing with `${cpsim_options:hydra/launcher}`
OmegaConf.register_new_resolver("cpsim_options", lambda group: ", ".join(group_options(group)), replace=True)


def check_command_line(argv: Sequence[str]) -> None:
    """Check `cpsim`'s arguments as Hydra will read them; leave Hydra's own commands and flags to Hydra."""
    if "--version" in argv:
        return
    if not argv:  # the default run: no override to check, only that its output folder can be made (composing
        try:  # the config twice would cost half a second of every default run)
            check_creatable(DEFAULT_OUTPUTS, "folder")
        except FileError as exc:
            raise ConfigError(f"hydra.run.dir: {exc}") from None
        return
    parser = get_args_parser()

    def leave_to_hydra(message: str) -> None:
        raise _HydraArgs(message)

    parser.error = leave_to_hydra  # type: ignore[method-assign]
    try:
        args = parser.parse_args(list(argv))
    except _HydraArgs:
        return  # Hydra reports bad flags itself
    if any(getattr(args, name, None) for name in PASS_THROUGH):
        return
    if args.config_dir is not None and not os.path.isdir(args.config_dir):
        return  # Hydra says which directory is missing
    if args.config_dir is not None:
        check_config_dir(args.config_dir)
    primary = check_overrides(
        args.overrides, multirun=args.multirun, loader=loader_for(args), config_name=args.config_name or CONFIG_NAME
    )
    multirun = args.multirun or primary.hydra.get("mode") == RunMode.MULTIRUN
    check_output_dir(primary, "hydra.sweep.dir" if multirun else "hydra.run.dir")
    if multirun:
        check_launcher_jobs(primary)


def check_launcher_jobs(cfg: DictConfig) -> None:
    """`hydra.launcher.n_jobs`: 1 to 4 x this computer's cores (0 would be joblib's traceback, and 100000 would
    start workers until memory runs out)."""
    try:
        jobs = OmegaConf.select(cfg, "hydra.launcher.n_jobs", throw_on_resolution_failure=True)
    except Exception:
        return
    most = 4 * (os.cpu_count() or 1)
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or not 1 <= jobs <= most):
        raise ConfigError(
            f"hydra.launcher.n_jobs: {excerpt(jobs)} is not allowed; expected a whole number from 1 to {most} "
            "(4 x this computer's cores)"
        )


def check_output_dir(cfg: DictConfig, key: str) -> None:
    """The folder Hydra will write into must be creatable: a name the system takes, under a writable folder.
    Tried by making (and removing) a scratch folder in the nearest existing ancestor."""
    try:
        text = str(OmegaConf.select(cfg, key, throw_on_resolution_failure=True))
    except Exception:
        return  # a value that only resolves at run time (${hydra:...}): Hydra makes it
    try:
        folder = check_creatable(text, "folder")
        if key == "hydra.run.dir":  # a `results` folder that is the user's is never replaced
            check_owned(folder / "results")
        elif any(p.name != LOCK for p in folder.glob("*")) and not (read_marker(folder) or {}).get("sweep"):
            raise ForeignTarget(
                f"{show(folder, 160)} already holds files that are not a sweep's (no sweep in its .cpsim.json); "
                "expected a new or empty folder, or the folder of the same sweep (resume)"
            )
    except (FileError, ForeignTarget) as exc:
        raise ConfigError(f"{key}: {exc}") from None


DEFAULT_OUTPUTS = "outputs"  # where sim/conf/config.yaml's hydra.run.dir puts a default run, under the cwd
MAX_CONFIG_FILES = 2000  # YAML files of a --config-dir read up front (a larger tree is left to Hydra)


def check_config_dir(folder: str) -> None:
    """Read the YAML files of a --config-dir through the same reading layer as every other file (size, encoding,
    duplicate keys, tags, alias bombs) before Hydra loads them."""
    seen = 0
    for parent, dirs, names in os.walk(folder):
        dirs.sort()
        for name in sorted(n for n in names if n.endswith((".yaml", ".yml"))):
            seen += 1
            if seen > MAX_CONFIG_FILES:
                return
            try:
                read_yaml(Path(parent) / name, "config file")
            except FileError as exc:
                raise ConfigError(f"--config-dir: {exc}") from None


class _HydraArgs(Exception):
    pass


def check_overrides(
    overrides: Sequence[str],
    *,
    multirun: bool = False,
    loader: ConfigLoaderImpl | None = None,
    config_name: str = CONFIG_NAME,
) -> DictConfig:
    """Validate command-line overrides: each value, then the composed config of every job; raise ConfigError.

    Returns the primary config (in a run, the job's config) as Hydra composes it."""
    loader = loader or _loader()
    overrides = list(overrides)
    parser = OverridesParser.create(config_loader=loader)
    parsed = _parse(parser, overrides)
    for ov in parsed:
        check_values(ov, loader)
    multirun = multirun or any(ov.key_or_group == "hydra.mode" and ov.value() == "MULTIRUN" for ov in parsed)
    if not multirun:
        for ov in parsed:
            if ov.is_sweep_override():
                raise ConfigError(
                    f"{ov.key_or_group}: {ov.input_line} sweeps; add -m (--multirun) for one job per value, or "
                    f"write a list as [a,b]"
                )
        job = _compose(loader, config_name, overrides, RunMode.RUN)
        check_job(job)
        return job
    primary = _compose(loader, config_name, overrides, RunMode.MULTIRUN)
    sweeper = primary.hydra.sweeper
    params = [f"{key}={value}" for key, value in (sweeper.get("params") or {}).items()]
    swept = _parse(parser, params)
    for ov in swept:  # an experiment file's sweep values get the same checks as those typed on the command line
        check_values(ov, loader)
    if sweeper._target_ != BASIC_SWEEPER:  # a sampling sweeper chooses its jobs as it goes
        check_job(primary)  # the config its swept values go on; each job is checked again when it starts
        if sweeper._target_ == OPTUNA_SWEEPER:
            check_optuna(primary, [*params, *(ov.input_line for ov in parsed if not ov.is_hydra_override())])
        return primary
    hydra_overrides = [ov.input_line for ov in parsed if ov.is_hydra_override()]
    task = swept + [ov for ov in parsed if not ov.is_hydra_override()]
    check_jobs(loader, config_name, hydra_overrides, task)
    return primary


def check_optuna(cfg: DictConfig, lines: list[str]) -> None:
    """An Optuna sweep optimises one outcome (`objective`) in a direction (given, or the outcome's `better`),
    over overrides it can sample, for a whole number of trials in batches of at least one."""
    from hydra_plugins.cpsim_optuna_sweeper._space import search_space  # imports Optuna: only for its sweeps

    objective = cfg.get("objective") or ""
    if not objective:
        raise ConfigError(
            "objective: missing; hydra/sweeper=optuna optimises one outcome, e.g. objective=effective_coverage "
            "(any outcome with a number: README's summary table)"
        )
    sweeper = cfg.hydra.sweeper
    direction = sweeper.get("direction")
    if direction not in (None, "minimize", "maximize"):
        raise ConfigError(
            f"hydra.sweeper.direction: {excerpt(direction)} is not allowed; expected minimize, maximize or null "
            f"(the better direction of {objective})"
        )
    objective_direction(objective, direction)
    for key, most in (("n_trials", MAX_TRIALS), ("n_jobs", MAX_TRIALS)):
        value = sweeper.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
            raise ConfigError(
                f"hydra.sweeper.{key}: {excerpt(value)} is not allowed; expected a whole number from 1 to {most:,}"
            )
    if not search_space(lines).distributions:
        raise ConfigError(
            "hydra/sweeper=optuna: nothing to search; sweep a field, e.g. 'funding.pickup_share=interval(0,1)'"
        )


def check_values(ov: Override, loader: ConfigLoaderImpl) -> None:
    """Check each value of one override on its own: a group's option, or a field value against the schema."""
    key = ov.key_or_group
    if not key:
        raise ConfigError(f"{excerpt(ov.input_line)}: no key; expected key=value")
    if ov.is_delete() or key.startswith("hydra."):
        return  # Hydra's own fields are checked when the config is composed
    values = _values(ov)
    options = group_options(key, loader)
    if options or ov.package is not None:
        for v in values:
            if v is None:
                raise ConfigError(
                    f"{key}: null is not an option; ~{key} drops the group, or expected one of {', '.join(options)}"
                )
            if str(v) not in options:
                raise ConfigError(f"{key}: {str(v)!r} is not allowed; expected one of {', '.join(options)}")
    elif not any(part.isdigit() for part in key.split(".")):  # a list item is checked once composed
        for v in values:
            if key == "objective":  # one line with the nearest outcomes, not all of them
                check_objective(v)
            if not (isinstance(v, str) and "${" in v):  # so is an interpolation
                build(AppConfig, _nested(key, v))


def check_job(cfg: DictConfig) -> None:
    """The schema's checks, cross-field rules included, on one job's composed config."""
    check_data(_job_data(cfg))


def check_data(data: dict[str, Any]) -> None:
    data = dict(data)
    check_objective(data.get("objective", ""))
    build(AppConfig, {key: data.pop(key) for key in APP_KEYS if key in data})
    config_from_dict(data)


def _job_data(cfg: DictConfig) -> dict[str, Any]:
    """The job's part of a composed config (without `hydra`), resolved, as plain data."""
    try:
        data = OmegaConf.to_container(OmegaConf.masked_copy(cfg, [k for k in cfg if k != "hydra"]), resolve=True)
    except OmegaConfBaseException as exc:
        raise ConfigError(_one_line(exc)) from None
    assert isinstance(data, dict)
    return data  # type: ignore[return-value]


def check_jobs(loader: ConfigLoaderImpl, config_name: str, hydra_overrides: list[str], task: list[Override]) -> None:
    """Compose and check every job of a basic sweep, as Hydra's basic sweeper will enumerate them."""
    columns: dict[str, list[str]] = {}  # key -> this key's override for each of its values (later wins)
    for ov in task:
        key = ov.get_key_element()
        if ov.is_sweep_override() and not ov.is_discrete_sweep():
            raise ConfigError(
                f"{ov.key_or_group}: interval() needs a sweeper that samples (e.g. Optuna's); the basic sweeper "
                "takes a list (a,b,c), range(start,stop,step), choice(a,b) or glob(pattern)"
            )
        values = list(ov.sweep_string_iterator()) if ov.is_sweep_override() else [ov.get_value_element_as_str()]
        if not values:
            options = group_options(ov.key_or_group, loader)
            allowed = f"expected one of {', '.join(options)}" if options else "glob() matches options of a group"
            raise ConfigError(f"{ov.key_or_group}: {ov.input_line} matches nothing; {allowed}")
        columns[key] = [f"{key}={v}" for v in values]
    total = math.prod(len(c) for c in columns.values())
    if total > MAX_CHECKED_JOBS:
        print(
            f"cpsim: note: {total:,} jobs; the first {MAX_CHECKED_JOBS:,} are checked now, the others as they start",
            file=sys.stderr,
        )
    varying = {key for key, column in columns.items() if len(column) > 1}
    parser = OverridesParser.create(config_loader=loader)
    parsed = {line: _parse(parser, [line])[0] for column in columns.values() for line in column}
    is_group = {line: bool(group_options(ov.key_or_group, loader)) for line, ov in parsed.items()}
    bases: dict[tuple[str, ...], tuple[DictConfig, dict[str, Any]]] = {}  # once per combination of group choices
    for job in itertools.islice(itertools.product(*columns.values()), MAX_CHECKED_JOBS):
        groups = tuple(line for line in job if is_group[line])
        if groups not in bases:
            base = _compose(loader, config_name, [*hydra_overrides, *groups], RunMode.RUN)
            bases[groups] = base, _job_data(base)
        fields = [parsed[line] for line in job if not is_group[line]]
        try:  # the job's field values go on top, as Hydra applies them after composing
            check_data(_with_fields(*bases[groups], fields))
        except Exception as exc:
            where = " ".join(line for line in job if parsed[line].get_key_element() in varying)
            raise ConfigError(f"{_one_line(exc)} (in the job {where})" if where else _one_line(exc)) from None


def _with_fields(base: DictConfig, data: dict[str, Any], fields: list[Override]) -> dict[str, Any]:
    """A job's data: its field overrides on the composed config. Scalars are set on a copy of the plain data
    (fast); anything else (a delete, a mapping merged in, an interpolation) goes through OmegaConf, as Hydra
    applies it."""
    out = copy.deepcopy(data)
    try:
        for ov in fields:
            value = ov.value()
            if ov.is_delete() or not isinstance(value, (bool, int, float, str)) or "${" in str(value):
                raise LookupError
            *parents, leaf = ov.key_or_group.split(".")
            node = out
            for part in parents:
                node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise LookupError
            node[leaf] = value
        return out
    except (LookupError, AttributeError, TypeError):
        cfg = copy.deepcopy(base)
        ConfigLoaderImpl._apply_overrides_to_config(fields, cfg)
        return _job_data(cfg)


def _values(ov: Override) -> list[Any]:
    if ov.is_interval_sweep():
        interval = ov.value()
        return [interval.start, interval.end]  # type: ignore[union-attr]
    if ov.is_sweep_override():
        return list(itertools.islice(ov.sweep_iterator(), MAX_CHECKED_VALUES))
    return [ov.value()]


def _parse(parser: OverridesParser, lines: list[str]) -> list[Override]:
    try:
        return parser.parse_overrides(lines)
    except Exception as exc:  # Hydra's grammar errors are multi-line: keep the first line, name the key
        for line in lines:
            try:
                parser.parse_overrides([line])
            except Exception:
                key = line.split("=", 1)[0] if "=" in line else line
                raise ConfigError(f"{key}: {excerpt(line)} cannot be read ({_one_line(exc)})") from None
        raise ConfigError(_one_line(exc)) from None


def _compose(loader: ConfigLoaderImpl, config_name: str, overrides: list[str], mode: RunMode) -> DictConfig:
    try:
        return loader.load_configuration(config_name, overrides, mode, validate_sweep_overrides=True)
    except Exception as exc:
        raise ConfigError(_one_line(exc)) from None


def _one_line(exc: BaseException) -> str:
    """The first line of an error; for OmegaConf's errors `full_key: message`, the key Hydra leaves out."""
    for err in (exc, exc.__cause__):
        if isinstance(err, OmegaConfBaseException) and getattr(err, "full_key", None):
            return f"{err.full_key}: {str(err.msg).strip().splitlines()[0]}"  # type: ignore[attr-defined]
    if isinstance(exc, ConfigError):
        return str(exc)
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _nested(key: str, value: Any) -> dict[str, Any]:
    out: Any = value
    for part in reversed(key.split(".")):
        out = {part: out}
    return out
