"""The committed baseline: every scenario run with seeds 0-2 (Covasim's baseline-file habit).

Two files, both regenerated only on purpose:

- `tests/data/baseline_configs.json` holds each scenario's fully resolved config, frozen. The baseline runs
  these, not the live scenario files, so recalibrating a scenario does not move the baseline; refreezing is a
  separate decision (`--freeze`).
- `tests/data/baseline.json` holds, per scenario and seed, the summary and fingerprints of the weekly, case and
  worker tables: a hash of every exact column (counts, weeks, statuses, categories) and the sum of every float
  column (compared with a relative tolerance, as BLAS may round differently on another CPU).

`tests/test_baseline.py` compares fresh runs with the file, so a change in the model's numbers is a decision,
never an accident. Regenerate only for an intended change, and say which and why in the commit message:

    .venv/bin/python tests/baseline.py            # rerun the frozen configs, rewrite baseline.json
    .venv/bin/python tests/baseline.py --freeze   # first refreeze the configs from the scenario files
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

DATA = Path(__file__).parent / "data"
BASELINE_FILE = DATA / "baseline.json"
CONFIGS_FILE = DATA / "baseline_configs.json"
SEEDS = (0, 1, 2)
TABLES = ("weekly", "cases", "workers")


def frozen_configs() -> dict[str, dict[str, Any]]:
    return json.loads(CONFIGS_FILE.read_text())


def fingerprint(table: pd.DataFrame) -> dict[str, Any]:
    """A hash of the exact columns (ints, bools, categories: the same on any machine) and the sum of each float
    column (a checksum compared with a tolerance)."""
    exact = [c for c in table.columns if not pd.api.types.is_float_dtype(table[c])]
    digest = hashlib.sha256()
    for column in exact:
        values = table[column]
        data = values.cat.codes if isinstance(values.dtype, pd.CategoricalDtype) else values
        digest.update(column.encode())
        digest.update(np.ascontiguousarray(data.to_numpy(dtype=np.int64)).tobytes())
    floats = {c: float(table[c].sum()) for c in table.columns if c not in exact}
    return {"rows": len(table), "exact_sha256": digest.hexdigest(), "float_sums": floats}


def run_record(scenario: str, seed: int) -> dict[str, Any]:
    """One frozen scenario run: its summary (NaN as None, JSON has no NaN) and its tables' fingerprints."""
    from sim.run import run

    res = run(frozen_configs()[scenario], seed)
    summary = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in res.summary.items()}
    return {"summary": summary, "tables": {name: fingerprint(getattr(res, name)) for name in TABLES}}


def all_runs() -> list[tuple[str, int]]:
    return [(name, seed) for name in sorted(frozen_configs()) for seed in SEEDS]


def freeze() -> None:
    """Resolve every scenario from its files as they are now and store the configs."""
    from sim.compose import scenario_dict
    from sim.overrides import scenario_names

    configs = {name: scenario_dict(name) for name in scenario_names()}
    CONFIGS_FILE.write_text(json.dumps(configs, indent=1, sort_keys=True) + "\n")
    print(f"froze {len(configs)} scenario configs in {CONFIGS_FILE}")


def main() -> None:
    from concurrent.futures import ProcessPoolExecutor

    if "--freeze" in sys.argv[1:]:
        freeze()
    runs = all_runs()
    with ProcessPoolExecutor(2) as pool:
        records = list(pool.map(run_record, *zip(*runs, strict=True)))
    out = {f"{name}/{seed}": r for (name, seed), r in zip(runs, records, strict=True)}
    BASELINE_FILE.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(out)} runs to {BASELINE_FILE}")


if __name__ == "__main__":
    main()
