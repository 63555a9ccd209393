"""Every outcome the model reports, declared once: key, plain label, unit, which direction is better, whether it
can be computed over a window of years, when it is NaN, and what it means.

Everything that shows or ranks an outcome reads this registry: the run summary (its keys are exactly these),
the DataCollector, the printed summary, the README's and ODD's tables (generated: `python -m sim.outcomes`),
sweep and plan reports and figures, the workbench and `cpsim-sensitivity`. Windowed outcomes can be computed
over any years of a run with `Results.window(first_year, last_year)`.
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scenarios.schema import BUDGET_LINES, CASE_TYPES, EMPLOYERS, PARTNER_AGENCIES, PAYERS

CHANNELS = ("outreach", "community", "agency", "ngo")  # agents.cases.CHANNELS (kept equal by a test)

FORMATS = {  # how each unit is shown
    "share": "{:.1%}",
    "children": "{:,.0f}",
    "cases": "{:,.0f}",
    "per 1,000 child-years": "{:.1f}",
    "weeks": "{:.1f}",
    "Rp m": "{:,.0f}",
    "workers": "{:.1f}",
    "per year": "{:.1%}",
    "ratio": "{:.2f}",
    "score 0-100": "{:.1f}",
    "year": "{:.0f}",
    "years": "{:.1f}",
    "count": "{:,.0f}",
    "child-years": "{:,.0f}",
    "hours a week": "{:.1f}",
    "": "{}",
}


@dataclass(frozen=True)
class Outcome:
    key: str
    label: str  # plain words, for tables and figures
    unit: str  # one of FORMATS
    better: int = 0  # +1 higher is better, -1 lower is better, 0 neither (who pays, what was run)
    windowed: bool = False  # Results.window computes it over any years of the run
    nan_when: str = ""  # when it is NaN ("" = never)
    doc: str = ""  # what it means, for the README
    fmt: str = ""  # how to show a value, when the unit's format (FORMATS) does not fit (a mean of counts, say)

    def format(self, value: Any) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "n/a"
        return (self.fmt or FORMATS[self.unit]).format(value)

    @property
    def table_label(self) -> str:
        """The label, with its unit where neither the number nor the label says it."""
        silent = ("share", "per year", "children", "cases", "count", "ratio", "years", "year", "")
        return self.label if self.unit in silent or self.unit in self.label.lower() else self.axis_label

    @property
    def axis_label(self) -> str:
        """The label with its unit, for a figure's axis."""
        unit = {"share": "%", "per year": "% a year"}.get(self.unit, self.unit)
        return f"{self.label} ({unit})" if unit else self.label


PAYER_LABELS = {"funder": "the funder", "local": "the city", "national": "the national government"}

TYPE_LABELS = {
    "economic_exploitation": "child labour",
    "sexual_exploitation": "sexual exploitation",
    "violence": "violence",
    "neglect": "neglect",
    "birth_registration": "birth registration",
    "school_dropout": "school drop-out",
    "needs": "service needs",
}

_O = Outcome
_W = dict(windowed=True)


