"""The per-run summary, and any windowed outcome over chosen years of a run.

Every key is an outcome of the registry (`sim/outcomes.py`), which says what it means, its unit and when it
is NaN. Values are plain floats / ints (NaN where an outcome does not apply, e.g. sustainability when the
funder never leaves), so a sweep can stack summaries into one table.

`window_outcomes` computes every windowed outcome from the run's tables over weeks [first, end): the summary
uses it for the whole horizon, `Results.window(first_year, last_year)` for any years.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from agents.cases import CHANNELS
from scenarios.schema import BUDGET_LINES, CASE_TYPES, HARM_TYPES, NEED_TYPES, PARTNER_AGENCIES, PAYERS, Config
from sim.outcomes import OUTCOMES

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
    s: dict[str, float | int | str] = {
        "scenario": cfg.run.name,
        "seed": model.seed,
        "children": fam.n_children,
        "families": fam.n,
        "reference_children": model.reference_children,
        "city_scale": model.scale,
    }
    s.update(window_outcomes(weekly, cases, workers, cfg, 0, model.n_weeks))
    for k, label in ((1, "1"), (2, "2"), (3, "3plus")):  # the profile of 000 l.633, as children
        s[f"children_share_{label}_vulnerabilities"] = _ratio(fam.children[fam.vuln_count == k].sum(), fam.n_children)
    at_risk, served = fam.children_at_risk_served()
    s["service_coverage_vulnerable"] = _ratio(served, at_risk)
    for p, payer in enumerate(PAYERS):
        s[f"received_{payer}"] = float(ledger.received[p].sum())
        s[f"balance_{payer}"] = float(ledger.balance[p].sum())
    s.update(_sustainability(model, cases))
    s.update(_cooperation(model, weekly))
    s.update(_coverage_split(model, cases))
    s.update(_scorecard(model, weekly, s))
    missing = set(OUTCOMES) - set(s)
    assert not missing, f"outcomes not computed: {sorted(missing)}"
    return {k: (s[k].item() if isinstance(s[k], np.generic) else s[k]) for k in OUTCOMES}


def window_outcomes(
    weekly: pd.DataFrame, cases: pd.DataFrame, workers: pd.DataFrame, cfg: Config, first: int, end: int
) -> dict[str, float]:
    """Every windowed outcome of the registry over weeks [first, end) of a run."""
    w = weekly[(weekly.week >= first) & (weekly.week < end)]
    years = (end - first) / 52
    child_years = cfg.population.n_children * years
    opened = cases[(cases.opened_week >= first) & (cases.opened_week < end)]
    closed = cases[(cases.closed_week >= first) & (cases.closed_week < end)]
    resolved = closed[closed.status == "resolved"]
    still_open = cases[(cases.opened_week < end) & ((cases.closed_week < 0) | (cases.closed_week >= end))]
    harm_new = sum(w[f"new_{t}"].sum() for t in HARM_TYPES)
    s: dict[str, float] = {
        "years": years,
        "incidence_per_1000_child_years": 1000 * harm_new / child_years,
        "child_years_in_harm": float(w.children_in_harm.sum()) / 52,
        "needs_per_1000_child_years": 1000 * sum(w[f"new_{t}"].sum() for t in NEED_TYPES) / child_years,
        "detected_share": _ratio(sum(w[f"detected_{t}"].sum() for t in HARM_TYPES), harm_new),
        "cases_opened": len(opened),
        "cases_resolved": len(resolved),
        "cases_unresolved": int((closed.status == "unresolved").sum()),
        "cases_dropped": int((closed.status == "dropped").sum()),
        "cases_open_at_end": len(still_open),
        "closed_share": _ratio(((opened.closed_week >= 0) & (opened.closed_week < end)).sum(), len(opened)),
        "resolution_rate": _ratio(len(resolved), len(closed)),
        "resolution_rate_high_severity": _ratio(resolved.high_severity.sum(), closed.high_severity.sum()),
        "resolution_rate_low_severity": _ratio((~resolved.high_severity).sum(), (~closed.high_severity).sum()),
        "median_weeks_to_resolution": float(resolved.weeks_open.median()) if len(resolved) else math.nan,
        "backlog_end": int(w.backlog.iloc[-1]),
        "waiting_end": int(w.waiting.iloc[-1]),
        "mean_backlog": float(w.backlog.mean()),
        "mean_waiting": float(w.waiting.mean()),
        "recurrence_52w": _recurrence_within(cases, resolved, 52),
        "service_delivery_rate": _ratio(
            ((closed.status == "resolved") | (closed.referral == "done")).sum(), len(closed)
        ),
        # the "five times more likely to reach services" of 000 l.569, on the same children: those the integrated
        # system found, over those the agency channel alone would find without it (agents/detection.py)
        "access_ratio": _ratio(sum(w[f"detected_{t}"].sum() for t in CASE_TYPES), w.found_without_hub.sum()),
    }
    for ch in CHANNELS:
        s[f"opened_via_{ch}"] = int((opened.channel == ch).sum())
    needing = closed[closed.referral != "none"]
    s["referrals_sent"] = int(w.referrals_sent.sum())
    s["referrals_completed"] = int(w.referrals_completed.sum())
    s["referral_completion_rate"] = _ratio((needing.referral == "done").sum(), len(needing))
    delivered = cases[(cases.referral_done_week >= first) & (cases.referral_done_week < end)]
    for agency in PARTNER_AGENCIES:
        s[f"referrals_completed_{agency}"] = int((delivered.referral_agency == agency).sum())

    mean_workers = float(w.workers.mean())
    s["mean_workers"] = mean_workers
    s["mean_caseload"] = float(w.mean_caseload.mean())
    s["max_caseload"] = float(w.max_caseload.max())
    s["mean_skill_end"] = float(w.mean_skill.iloc[-1])
    s["mean_high_skill_end"] = float(w.mean_high_skill.iloc[-1])
    s["mean_morale"] = float(w.mean_morale.mean())
    s["turnover_per_year"] = _ratio(w.exits.sum() / years, mean_workers)
    left = workers[(workers.exit_week >= first) & (workers.exit_week < end)]
    s["quits"] = int((left.exit_reason == "quit").sum())
    s["layoffs"] = int((left.exit_reason == "contract_ended").sum())

    for payer in PAYERS:
        s[f"spend_{payer}"] = float(w[f"spend_{payer}"].sum())
    for line in BUDGET_LINES:
        s[f"spend_{line}"] = float(w[f"spend_{line}"].sum())
    s["spend_total"] = float(sum(s[f"spend_{payer}"] for payer in PAYERS))
    s["cost_per_resolved_case"] = _ratio(s["spend_total"], len(resolved))
    s.update(children_outcomes(w, cases, first, end))
    return s


def children_outcomes(weekly: pd.DataFrame, cases: pd.DataFrame, first: int, end: int) -> dict[str, float]:
    """Outcomes counted in children (the weekly table's rows are the window's weeks), per harm type and for all
    harm (and for service needs), the coverage cascade: harmed, found, reached (a first service: the case
    resolved, the referred service delivered, or the intervention delivered and supervision begun), effectively
    served (a service that worked: the case resolved or the referred service delivered); effective coverage
    (served / harmed), contact coverage (reached / harmed), unmet need (harmed, never effectively served), and
    the median weeks from the start of harm to the first service. Who in a family
    is harmed: the index child and `harm.siblings_harmed_share` of the siblings."""
    out: dict[str, float] = {}
    groups = {**{t: (t,) for t in CASE_TYPES}, "harm": HARM_TYPES, "needs": NEED_TYPES}
    for label, types in groups.items():
        harmed = sum(weekly[f"new_{t}"].sum() for t in types)
        reached = sum(weekly[f"reached_{t}"].sum() for t in types)
        served = sum(weekly[f"served_{t}"].sum() for t in types)
        suffix = "" if label == "harm" else f"_{label}"
        out[f"children_harmed{suffix}"] = int(harmed)
        out[f"children_found{suffix}"] = int(sum(weekly[f"detected_{t}"].sum() for t in types))
        out[f"children_reached{suffix}"] = int(reached)
        out[f"children_served{suffix}"] = int(served)
        out[f"effective_coverage{suffix}"] = _ratio(served, harmed)
        out[f"contact_coverage{suffix}"] = _ratio(reached, harmed)
        out[f"unmet_need{suffix}"] = int(harmed - served)
    served_cases = cases[(cases.served_week >= 0) & cases.case_type.isin(HARM_TYPES)]
    first_service = served_cases.groupby("episode_id").agg(served=("served_week", "min"), harm=("harm_week", "first"))
    first_service = first_service[(first_service.served >= first) & (first_service.served < end)]
    delays = first_service.served - first_service.harm
    out["median_weeks_harm_to_service"] = float(delays.median()) if len(delays) else math.nan
    return out


def _recurrence_within(cases: pd.DataFrame, resolved: pd.DataFrame, weeks: int) -> float:
    """Share of the resolved cases whose family had a new case opened within `weeks` of the closure."""
    if resolved.empty:
        return math.nan
    pairs = resolved[["family_id", "closed_week"]].merge(cases[["family_id", "opened_week"]], on="family_id")
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
