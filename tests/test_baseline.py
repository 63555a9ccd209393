"""Restructuring must not change results: fresh summaries equal the committed baseline key by key."""

from __future__ import annotations

import json
import math

import pytest
from baseline import BASELINE_FILE, run_summary

BASELINE = json.loads(BASELINE_FILE.read_text())


@pytest.mark.parametrize("key", sorted(BASELINE))
def test_summary_matches_baseline(key: str) -> None:
    scenario, seed = key.split("/")
    expected, got = BASELINE[key], run_summary(scenario, int(seed))
    assert sorted(got) == sorted(expected), "summary keys changed"
    different = {
        k: (expected[k], got[k])
        for k in expected
        if not (
            expected[k] == got[k]
            or (isinstance(expected[k], float) and math.isclose(expected[k], got[k], rel_tol=1e-9, abs_tol=1e-12))
        )
    }
    assert not different, f"{key}: {different}"