def _children_family() -> list[Outcome]:
    """The coverage cascade (children harmed, found, reached, effectively served), effective and contact
    coverage and unmet need: all harm, each type, service needs."""
    out = []
    for suffix, words in (("", "harm"), *((f"_{t}", TYPE_LABELS[t]) for t in (*CASE_TYPES, "needs"))):
        of = "" if not suffix else f", {words}"
        nan = (
            "no child of the type was harmed (or in need) in the window"
            if suffix
            else "no child was harmed in the window"
        )
        out += [
            _O(
                f"children_harmed{suffix}",
                f"Children harmed{of}",
                "children",
                -1,
                **_W,
                doc="children newly harmed (or in need): an episode harms its index child and "
                "`harm.siblings_harmed_share` of the siblings (all of them for neglect)"
                if not suffix
                else "",
            ),
            _O(
                f"children_found{suffix}",
                f"Children found{of}",
                "children",
                +1,
                **_W,
                doc="children whose episode was found by a detection channel (first detection)" if not suffix else "",
            ),
            _O(
                f"children_reached{suffix}",
                f"Children reached{of}",
                "children",
                +1,
                **_W,
                doc="children whose episode got a first service, whether or not it worked: the case resolved, the "
                "referred service delivered, or the intervention delivered and supervision begun"
                if not suffix
                else "",
            ),
            _O(
                f"children_served{suffix}",
                f"Children effectively served{of}",
                "children",
                +1,
                **_W,
                doc="children whose episode got a service that worked: the case resolved (the harm stopped) or the "
                "referred service delivered"
                if not suffix
                else "",
            ),
            _O(
                f"effective_coverage{suffix}",
                f"Effective coverage{of}",
                "share",
                +1,
                **_W,
                nan_when=nan,
                doc="children effectively served ÷ children harmed: the quality-adjusted, child-centred outcome "
                "(Tanahashi's cascade; Ng et al. 2014); it falls when fewer children are found or fewer services "
                "work, unlike the resolution rate"
                if not suffix
                else "",
            ),
            _O(
                f"contact_coverage{suffix}",
                f"Contact coverage{of}",
                "share",
                +1,
                **_W,
                nan_when=nan,
                doc="children reached ÷ children harmed: any first service, whether or not it worked"
                if not suffix
                else "",
            ),
            _O(
                f"unmet_need{suffix}",
                f"Unmet need{of}",
                "children",
                -1,
                **_W,
                doc="children harmed and not effectively served" if not suffix else "",
            ),
        ]
    return out


