"""One line per plan: does it keep children protected compared with the baseline, at what cost, and when
does service fall off a cliff?

A plan "holds" when the 90% interval of its paired difference stays within the tolerance on both effective
coverage (children served / children harmed, relative) and incidence (relative) over the transition window;
it "falls short" when the interval lies wholly beyond the tolerance on either; otherwise the seeds cannot tell
("unclear"). Coverage counts children, so a plan that finds fewer children (cutting outreach, say) serves
fewer of the harmed and cannot "hold" by lightening caseloads; the resolution rate, a ratio of closed cases,
is reported as a process measure only. The line says in words what the plan costs in children reached.
"""

from __future__ import annotations

import math

import pandas as pd


def verdict(table: pd.DataFrame, plan: str, baseline: str, cliff: str | None, tolerance: float) -> str:
    if plan == baseline:
        return f"{plan}: baseline" + (f"; cliff {cliff}" if cliff else "")
    row = table[table.plan == plan].set_index("kpi")
    cov, inc = row.loc["effective_coverage_after"], row.loc["incidence_per_1000_child_years_after"]
    cov_tol, inc_tol = tolerance * cov.baseline, tolerance * inc.baseline
    if cov.delta_hi < -cov_tol or inc.delta_lo > inc_tol:
        status = "falls short"
    elif cov.delta_lo >= -cov_tol and inc.delta_hi <= inc_tol:
        status = "holds"
    else:
        status = "unclear (more seeds needed)"
    served, found = row.loc["children_served_after"], row.loc["children_found_after"]
    res, local, funder = row.loc["resolution_rate_after"], row.loc["spend_local"], row.loc["spend_funder"]
    return (
        f"{plan}: {status} — {_children(served.delta, 'served')} and {_children(found.delta, 'found')} "
        f"({_pct(served.delta, served.baseline)} served) over the transition window; effective coverage "
        f"{_pp(cov.delta)} [{_pp(cov.delta_lo)}, {_pp(cov.delta_hi)}], incidence {_pct(inc.delta, inc.baseline)}, "
        f"resolution rate {_pp(res.delta)}; city pays {local.delta:+,.0f} Rp m, funder {funder.delta:+,.0f} Rp m "
        f"vs {baseline}; cliff {cliff or 'none'}"
    )


def _children(diff: float, verb: str) -> str:
    if math.isnan(diff):
        return f"children {verb} n/a"
    n = round(abs(diff))
    return f"{n:,} {'more' if diff > 0 else 'fewer'} children {verb}" if n else f"as many children {verb}"


def _pp(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{100 * x:+.1f} pp"


def _pct(diff: float, base: float) -> str:
    return "n/a" if math.isnan(diff) or not base else f"{100 * diff / base:+.1f}%"
