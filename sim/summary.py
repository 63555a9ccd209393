"""The per-run summary: one flat dict of KPIs computed from the finished model and its tables.

Every key is documented in the README ("Outputs"). Values are plain floats / ints (NaN where a KPI does not
apply, e.g. sustainability when the funder never leaves), so a sweep can stack summaries into one table.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from agents.cases import CHANNELS
from scenarios.schema import BUDGET_LINES, CASE_TYPES, HARM_TYPES, NEED_TYPES, PAYERS

if TYPE_CHECKING:
    from sim.model import CPModel

REGULATION_SCORE = {"none": 0.2, "mayoral": 0.6, "regional_law": 1.0}


def _ratio(a: float, b: float) -> float:
    return float(a) / float(b) if b else math.nan


def resolution_rate(cases: pd.DataFrame, first_week: int, last_week: int) -> float:
    """Resolved share of the cases that closed in weeks [first_week, last_week)."""
    closed = cases[(cases.closed_week >= first_week) & (cases.closed_week < last_week)]
    return _ratio((closed.status == "resolved").sum(), len(closed))


def summarise(model: CPModel, weekly: pd.DataFrame, cases: pd.DataFrame, workers: pd.DataFrame) -> dict:
    cfg, fam, ledger = model.cfg, model.families, model.ledger
    years = model.n_weeks / 52
    child_years = fam.n_children * years
    harm_new = sum(weekly[f"new_{t}"].sum() for t in HARM_TYPES)
    harm_found = sum(weekly[f"detected_{t}"].sum() for t in HARM_TYPES)
    closed = cases[cases.closed_week >= 0]
    resolved = closed[closed.status == "resolved"]
    s: dict[str, float | int | str] = {
        "scenario": cfg.run.name,
        "seed": model.seed,
        "years": years,
        "children": fam.n_children,
        "families": fam.n,
        "incidence_per_1000_child_years": 1000 * harm_new / child_years,
        "needs_per_1000_child_years": 1000 * sum(weekly[f"new_{t}"].sum() for t in NEED_TYPES) / child_years,
        "detected_share": _ratio(harm_found, harm_new),
        "cases_opened": len(cases),
        "cases_resolved": len(resolved),
        "cases_unresolved": int((closed.status == "unresolved").sum()),
        "cases_dropped": int((closed.status == "dropped").sum()),
        "cases_open_at_end": len(cases) - len(closed),
        "closed_share": _ratio(len(closed), len(cases)),
        "resolution_rate": _ratio(len(resolved), len(closed)),
        "resolution_rate_high_severity": _ratio(resolved.high_severity.sum(), closed.high_severity.sum()),
        "resolution_rate_low_severity": _ratio((~resolved.high_severity).sum(), (~closed.high_severity).sum()),
        "median_weeks_to_resolution": float(resolved.weeks_open.median()) if len(resolved) else math.nan,
        "backlog_end": int(weekly.backlog.iloc[-1]),
        "waiting_end": int(weekly.waiting.iloc[-1]),
        "mean_backlog": float(weekly.backlog.mean()),
        "mean_waiting": float(weekly.waiting.mean()),
        "recurrence_52w": _recurrence_within(cases, 52),
    }
    for k, label in ((1, "1"), (2, "2"), (3, "3plus")):  # the profile of 000 l.633, as children
        s[f"children_share_{label}_vulnerabilities"] = _ratio(fam.children[fam.vuln_count == k].sum(), fam.n_children)
    at_risk, served = fam.children_at_risk_served()
    s["service_coverage_vulnerable"] = _ratio(served, at_risk)
    s["service_delivery_rate"] = _ratio(
        ((closed.status == "resolved") | (closed.referral == "done")).sum(), len(closed)
    )
    # vulnerable children reach services through every channel of the integrated system, versus the agency
    # channel alone (what exists without it): the "five times more likely" comparison of 000 l.569
    s["access_ratio"] = _ratio(len(cases), (cases.channel == "agency").sum())
    for ch in CHANNELS:
        s[f"opened_via_{ch}"] = int((cases.channel == ch).sum())

    needing = closed[closed.referral != "none"]
    s["referrals_sent"] = int(weekly.referrals_sent.sum())
    s["referrals_completed"] = int(weekly.referrals_completed.sum())
    s["referral_completion_rate"] = _ratio((needing.referral == "done").sum(), len(needing))
    for agency in model.partners:
        s[f"referrals_completed_{agency.name}"] = agency.served

    mean_workers = float(weekly.workers.mean())
    s["mean_workers"] = mean_workers
    s["mean_caseload"] = float(weekly.mean_caseload.mean())
    s["max_caseload"] = float(weekly.max_caseload.max())
    s["mean_skill_end"] = float(weekly.mean_skill.iloc[-1])
    s["mean_high_skill_end"] = float(weekly.mean_high_skill.iloc[-1])
    s["mean_morale"] = float(weekly.mean_morale.mean())
    s["turnover_per_year"] = _ratio(weekly.exits.sum() / years, mean_workers)
    s["quits"] = int((workers.exit_reason == "quit").sum())
    s["layoffs"] = int((workers.exit_reason == "contract_ended").sum())

    for p, payer in enumerate(PAYERS):
        s[f"received_{payer}"] = float(ledger.received[p].sum())
        s[f"spend_{payer}"] = float(ledger.spent[p].sum())
        s[f"balance_{payer}"] = float(ledger.balance[p].sum())
    for ln, line in enumerate(BUDGET_LINES):
        s[f"spend_{line}"] = float(ledger.spent[:, ln].sum())
    s["spend_total"] = float(ledger.spent.sum())
    s["cost_per_resolved_case"] = _ratio(ledger.spent.sum(), len(resolved))

    s.update(children_outcomes(weekly, cases))
    s.update(_sustainability(model, cases))
    s.update(_cooperation(model, weekly))
    s.update(_coverage_split(model, cases))
    s.update(_scorecard(model, weekly, s))
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in s.items()}


def children_outcomes(weekly: pd.DataFrame, cases: pd.DataFrame) -> dict[str, float]:
    """Outcomes counted in children, per harm type and for all harm (and for service needs): harmed, found,
    served (the case resolved, the referred service delivered, or the intervention delivered and supervision
    begun), effective coverage (served / harmed),
    unmet need (harmed, never served), and the median weeks from the start of harm to the first service.
    Who in a family is harmed: the index child and `harm.siblings_harmed_share` of the siblings."""
    out: dict[str, float] = {}
    groups = {**{t: (t,) for t in CASE_TYPES}, "harm": HARM_TYPES, "needs": NEED_TYPES}
    for label, types in groups.items():
        harmed = sum(weekly[f"new_{t}"].sum() for t in types)
        served = sum(weekly[f"served_{t}"].sum() for t in types)
        suffix = "" if label == "harm" else f"_{label}"
        out[f"children_harmed{suffix}"] = int(harmed)
        out[f"children_found{suffix}"] = int(sum(weekly[f"detected_{t}"].sum() for t in types))
        out[f"children_served{suffix}"] = int(served)
        out[f"effective_coverage{suffix}"] = _ratio(served, harmed)
        out[f"unmet_need{suffix}"] = int(harmed - served)
    served_cases = cases[(cases.served_week >= 0) & cases.case_type.isin(HARM_TYPES)]
    first = served_cases.groupby("episode_id").agg(served=("served_week", "min"), harm=("harm_week", "first"))
    out["median_weeks_harm_to_service"] = float((first.served - first.harm).median()) if len(first) else math.nan
    return out


def _recurrence_within(cases: pd.DataFrame, weeks: int) -> float:
    """Share of resolved cases whose family had a new case opened within `weeks` of the closure."""
    resolved = cases[cases.status == "resolved"][["family_id", "closed_week"]]
    if resolved.empty:
        return math.nan
    later = cases[["family_id", "opened_week"]]
    pairs = resolved.merge(later, on="family_id")
    gap = pairs.opened_week - pairs.closed_week
    hit = pairs[(gap > 0) & (gap <= weeks)]
    return len(hit.drop_duplicates(["family_id", "closed_week"])) / len(resolved)


def _sustainability(model: CPModel, cases: pd.DataFrame) -> dict[str, float]:
    """Resolution in the two years after the funder's exit over the two years before its withdrawal began."""
    start = model.cfg.run.start_year
    exit_year = model.funder.exit_year()
    out = {
        "funder_exit_year": float(exit_year) if exit_year else math.nan,
        "resolution_before_withdrawal": math.nan,
        "resolution_after_exit": math.nan,
        "sustainability_index": math.nan,
    }
    withdrawal_year = model.funder.withdrawal_start_year()
    if exit_year is None or withdrawal_year is None:
        return out
    w0 = 52 * (withdrawal_year - start)
    we = 52 * (exit_year - start)
    if w0 - 104 < 0 or we + 104 > model.n_weeks:
        return out
    before = resolution_rate(cases, w0 - 104, w0)
    after = resolution_rate(cases, we, we + 104)
    out["resolution_before_withdrawal"] = before
    out["resolution_after_exit"] = after
    out["sustainability_index"] = _ratio(after, before)
    return out