OUTCOMES_LIST: list[Outcome] = [
    # what was run
    _O("scenario", "Scenario", "", doc="the scenario's name"),
    _O("seed", "Seed", "", doc="the run's seed"),
    _O("years", "Years simulated", "years", **_W, doc="years in the run (or the window)"),
    _O("children", "Children", "count", doc="children in the city as run"),
    _O("families", "Families", "count", doc="households"),
    _O(
        "reference_children",
        "Children the scenario's counts are for",
        "count",
        doc="`population.reference_children` of the scenario: its staff, capacities and budgets are written for "
        "this many children",
    ),
    _O(
        "city_scale",
        "City size (share of the scenario's)",
        "ratio",
        doc="children ÷ reference children: the factor applied to every per-city count (1 = the scenario's own "
        "city; scenarios/scale.py)",
    ),
    # prevention and the children cascade
    _O(
        "incidence_per_1000_child_years",
        "Incidence of harm",
        "per 1,000 child-years",
        -1,
        **_W,
        doc="children newly harmed (four harm types) per 1,000 child-years: the prevention outcome",
    ),
    _O(
        "needs_per_1000_child_years",
        "New service needs",
        "per 1,000 child-years",
        -1,
        **_W,
        doc="new service needs (birth registration, school drop-out) per 1,000 child-years",
    ),
    *_children_family(),
    _O(
        "child_years_in_harm",
        "Child-years in harm",
        "child-years",
        -1,
        **_W,
        doc="the harm burden: children in an ongoing episode of harm, known or hidden, summed over the weeks ÷ 52. "
        "Stopping harm early lowers it even when the family, back at its own risk, is harmed again later and so "
        "adds to children harmed (which counts new episodes)",
    ),
    _O(
        "median_weeks_harm_to_service",
        "Weeks from harm to first service",
        "weeks",
        -1,
        **_W,
        nan_when="no episode of harm was served in the window",
        doc="median weeks from the start of an episode of harm to its first service",
    ),
    _O(
        "detected_share",
        "Detected share of harm episodes",
        "share",
        +1,
        **_W,
        nan_when="no harm episode began in the window",
        doc="share of harm episodes ever found by a detection channel",
    ),
    # cases
    _O("cases_opened", "Cases opened", "cases", 0, **_W, doc="cases opened"),
    _O("cases_resolved", "Cases resolved", "cases", +1, **_W, doc="cases closed resolved"),
    _O("cases_unresolved", "Cases closed unresolved", "cases", -1, **_W, doc="cases closed unresolved"),
    _O("cases_dropped", "Cases dropped", "cases", -1, **_W, doc="cases dropped (family dropped out, file lost)"),
    _O(
        "cases_open_at_end",
        "Cases open at the end",
        "cases",
        0,
        **_W,
        doc="cases still open at the end; opened = resolved + unresolved + dropped + open at end",
    ),
    _O(
        "closed_share",
        "Closed share of cases opened",
        "share",
        +1,
        **_W,
        nan_when="no case was opened",
        doc="cases closed ÷ cases opened",
    ),
    _O(
        "resolution_rate",
        "Resolution rate",
        "share",
        +1,
        **_W,
        nan_when="no case was closed",
        doc="resolved ÷ closed cases: a process measure of case resolution (it can rise while fewer children are "
        "found: read it with effective coverage)",
    ),
    _O(
        "resolution_rate_high_severity",
        "Resolution rate, high-severity cases",
        "share",
        +1,
        **_W,
        nan_when="no high-severity case was closed",
        doc="the same for high-severity cases",
    ),
    _O(
        "resolution_rate_low_severity",
        "Resolution rate, low-severity cases",
        "share",
        +1,
        **_W,
        nan_when="no low-severity case was closed",
        doc="the same for low-severity cases",
    ),
    _O(
        "median_weeks_to_resolution",
        "Weeks to resolution",
        "weeks",
        -1,
        **_W,
        nan_when="no case was resolved",
        doc="median weeks from opening to resolution",
    ),
    _O("backlog_end", "Backlog at the end", "cases", -1, **_W, doc="open cases (waiting + active) in the last week"),
    _O("waiting_end", "Waiting list at the end", "cases", -1, **_W, doc="cases waiting for a worker in the last week"),
    _O("mean_backlog", "Backlog, mean", "cases", -1, **_W, fmt="{:,.1f}", doc="mean open cases a week"),
    _O(
        "mean_waiting",
        "Waiting list, mean",
        "cases",
        -1,
        **_W,
        fmt="{:,.1f}",
        doc="mean cases waiting for a worker a week",
    ),
    _O(
        "recurrence_52w",
        "Recurrence within 52 weeks",
        "share",
        -1,
        **_W,
        nan_when="no case was resolved",
        doc="share of resolved cases whose family has a new case within 52 weeks",
    ),
    _O(
        "children_share_1_vulnerabilities",
        "Children in families with 1 vulnerability",
        "share",
        doc="the population's vulnerability profile as shares of children (000 l.633: 72.05 / 26.66 / 1.28%)",
    ),
    _O("children_share_2_vulnerabilities", "Children in families with 2 vulnerabilities", "share"),
    _O("children_share_3plus_vulnerabilities", "Children in families with 3+ vulnerabilities", "share"),
    _O(
        "service_coverage_vulnerable",
        "Vulnerable children ever served",
        "share",
        +1,
        nan_when="no child lives in a family with 2+ vulnerabilities",
        doc="share of children in families with 2+ vulnerabilities ever served (case or early intervention)",
    ),
    _O(
        "service_delivery_rate",
        "Service delivery rate",
        "share",
        +1,
        **_W,
        nan_when="no case was closed",
        doc="share of closed cases that received a service (resolved or referral delivered)",
    ),
    _O(
        "access_ratio",
        "Access through the integrated system",
        "ratio",
        +1,
        **_W,
        nan_when="no child would be found by the agency channel alone",
        doc="children found by the integrated system (all channels) ÷ the same harmed children expected to be found "
        "without it, by the agency channel alone at the acceptance of partners with no coordination aids, before "
        "the harm ends on its own: the study's with-and-without comparison (000 l.569); more integration raises it",
    ),
    *(
        _O(
            f"opened_via_{ch}",
            f"Cases found by {ch}",
            "cases",
            0,
            **_W,
            doc="cases found by `outreach`, `community`, `agency`, `ngo`" if ch == CHANNELS[0] else "",
        )
        for ch in CHANNELS
    ),
    _O("referrals_sent", "Referral offers", "count", 0, **_W, doc="referral offers to partners"),
    _O("referrals_completed", "Referred services delivered", "count", +1, **_W, doc="services partners delivered"),
    _O(
        "referral_completion_rate",
        "Referral completion rate",
        "share",
        +1,
        **_W,
        nan_when="no closed case needed a referral",
        doc="share of closed cases needing a referral that got it",
    ),
    *(
        _O(
            f"referrals_completed_{a}",
            f"Services delivered by {a.replace('_', ' ')}",
            "count",
            +1,
            **_W,
            doc="services delivered per partner agency" if a == PARTNER_AGENCIES[0] else "",
        )
        for a in PARTNER_AGENCIES
    ),
    # workforce
    _O("mean_workers", "Workers", "workers", 0, **_W, doc="mean workers in post"),
    _O(
        "mean_caseload",
        "Caseload per worker",
        "cases",
        -1,
        **_W,
        fmt="{:,.1f}",
        doc="mean caseload per worker (slots in use)",
    ),
    _O(
        "max_caseload",
        "Highest caseload",
        "cases",
        -1,
        **_W,
        fmt="{:,.1f}",
        doc="highest caseload of any worker (never above the cap)",
    ),
    _O(
        "mean_skill_end",
        "Skill at the end, low-severity work",
        "share",
        +1,
        **_W,
        doc="workers' mean low-severity skill in the last week",
    ),
    _O(
        "mean_high_skill_end",
        "Skill at the end, high-severity work",
        "share",
        +1,
        **_W,
        doc="workers' mean high-severity skill in the last week",
    ),
    _O("mean_morale", "Morale", "share", +1, **_W, doc="workers' mean morale"),
    _O(
        "turnover_per_year",
        "Worker turnover",
        "per year",
        -1,
        **_W,
        nan_when="no worker was employed",
        doc="exits per year ÷ mean workforce",
    ),
    _O("quits", "Workers who quit", "count", -1, **_W, doc="exits by quitting"),
    _O("layoffs", "Contracts ended", "count", -1, **_W, doc="exits by contracts ending"),
    # money
    *(
        _O(
            f"received_{p}",
            f"Money received, {p}",
            "Rp m",
            doc="money received by payer (`funder`, `local`, `national`); received = spent + balance"
            if p == PAYERS[0]
            else "",
        )
        for p in PAYERS
    ),
    *(
        _O(f"spend_{p}", f"Spending, {p}", "Rp m", 0, **_W, doc="spending by payer" if p == PAYERS[0] else "")
        for p in PAYERS
    ),
    *(
        _O(f"balance_{p}", f"Balance left, {p}", "Rp m", doc="money left by payer" if p == PAYERS[0] else "")
        for p in PAYERS
    ),
    *(
        _O(
            f"spend_{ln}",
            f"Spending on {ln.replace('_', ' ')}",
            "Rp m",
            0,
            **_W,
            doc="spending by budget line" if ln == BUDGET_LINES[0] else "",
        )
        for ln in BUDGET_LINES
    ),
    _O("spend_total", "Spending, all payers", "Rp m", 0, **_W, doc="spending in total"),
    _O(
        "cost_per_resolved_case",
        "Cost per resolved case",
        "Rp m",
        -1,
        **_W,
        nan_when="no case was resolved",
        fmt="{:,.2f}",
        doc="total spending ÷ resolved cases",
    ),
    # the funder's exit
    _O(
        "funder_exit_year",
        "Year the funder exits",
        "year",
        nan_when="the funder never stops paying within the horizon",
        doc="first year the funder pays nothing",
    ),
    _O(
        "resolution_before_withdrawal",
        "Resolution rate, two years before the withdrawal",
        "share",
        +1,
        nan_when="the funder does not exit, the horizon does not cover two years before the withdrawal and two "
        "after the exit, or no case closed in the window",
        doc="resolution in the two years before the withdrawal starts",
    ),
    _O(
        "resolution_after_exit",
        "Resolution rate, two years after the exit",
        "share",
        +1,
        nan_when="as for the resolution before the withdrawal",
        doc="resolution in the two years after the exit",
    ),
    _O(
        "sustainability_index",
        "Sustainability index",
        "ratio",
        +1,
        nan_when="either resolution rate around the exit is n/a, or none was resolved before",
        doc="resolution after the exit ÷ before the withdrawal",
    ),
    # cooperation (Keohane & Axelrod, 000 l.283, 002 l.40)
    _O(
        "coop_mutuality_of_interest",
        "Mutuality of interest",
        "share",
        +1,
        nan_when="neither funder nor local government paid for any programme line",
        doc="share of funded programme lines to which both funder and local government contributed",
    ),
    _O(
        "coop_number_of_actors",
        "Number of actors",
        "count",
        doc="partners with capacity + hub + funder + local government",
    ),
    _O(
        "coop_horizon_years",
        "Horizon of the funder's commitment",
        "years",
        +1,
        doc="years of funder commitment within the horizon (shadow of the future)",
    ),
    _O(
        "coop_regularity_meetings_per_year",
        "Coordination meetings a year",
        "count",
        +1,
        doc="coordination meetings per year",
    ),
    _O(
        "coop_information_share",
        "Information shared (working CMS)",
        "share",
        +1,
        doc="mean working share of the shared case-management system (its funded share; 0 without one)",
    ),
    _O(
        "coop_feedback_weeks",
        "Feedback time (referral delay)",
        "weeks",
        -1,
        nan_when="no referral was accepted",
        doc="mean referral delay over accepted referrals",
    ),
    _O(
        "coop_government_response_lag_years",
        "Government response lag",
        "years",
        -1,
        doc="the local government's pickup delay in the plan that applied (mean over budget lines)",
    ),
    _O(
        "local_pickup_years",
        "Years with local pickup",
        "count",
        +1,
        doc="years in which the local government picked up withdrawn lines",
    ),
    # coverage of the registry (Thailand's CPMS, 004 l.108)
    _O(
        "cases_per_1000_children_covered",
        "Cases per 1,000 children a year, covered areas",
        "per 1,000 child-years",
        0,
        nan_when="no child lives in a registry-covered area",
        doc="cases and resolution inside and outside registry-covered areas",
    ),
    _O(
        "cases_per_1000_children_uncovered",
        "Cases per 1,000 children a year, uncovered areas",
        "per 1,000 child-years",
        0,
        nan_when="every child lives in a covered area",
    ),
    _O(
        "resolution_rate_covered",
        "Resolution rate, covered areas",
        "share",
        +1,
        nan_when="no case in covered areas was closed",
    ),
    _O(
        "resolution_rate_uncovered",
        "Resolution rate, uncovered areas",
        "share",
        +1,
        nan_when="no case outside covered areas was closed (e.g. full registry coverage)",
    ),
    # the scorecard (ODD §7)
    *(
        _O(
            f"scorecard_{part}",
            f"Scorecard: {part.replace('_', ' ')}",
            "score 0-100",
            +1,
            doc="a PKSAI-style scorecard, 0–100 (formula in ODD §7)" if part == "regulation" else "",
        )
        for part in (
            "regulation",
            "coordination",
            "human_resources",
            "information",
            "services",
            "local_budget",
            "total",
        )
    ),
]

