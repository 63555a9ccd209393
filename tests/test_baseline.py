"""Restructuring must not change results: fresh runs of the frozen configs equal the committed baseline, the
summary key by key and the weekly, case and worker tables by their fingerprints."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from baseline import BASELINE_FILE, TABLES, run_record

BASELINE = json.loads(BASELINE_FILE.read_text())


def _close(a: Any, b: Any) -> bool:
    return a == b or (isinstance(a, float) and isinstance(b, float) and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9))


@pytest.mark.slow
@pytest.mark.parametrize("key", sorted(BASELINE))
def test_run_matches_baseline(key: str) -> None:
    scenario, seed = key.split("/")
    expected, got = BASELINE[key], run_record(scenario, int(seed))
    want, have = expected["summary"], got["summary"]
    assert sorted(have) == sorted(want), "summary keys changed"
    different = {k: (want[k], have[k]) for k in want if not _close(want[k], have[k])}
    assert not different, f"{key} summary: {different}"
    for name in TABLES:
        want_t, have_t = expected["tables"][name], got["tables"][name]
        assert have_t["rows"] == want_t["rows"], f"{key} {name}: row count changed"
        assert have_t["exact_sha256"] == want_t["exact_sha256"], f"{key} {name}: an exact column changed"
        sums = {c: (v, have_t["float_sums"].get(c)) for c, v in want_t["float_sums"].items()}
        off = {c: pair for c, pair in sums.items() if pair[1] is None or not _close(*pair)}
        assert not off, f"{key} {name} float sums: {off}"