def _cooperation(model: CPModel, weekly: pd.DataFrame) -> dict[str, float]:
    """Keohane & Axelrod's conditions for cooperation, as the model can measure them (000 l.283, 002 l.40)."""
    spent = model.ledger.spent
    f, lg = PAYERS.index("funder"), PAYERS.index("local")
    lines_used = (spent[f] + spent[lg]) > 0
    both = (spent[f] > 0) & (spent[lg] > 0)
    exit_year = model.funder.exit_year() or model.cfg.run.end_year
    accepted = weekly.referrals_accepted.sum()
    return {
        "coop_mutuality_of_interest": _ratio(both.sum(), lines_used.sum()),
        "coop_number_of_actors": model.n_partners + 3,  # partners + hub + funder + local government
        "coop_horizon_years": float(min(exit_year, model.cfg.run.end_year) - model.cfg.run.start_year),
        "coop_regularity_meetings_per_year": model.cfg.coordination.meetings_per_year,
        "coop_information_share": float(weekly.cms_level.mean()),
        "coop_feedback_weeks": float(np.average(weekly.referral_delay, weights=weekly.referrals_accepted))
        if accepted
        else math.nan,
        "coop_government_response_lag_years": model.government.response_lag_years(),
        "local_pickup_years": len(model.government.pickup_years),
    }


