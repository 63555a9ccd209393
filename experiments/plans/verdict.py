"""One line per plan: does it keep children protected compared with the baseline, why, at what cost, and when
does service fall off a cliff?

The rule, stated in every line: a plan "falls short" when the 90% interval of its paired difference lies wholly
below the tolerance on effective coverage (children effectively served / children harmed, the tolerance a share
of the baseline's coverage) or wholly above it on incidence (relative); it "holds" when both intervals lie
inside the tolerance; otherwise the seeds cannot tell ("unclear"). Coverage counts children, so a plan that
finds fewer children (cutting outreach, say) serves fewer of the harmed and cannot "hold" by lightening
caseloads; the resolution rate, a ratio of closed cases, is reported as a process measure only. The line then
gives the children harmed, found, served and left unserved, and the money, each with its interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Judgement:
    status: str  # "holds", "falls short" or "unclear (more seeds needed)"
    deciding: tuple[str, ...]  # the outcomes that decided it: "effective coverage", "incidence" (none: both in)
    because: str  # which interval decided it, in words
    rule: str  # the rule and its tolerance, in words
    coverage_limit: float  # the largest fall in effective coverage allowed (a share, e.g. 0.004 = 0.4 points)


def judge(table: pd.DataFrame, plan: str, baseline: str, tolerance: float) -> Judgement:
    """Apply the rule (module docstring) to one plan's paired differences."""
    row = table[table.plan == plan].set_index("kpi")
    cov, inc = row.loc["effective_coverage_after"], row.loc["incidence_per_1000_child_years_after"]
    cov_tol, inc_tol = tolerance * cov.baseline, tolerance * inc.baseline
    cov_short, inc_short = cov.delta_hi < -cov_tol, inc.delta_lo > inc_tol
    cov_within, inc_within = cov.delta_lo >= -cov_tol, inc.delta_hi <= inc_tol
    if cov_short or inc_short:
        status = "falls short"
        deciding = (("effective coverage",) if cov_short else ()) + (("incidence",) if inc_short else ())
        because = [f"effective coverage's whole interval lies below {_pp(-cov_tol)}"] if cov_short else []
        because += [f"incidence's whole interval lies above {_pct(inc_tol, inc.baseline)}"] if inc_short else []
    elif cov_within and inc_within:
        status, deciding, because = "holds", (), ["both intervals lie inside the tolerance"]
    else:
        status = "unclear (more seeds needed)"
        checks = (("effective coverage", cov_within), ("incidence", inc_within))
        deciding = tuple(name for name, ok in checks if not ok)
        because = [f"{name}'s interval straddles its limit" for name in deciding]
    rule = (
        f"a plan falls short when the whole 90% interval of its paired difference lies below {_pp(-cov_tol)} of "
        f"effective coverage ({tolerance:.0%} of the baseline's) or above {tolerance:+.0%} incidence, holds when "
        "both intervals lie inside these limits, and is unclear otherwise"
    )
    return Judgement(status, deciding, " and ".join(because), rule, cov_tol)


def verdict(table: pd.DataFrame, plan: str, baseline: str, cliff: str | None, tolerance: float) -> str:
    if plan == baseline:
        return f"{plan}: baseline" + (f"; cliff {cliff}" if cliff else "")
    row = table[table.plan == plan].set_index("kpi")
    cov, inc = row.loc["effective_coverage_after"], row.loc["incidence_per_1000_child_years_after"]
    judged = judge(table, plan, baseline, tolerance)
    served, found = row.loc["children_served_after"], row.loc["children_found_after"]
    res, local, funder = row.loc["resolution_rate_after"], row.loc["spend_local"], row.loc["spend_funder"]
    children = [_children(served.delta, "served") + f" ({_pct(served.delta, served.baseline)})"]
    children.append(_children(found.delta, "found"))
    for key, words in (("children_harmed_after", "children harmed"), ("unmet_need_after", "unmet need")):
        if key in row.index:
            r = row.loc[key]
            children.append(f"{words} {_count(r.delta)} [{_count(r.delta_lo)}, {_count(r.delta_hi)}]")
    return (
        f"{plan}: {judged.status} — deciding: {judged.because}. "
        f"Over the transition window, effective coverage {_pp(cov.delta)} "
        f"[{_pp(cov.delta_lo, '')}, {_pp(cov.delta_hi, '')}] "
        f"vs {baseline}'s {_share(cov.baseline)}, incidence {_pct(inc.delta, inc.baseline)} "
        f"[{_pct(inc.delta_lo, inc.baseline)}, {_pct(inc.delta_hi, inc.baseline)}]. "
        f"Rule: {judged.rule}. "
        f"Children: {', '.join(children)}; resolution rate {_pp(res.delta)} (a process measure, not judged). "
        f"Over the horizon the city pays {_money(local)}, the funder {_money(funder)} vs {baseline}; "
        f"cliff {cliff or 'none'}"
    )


def _money(r: pd.Series) -> str:
    interval = f" [{r.delta_lo:+,.0f}, {r.delta_hi:+,.0f}]" if "delta_lo" in r and r.delta_hi > r.delta_lo else ""
    return f"{r.delta:+,.0f} Rp m{interval}"


def _children(diff: float, verb: str) -> str:
    if math.isnan(diff):
        return f"children {verb} n/a"
    n = round(abs(diff))
    return f"{n:,} {'more' if diff > 0 else 'fewer'} children {verb}" if n else f"as many children {verb}"


def _count(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:+,.0f}"


def _share(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{100 * x:.1f}%"


def _pp(x: float, unit: str = " points") -> str:
    return "n/a" if math.isnan(x) else f"{100 * x:+.1f}{unit}"


def _pct(diff: float, base: float) -> str:
    return "n/a" if math.isnan(diff) or not base else f"{100 * diff / base:+.1f}%"