OUTCOMES: dict[str, Outcome] = {o.key: o for o in OUTCOMES_LIST}
assert len(OUTCOMES) == len(OUTCOMES_LIST), "an outcome key is declared twice"

# the printed summary of a run (`cpsim`), in this order
HEADLINE = (
    "children_harmed",
    "children_found",
    "children_reached",
    "children_served",
    "effective_coverage",
    "contact_coverage",
    "child_years_in_harm",
    "incidence_per_1000_child_years",
    "detected_share",
    "cases_opened",
    "resolution_rate",
    "resolution_rate_high_severity",
    "median_weeks_to_resolution",
    "mean_waiting",
    "backlog_end",
    "recurrence_52w",
    "referral_completion_rate",
    "mean_workers",
    "mean_caseload",
    "turnover_per_year",
    "spend_funder",
    "spend_local",
    "spend_national",
    "cost_per_resolved_case",
    "sustainability_index",
    "scorecard_total",
)


def outcome(key: str) -> Outcome:
    """The registry entry of `key`; a window's `_after` suffix (plans) or an unknown key gets a plain entry."""
    if key in OUTCOMES:
        return OUTCOMES[key]
    raise KeyError(f"{key!r} is not an outcome; see sim/outcomes.py")


def label(key: str) -> str:
    """The plain label of an outcome or weekly series, never a raw key when the registry knows it."""
    if key in OUTCOMES:
        return OUTCOMES[key].label
    if key in SERIES:
        return SERIES[key].label
    return key.replace("_", " ").capitalize()


