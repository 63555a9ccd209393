"""One line per plan: does it keep children protected compared with the baseline, at what cost, and when
does resolution fall off a cliff?

A plan "holds" when the 90% interval of its paired difference stays within the tolerance on both resolution
(percentage points) and incidence (relative) over the transition window; it "falls short" when the interval
lies wholly beyond the tolerance on either; otherwise the seeds cannot tell ("unclear"). The line also gives
the change in cases opened (children reached): a plan that cuts outreach finds fewer children, which lightens
caseloads and can raise the resolution rate while fewer children are helped.
"""

from __future__ import annotations

import math

import pandas as pd


def verdict(table: pd.DataFrame, plan: str, baseline: str, cliff: str | None, tolerance: float) -> str:
    if plan == baseline:
        return f"{plan}: baseline" + (f"; cliff {cliff}" if cliff else "")
    row = table[table.plan == plan].set_index("kpi")
    res, inc = row.loc["resolution_after"], row.loc["incidence_after"]
    inc_tol = tolerance * inc.baseline
    if res.delta_hi < -tolerance or inc.delta_lo > inc_tol:
        status = "falls short"
    elif res.delta_lo >= -tolerance and inc.delta_hi <= inc_tol:
        status = "holds"
    else:
        status = "unclear (more seeds needed)"
    local, funder, reach = row.loc["spend_local"], row.loc["spend_funder"], row.loc["cases_opened_after"]
    return (
        f"{plan}: {status} — resolution {_pp(res.delta)} [{_pp(res.delta_lo)}, {_pp(res.delta_hi)}], incidence "
        f"{_pct(inc.delta, inc.baseline)}, cases opened {_pct(reach.delta, reach.baseline)} over the transition "
        f"window; city pays {local.delta:+,.0f} Rp m, "
        f"funder {funder.delta:+,.0f} Rp m vs {baseline}; cliff {cliff or 'none'}"
    )


def _pp(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{100 * x:+.1f} pp"


def _pct(diff: float, base: float) -> str:
    return "n/a" if math.isnan(diff) or not base else f"{100 * diff / base:+.1f}%"