def _coverage_split(model: CPModel, cases: pd.DataFrame) -> dict[str, float]:
    """Cases handled inside and outside registry-covered areas (Thailand's CPMS, 004 l.108)."""
    fam = model.families
    out = {}
    for label, covered in (("covered", True), ("uncovered", False)):
        children = fam.children[fam.covered == covered].sum()
        mine = cases[cases.registry_covered == covered]
        closed = mine[mine.closed_week >= 0]
        out[f"cases_per_1000_children_{label}"] = _ratio(1000 * len(mine), children * model.n_weeks / 52)
        out[f"resolution_rate_{label}"] = _ratio((closed.status == "resolved").sum(), len(closed))
    return out


def _scorecard(model: CPModel, weekly: pd.DataFrame, s: dict) -> dict[str, float]:
    """A PKSAI-style scorecard (0-100) in the spirit of UNICEF's (000 l.729); our own formula, see ODD."""
    cfg = model.cfg
    positions = max(1, sum(model.positions.values()))
    staffed = float(weekly.workers.mean()) / positions
    manageable = min(1.0, cfg.staffing.caseload_norm / max(1e-9, s["mean_caseload"]))
    hr = staffed * float(weekly.mean_high_skill.mean()) * manageable
    f, lg = PAYERS.index("funder"), PAYERS.index("local")
    programme = model.ledger.spent[[f, lg]].sum()
    parts = {
        "scorecard_regulation": 100 * REGULATION_SCORE[cfg.funding.regulation],
        "scorecard_coordination": 100 * float(weekly.referral_acceptance.mean()),
        "scorecard_human_resources": 100 * hr,
        "scorecard_information": 100 * float(weekly.cms_level.mean()),
        "scorecard_services": 100 * (s["resolution_rate"] if not math.isnan(s["resolution_rate"]) else 0.0),
        "scorecard_local_budget": 100 * _ratio(model.ledger.spent[lg].sum(), programme) if programme else 0.0,
    }
    parts["scorecard_total"] = float(np.mean(list(parts.values())))
    return parts