def axis_label(key: str) -> str:
    """An outcome's or weekly series' label with its unit, for a figure's axis."""
    entry = OUTCOMES.get(key) or SERIES.get(key)
    return entry.axis_label if entry else label(key)


def parameter_label(path: str) -> str:
    """A config path or sweep group in words: `staffing.workers.local` -> `Staffing: workers, local`."""
    section, _, rest = path.partition(".")
    words = section.replace("_", " ").capitalize()
    return f"{words}: {rest.replace('.', ', ').replace('_', ' ')}" if rest else words


def unit_of(key: str) -> str:
    return OUTCOMES[key].unit if key in OUTCOMES else SERIES[key].unit if key in SERIES else ""


def windowed() -> list[str]:
    return [o.key for o in OUTCOMES_LIST if o.windowed]


# ---- the weekly series (weekly.parquet and the live DataCollector) ----

SERIES_LIST: list[Outcome] = [
    *(_O(f"new_{t}", f"Children harmed this week, {TYPE_LABELS[t]}", "children", -1) for t in CASE_TYPES),
    *(_O(f"detected_{t}", f"Children found this week, {TYPE_LABELS[t]}", "children", +1) for t in CASE_TYPES),
    *(_O(f"reached_{t}", f"Children reached this week, {TYPE_LABELS[t]}", "children", +1) for t in CASE_TYPES),
    *(
        _O(f"served_{t}", f"Children effectively served this week, {TYPE_LABELS[t]}", "children", +1)
        for t in CASE_TYPES
    ),
    _O(
        "found_without_hub",
        "Children harmed this week whom the agency channel alone would find (expected)",
        "children",
        doc="the counterfactual of `access_ratio`: agents/detection.py, found_without_hub_chance",
    ),
    _O("cases_opened", "Cases opened this week", "cases"),
    *(_O(f"opened_via_{ch}", f"Cases found by {ch} this week", "cases") for ch in CHANNELS),
    _O("cases_resolved", "Cases resolved this week", "cases", +1),
    _O("cases_unresolved", "Cases closed unresolved this week", "cases", -1),
    _O("cases_dropped", "Cases dropped this week", "cases", -1),
    _O("waiting", "Waiting list", "cases", -1),
    _O("active", "Cases being worked", "cases"),
    _O("backlog", "Backlog (waiting + active)", "cases", -1),
    *(_O(f"workers_{e}", f"Workers, {e} employer", "workers") for e in EMPLOYERS),
    _O("workers", "Workers", "workers"),
    _O("vacancies", "Vacant posts", "count", -1),
    _O("hires", "Hires this week", "count"),
    _O("exits", "Exits this week", "count", -1),
    _O("layoffs", "Contracts ended this week", "count", -1),
    _O("mean_skill", "Skill, low-severity work", "share", +1),
    _O("mean_high_skill", "Skill, high-severity work", "share", +1),
    _O("mean_morale", "Morale", "share", +1),
    _O("mean_caseload", "Caseload per worker", "cases", -1),
    _O("max_caseload", "Highest caseload", "cases", -1),
    _O("referrals_sent", "Referral offers this week", "count"),
    _O("referrals_accepted", "Referrals accepted this week", "count"),
    _O("referrals_completed", "Referred services delivered this week", "count", +1),
    _O("referral_acceptance", "Referral acceptance", "share", +1),
    _O("referral_delay", "Referral delay", "weeks", -1),
    _O("awareness", "Awareness of harm", "share", +1),
    _O("hidden_episodes", "Hidden episodes", "count", -1),
    _O("children_in_harm", "Children in ongoing harm", "children", -1),
    _O("early_interventions", "Early interventions this week", "count", +1),
    _O("outreach_intensity", "Outreach (funded share)", "share", +1),
    _O("prevention_intensity", "Prevention (funded share)", "share", +1),
    _O("cms_level", "Case-management system working", "share", +1),
    _O("spare_hours", "Staff hours free for outreach", "hours a week", +1),
    _O("staff_outreach_effort", "Outreach staffed (share of full)", "ratio", +1),
    _O("mean_attention", "Attention per case (share of hours needed)", "share", +1),
    *(_O(f"spend_{p}", f"Spending this week, {p}", "Rp m") for p in PAYERS),
    *(_O(f"spend_{ln}", f"Spending this week on {ln.replace('_', ' ')}", "Rp m") for ln in BUDGET_LINES),
    *(
        _O(f"spend_{p}_{ln}", f"Spending this week by {PAYER_LABELS[p]} on {ln.replace('_', ' ')}", "Rp m")
        for p in PAYERS
        for ln in BUDGET_LINES
    ),
    # to date, for the live DataCollector
    _O("children_harmed_to_date", "Children harmed so far", "children", -1),
    _O("children_found_to_date", "Children found so far", "children", +1),
    _O("children_reached_to_date", "Children reached so far", "children", +1),
    _O("children_served_to_date", "Children effectively served so far", "children", +1),
    _O("effective_coverage_to_date", "Effective coverage so far", "share", +1),
    _O("resolution_rate_to_date", "Resolution rate so far", "share", +1),
]
SERIES: dict[str, Outcome] = {o.key: o for o in SERIES_LIST}

