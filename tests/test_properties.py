"""Property test: any valid config runs without an exception, keeps the conservation invariants and gives NaN
only where the outcome registry (and so the README) says a value can be NaN.

Every schema field is drawn from its whole allowed range (small populations, short horizons, few workers, so
an example takes a fraction of a second). CI runs a modest number of examples; for a larger run:

    CPSIM_HYPOTHESIS_EXAMPLES=1000 pytest tests/test_properties.py
"""

from __future__ import annotations

import math
import os
from typing import Any

import pytest

hypothesis = pytest.importorskip("hypothesis")  # in the `test` extra
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from schema_leaves import leaves  # noqa: E402

from scenarios.schema import BUDGET_LINES, PAYERS  # noqa: E402
from scenarios.validate import config_from_dict  # noqa: E402
from sim.outcomes import OUTCOMES  # noqa: E402
from sim.run import run  # noqa: E402

EXAMPLES = int(os.environ.get("CPSIM_HYPOTHESIS_EXAMPLES", "25"))
# what keeps an example small; every other field takes any allowed value
SMALL = {
    "population.n_children": st.integers(1, 3_000),
    "staffing.workers.national": st.integers(0, 8),
    "staffing.workers.local": st.integers(0, 8),
    "staffing.workers.donor": st.integers(0, 8),
    "staffing.supervisors": st.integers(0, 5),
    "run.start_year": st.just(2015),
    "run.end_year": st.integers(2016, 2018),
    "run.name": st.just("property"),
}
LEAVES = [leaf for leaf in leaves() if leaf.path not in ("funding.withdrawal_start_year",)]


def _value(leaf: Any) -> st.SearchStrategy:
    if leaf.path in SMALL:
        return SMALL[leaf.path]
    if leaf.choices:
        return st.sampled_from(leaf.choices)
    if leaf.kind is bool:
        return st.booleans()
    if leaf.kind is int:
        return st.integers(int(leaf.lo), int(leaf.hi))
    if leaf.kind is float:
        return st.floats(leaf.lo, leaf.hi, allow_nan=False, allow_infinity=False)
    return st.nothing()


@st.composite
def configs(draw: st.DrawFn) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for leaf in LEAVES:
        if leaf.kind is str and not leaf.choices and leaf.path not in SMALL:
            continue  # free text (none but run.name) keeps its default
        node = data
        *parents, name = leaf.path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[name] = draw(_value(leaf))
    # the cross-field rules, met by construction
    pop = data["population"]
    weights = [draw(st.floats(0.01, 1.0)) for _ in range(3)]
    keys = ("share_one_vulnerability", "share_two_vulnerabilities", "share_three_plus_vulnerabilities")
    pop.update({k: w / sum(weights) for k, w in zip(keys, weights, strict=True)})
    pop[keys[0]] = 1.0 - pop[keys[1]] - pop[keys[2]]
    pop["registry_drive_start_year"] = draw(st.integers(2015, 2019))
    pop["registry_drive_end_year"] = draw(st.integers(pop["registry_drive_start_year"], 2021))
    staff = data["staffing"]
    staff["caseload_norm"] = min(staff["caseload_norm"], staff["caseload_cap"])
    fund = data["funding"]
    fund["withdrawal_start_year"] = draw(st.integers(data["run"]["start_year"], data["run"]["end_year"] - 1))
    for line in BUDGET_LINES:
        fund["local_share"][line] = min(fund["local_share"][line], 1.0 - fund["funder_share"][line])
    return data


def check_invariants(cfg: dict[str, Any], seed: int) -> None:
    res = run(cfg, seed)
    s = res.summary
    # every NaN is one the outcome registry (and so the README's generated table) says can happen
    for key, value in s.items():
        if isinstance(value, float) and math.isnan(value):
            assert key in OUTCOMES and OUTCOMES[key].nan_when, f"{key} is NaN, but the README says it never is"
    # every case accounted for
    assert s["cases_opened"] == len(res.cases)
    assert (
        s["cases_opened"] == s["cases_resolved"] + s["cases_unresolved"] + s["cases_dropped"] + s["cases_open_at_end"]
    )
    # the caseload cap holds
    assert res.weekly.max_caseload.max() <= res.config.staffing.caseload_cap
    # money: finite, received = spent + balance, never negative
    for payer in PAYERS:
        received, spent, balance = s[f"received_{payer}"], s[f"spend_{payer}"], s[f"balance_{payer}"]
        assert all(math.isfinite(x) for x in (received, spent, balance)), payer
        assert received == pytest.approx(spent + balance, rel=1e-9, abs=1e-6), payer
        assert balance >= -1e-6 and spent >= -1e-9, payer
    assert math.isfinite(s["spend_total"])
    assert sum(s[f"spend_{line}"] for line in BUDGET_LINES) == pytest.approx(s["spend_total"], rel=1e-9, abs=1e-6)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 25,  # CI: the same examples every run; a larger run explores
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@pytest.mark.slow
@given(cfg=configs(), seed=st.integers(0, 2**63 - 1))
def test_any_valid_config_runs_and_conserves(cfg: dict[str, Any], seed: int) -> None:
    config_from_dict(cfg)  # the strategy makes valid configs only
    check_invariants(cfg, seed)
