"""The committed baseline: every scenario's summary for seeds 0-2 (Covasim's baseline-file habit).

`tests/test_baseline.py` compares fresh runs with `tests/data/baseline.json` key by key, so a change in the
model's numbers is a decision, never an accident. Regenerate only for an intended change, and say which and
why in the commit message:

    .venv/bin/python tests/baseline.py
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

BASELINE_FILE = Path(__file__).parent / "data" / "baseline.json"
SEEDS = (0, 1, 2)


def run_summary(scenario: str, seed: int) -> dict[str, Any]:
    """One scenario run's summary, with NaN as None (JSON has no NaN)."""
    from sim.compose import scenario_dict
    from sim.run import run

    summary = run(scenario_dict(scenario), seed).summary
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in summary.items()}


def all_runs() -> list[tuple[str, int]]:
    from sim.overrides import scenario_names

    return [(name, seed) for name in scenario_names() for seed in SEEDS]


def main() -> None:
    from concurrent.futures import ProcessPoolExecutor

    runs = all_runs()
    with ProcessPoolExecutor(2) as pool:
        summaries = list(pool.map(run_summary, *zip(*runs, strict=True)))
    out = {f"{name}/{seed}": s for (name, seed), s in zip(runs, summaries, strict=True)}
    BASELINE_FILE.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(out)} summaries to {BASELINE_FILE}")


if __name__ == "__main__":
    main()