# what the model's DataCollector reports each week (mesa.batch_run's last row gives the run's headline)
LIVE = (
    "children_harmed_to_date",
    "children_found_to_date",
    "children_reached_to_date",
    "children_served_to_date",
    "effective_coverage_to_date",
    "resolution_rate_to_date",
    "cases_opened",
    "cases_resolved",
    "waiting",
    "active",
    "backlog",
    "workers",
    "vacancies",
    "exits",
    "mean_skill",
    "mean_high_skill",
    "mean_morale",
    "mean_caseload",
    "referral_acceptance",
    "awareness",
    "hidden_episodes",
    "spend_funder",
    "spend_local",
    "spend_national",
)
WORKER_REPORTERS = ("employer", "skill", "high_skill", "caseload", "morale")  # per social worker, each week


# ---- generated documentation ----


_NAMES = {
    "<type>": (*CASE_TYPES, "needs"),
    "<agency>": PARTNER_AGENCIES,
    "<payer>": PAYERS,
    "<line>": BUDGET_LINES,
    "<channel>": CHANNELS,
    "<part>": ("regulation", "coordination", "human_resources", "information", "services", "local_budget", "total"),
    "<k>_vulnerabilities": ("2_vulnerabilities", "3plus_vulnerabilities"),
    "<area>": ("covered", "uncovered"),
}


def pattern(key: str) -> str:
    """`children_served_neglect` -> `children_served_<type>`: the key's family (one whose every member is an
    outcome)."""
    for placeholder, names in _NAMES.items():
        for name in sorted(names, key=len, reverse=True):
            stem = key[: -len(name)]
            if key.endswith("_" + name) and all(stem + other in OUTCOMES for other in names):
                return stem + placeholder
    return key


def markdown_table() -> str:
    """The README's summary table: one row per outcome, a family of per-type (per-agency, ...) outcomes in one
    row."""
    lines = ["| key | label | unit | better | window | meaning |", "|---|---|---|---|---|---|"]
    seen: set[str] = set()
    for o in OUTCOMES_LIST:
        key = o.key if o.doc else pattern(o.key)
        if key in seen:
            continue
        seen.add(key)
        better = {1: "higher", -1: "lower", 0: ""}[o.better]
        doc = o.doc or "the same, per " + next(p for p in _NAMES if key.endswith(p)).split(">")[0].strip("<")
        name = o.label if o.doc else "〃"
        lines.append(f"| `{key}` | {name} | {o.unit} | {better} | {'yes' if o.windowed else ''} | {doc} |")
    return "\n".join(lines)


def nan_table() -> str:
    lines = ["| key | NaN when |", "|---|---|"]
    texts: dict[str, set[str]] = {}
    for o in OUTCOMES_LIST:
        texts.setdefault(pattern(o.key), set()).add(o.nan_when)
    rows = dict.fromkeys(
        (pattern(o.key) if len(texts[pattern(o.key)]) == 1 else o.key, o.nan_when) for o in OUTCOMES_LIST if o.nan_when
    )
    lines += [f"| `{key}` | {when} |" for key, when in rows]
    return "\n".join(lines)


BLOCKS = {"outcomes": markdown_table, "outcomes-nan": nan_table}


def regenerate(text: str) -> str:
    """`text` with every generated block (between `<!-- NAME:start -->` and `<!-- NAME:end -->`) rewritten."""
    for name, make in BLOCKS.items():
        pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.S)
        text = pattern.sub(lambda m, make=make: m.group(1) + make() + "\n" + m.group(2), text)
    return text


def main() -> None:
    root = Path(__file__).resolve().parents[1]
    for path in (root / "README.md", root / "docs" / "ODD.md"):
        path.write_text(regenerate(path.read_text()))
    print("outcome tables regenerated in README.md and docs/ODD.md", file=sys.stderr)


if __name__ == "__main__":
    main()
