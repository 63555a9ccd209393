"""The configuration schema: every parameter, its default (a Makassar-like city), range and source.

Each field is declared with `param(...)`, which stores in the field's metadata the allowed range or choices,
a one-line meaning and its provenance: a study reference ("000 l.633" = seed file 000, line 633),
"assumed (range; reason)" or "calibrated". `scenarios.validate` reads these to check a config; `docs/ODD.md` and
the README quote them. Money is in millions of rupiah (Rp m); time in weeks unless a name says otherwise.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, make_dataclass
from typing import Any

HARM_TYPES = ("economic_exploitation", "sexual_exploitation", "violence", "neglect")
NEED_TYPES = ("birth_registration", "school_dropout")
CASE_TYPES = HARM_TYPES + NEED_TYPES
BUDGET_LINES = (
    "training",
    "mentoring",
    "case_management_system",
    "outreach",
    "worker_contracts",
    "prevention",
)
PAYERS = ("funder", "local", "national")
EMPLOYERS = ("national", "local", "donor")
PARTNER_AGENCIES = (
    "social_affairs",
    "p2tp2a",
    "police",
    "health",
    "civil_registry",
    "schools",
    "care_institutions",
    "ngo",
)
VULNERABILITIES = (
    "poverty",
    "out_of_school",
    "no_birth_certificate",
    "kin_care",
    "child_marriage",
    "disability",
    "street_involved",
)
REGULATIONS = ("none", "mayoral", "regional_law")
# lines the local government cuts first when its programme budget is short: programme extras before staff
DEFAULT_CUT_ORDER = ("training", "mentoring", "outreach", "prevention", "case_management_system", "worker_contracts")
WITHDRAWAL_SHAPES = ("none", "abrupt", "linear", "exponential")


def param(
    default: Any,
    doc: str,
    source: str = "assumed",
    lo: float | None = None,
    hi: float | None = None,
    choices: tuple[str, ...] | None = None,
    lever: Any = None,
) -> Any:
    """A config field with its meaning, provenance and allowed range in the metadata.

    `lever` marks one of the four lever groups' fields and gives its sweep range (see scenarios/levers.py):
    `(lo, hi)`, or for a per-type group `{member: (lo, hi)}`; a bound may name the horizon ("start+1",
    "end-1") or the room another share leaves ("1-funder_share")."""
    meta = {"doc": doc, "source": source, "lo": lo, "hi": hi, "choices": choices, "lever": lever}
    if callable(default):  # a factory for a mutable default (list, nested group)
        return field(default_factory=default, metadata=meta)
    return field(default=default, metadata=meta)


def share(default: float, doc: str, source: str = "assumed", lever: Any = None) -> Any:
    return param(default, doc, source, lo=0.0, hi=1.0, lever=lever)


def rate(default: float, doc: str, source: str = "assumed") -> Any:
    """A weekly probability."""
    return param(default, doc, source, lo=0.0, hi=1.0)


def positive(default: float, doc: str, source: str = "assumed", hi: float | None = None, lever: Any = None) -> Any:
    return param(default, doc, source, lo=0.0, hi=hi, lever=lever)


# ---- per-type value groups: one field per case type / line / employer / agency, made from the name tuples ----

# the partner that serves each case type's referrals unless a scenario says otherwise (000 l.575, l.619)
DEFAULT_REFERRAL_AGENCY = {
    "economic_exploitation": "social_affairs",
    "sexual_exploitation": "police",
    "violence": "p2tp2a",
    "neglect": "care_institutions",
    "birth_registration": "civil_registry",
    "school_dropout": "schools",
}


def _per_name(class_name: str, names: tuple[str, ...], kind: type, default: Any) -> type:
    """A dataclass with one field per name, all of one type (a default per name if `default` is a dict)."""
    fields = [(n, kind, field(default=default[n] if isinstance(default, dict) else default)) for n in names]
    return make_dataclass(class_name, fields, module=__name__)


CaseTypeValues = _per_name("CaseTypeValues", CASE_TYPES, float, 0.0)
CaseTypeAgencies = _per_name("CaseTypeAgencies", CASE_TYPES, str, DEFAULT_REFERRAL_AGENCY)
LineValues = _per_name("LineValues", BUDGET_LINES, float, 0.0)
LineYears = _per_name("LineYears", BUDGET_LINES, int, 0)
EmployerValues = _per_name("EmployerValues", EMPLOYERS, float, 0.0)
EmployerCounts = _per_name("EmployerCounts", EMPLOYERS, int, 0)
AgencyValues = _per_name("AgencyValues", PARTNER_AGENCIES, float, 0.0)
VulnerabilityValues = _per_name("VulnerabilityValues", VULNERABILITIES, float, 0.0)


@dataclass
class Shock:
    year: int = param(2020, "calendar year the shock starts", "000 l.211 (COVID-19)", lo=1900, hi=2200)
    magnitude: float = param(0.5, "relative rise in economic stress", "assumed (0.2-1.0)", lo=-0.9, hi=5.0)
    duration_years: float = param(1.0, "years the shock lasts", "assumed (0.5-2)", lo=0.0, hi=20.0)
    harm_types: list[str] = param(
        lambda: ["economic_exploitation", "neglect", "school_dropout"],
        "case types whose hazard the stress rise reaches (others keep their stress)",
        "assumed; 000 l.211 (COVID-19 pushed children to work), closed schools (drop-out), strained homes (neglect)",
        choices=CASE_TYPES,
    )
    detection_factor: float = param(
        0.7,
        "multiplier on outreach, community, agency and NGO detection while the shock lasts (1 = unchanged)",
        "assumed (0.5-0.9); COVID-19 closed schools and stopped home visits",
        lo=0.0,
        hi=2.0,
    )


# ---- sections ----


@dataclass
class RunConfig:
    name: str = param("makassar_pksai", "scenario label written into outputs")
    start_year: int = param(2015, "first simulated year (1 January)", "000 l.211 (PKSAI launch 2015)", 1900, 2200)
    end_year: int = param(2025, "year the run stops (exclusive)", "000 (study period to 2022) + assumed", 1901, 2201)


@dataclass
class PopulationConfig:
    n_children: int = param(137_932, "children in the modelled population", "000 l.633 (2015 database)", 1, 5e6)
    reference_children: int = param(
        137_932,
        "children the scenario's per-city counts are written for (staff posts, supervisors, partner capacities, "
        "yearly programme costs, early interventions, a plan's posts and budgets); a run with another n_children "
        "scales them by n_children / reference_children (scenarios/scale.py; 0 = written for n_children itself)",
        "000 l.633 (Makassar's 2015 database); set per scenario with n_children",
        0,
        5e6,
    )
    children_per_family: float = param(2.3, "mean children per household", "assumed (1.8-3.0; BPS urban)", 1.0, 8.0)
    share_one_vulnerability: float = share(0.7205, "families with 1 vulnerability", "000 l.633 (72.05%)")
    share_two_vulnerabilities: float = share(0.2666, "families with 2 vulnerabilities", "000 l.633 (26.66%)")
    share_three_plus_vulnerabilities: float = share(0.0128, "families with 3+ vulnerabilities", "000 l.633")
    vulnerability_weights: VulnerabilityValues = param(
        lambda: VulnerabilityValues(
            poverty=1.0,
            out_of_school=0.25,
            no_birth_certificate=0.2,
            kin_care=0.1,
            child_marriage=0.03,
            disability=0.05,
            street_involved=0.04,
        ),
        "relative chance a vulnerability is among a family's; poverty first as the database is of poor homes",
        "assumed (000 l.633 outreach mix: 77 kin care, 20 married of 1,440)",
        lo=0.0,
        hi=100.0,
    )
    stress_sd: float = positive(0.3, "spread (log-sd) of household economic stress", "assumed (0.1-0.6)", 3.0)
    awareness_mean: float = share(0.2, "mean initial awareness of harm", "assumed (0.1-0.4); low per 000 l.772")
    awareness_spread: float = positive(0.1, "sd of initial awareness", "assumed (0.05-0.2)", 1.0)
    registry_coverage: float = share(1.0, "share of families in areas with a child registry / outreach", "assumed")
    unregistered_backlog: float = share(
        0.0,
        "share of families, beyond those the vulnerability draw flags, whose children have no birth certificate at "
        "the start; the civil registry's drive registers them, passing those with a pending need to the unit (0 = no "
        "backlog)",
        "assumed (0-0.3); set per scenario",
    )
    registry_drive_start_year: int = param(
        0, "year the civil registry's drive begins (0 = the first year)", "assumed; set per scenario", 0, 2200
    )
    registry_drive_end_year: int = param(
        0,
        "year by whose end the drive has brought the families without certificates down to the vulnerability "
        "draw's level (0 = the first year)",
        "assumed; set per scenario",
        0,
        2200,
    )


@dataclass
class EconomyConfig:
    stress_trend_per_year: float = param(
        0.0, "yearly relative drift of economic stress", "assumed (-0.1-0.3)", -0.5, 2.0
    )
    shocks: list[Shock] = param(lambda: [Shock()], "scheduled economic shocks", "000 l.211")


@dataclass
class HarmConfig:
    weekly_hazard_per_child: CaseTypeValues = param(
        lambda: CaseTypeValues(
            economic_exploitation=6.0e-5,
            sexual_exploitation=1.5e-5,
            violence=2.4e-4,
            neglect=1.6e-4,
            birth_registration=4.0e-5,
            school_dropout=9.0e-5,
        ),
        "weekly chance per child of a new harm / need at stress 1, 1 vulnerability",
        "calibrated (to ~2,000 reported cases/yr, 000 l.215)",
        lo=0.0,
        hi=0.05,
    )
    stress_elasticity: CaseTypeValues = param(
        lambda: CaseTypeValues(
            economic_exploitation=1.6,
            sexual_exploitation=1.0,
            violence=0.6,
            neglect=0.8,
            birth_registration=0.2,
            school_dropout=1.2,
        ),
        "hazard grows as stress**elasticity (poverty the main driver)",
        "assumed (0-2); direction 000 l.661, 002 l.52",
        lo=0.0,
        hi=5.0,
    )
    extra_vulnerability_risk: float = param(
        1.5, "hazard multiplier per vulnerability beyond the first", "assumed (1.2-2.0)", 1.0, 10.0
    )
    no_birth_certificate_trafficking_risk: float = param(
        2.0, "sexual exploitation multiplier without birth certificate", "assumed (1.5-3); 001 l.138", 1.0, 10.0
    )
    out_of_school_labour_risk: float = param(
        2.0, "economic exploitation multiplier when out of school", "assumed (1.5-3); 001 l.79", 1.0, 10.0
    )
    registered_registration_need: float = share(
        0.1,
        "registration need of a family whose children have birth certificates, relative to one whose children "
        "have none (newborns, other civil documents)",
        "assumed (0.05-0.3)",
    )
    out_of_school_dropout_need: float = share(
        0.2, "drop-out hazard of a family already out of school, relative to others (fewer left to drop out)", "assumed"
    )
    kin_care_neglect_risk: float = param(2.0, "neglect multiplier in kin care", "assumed; 000 l.633 (16/77)", 1.0, 10.0)
    disability_neglect_risk: float = param(2.0, "neglect multiplier with disability", "assumed (1.5-3)", 1.0, 10.0)
    street_labour_risk: float = param(3.0, "economic exploitation multiplier if street-involved", "assumed", 1.0, 10.0)
    dropout_at_school_year_start: float = share(
        0.5,
        "share of a year's school drop-outs that surface in the first weeks of the school year (pupils who do "
        "not re-enrol); the rest spread over the other weeks",
        "assumed (0.3-0.8); drop-out shows at re-enrolment and at the move between school levels",
    )
    school_year_start_week: int = param(
        28, "week of the calendar year the school year starts (1 = first week of January)", "Indonesia: mid-July", 1, 52
    )
    school_year_start_weeks: int = param(
        8, "weeks from the school year's start in which pupils who did not return are noticed", "assumed (4-12)", 1, 51
    )
    awareness_protection: float = share(0.3, "hazard falls by this share at full awareness", "assumed (0.1-0.5)")
    hidden_harm_ends_weekly: float = rate(0.02, "weekly chance undetected harm stops on its own", "assumed (0.01-0.05)")
    protection_after_resolution: float = share(
        0.3,
        "a family's hazard falls by this share for a while after a case of theirs resolves (a service that "
        "worked); an unresolved case, or hidden harm that stops on its own, leaves the family's own risk",
        "assumed (0-0.5); no study gives recurrence rates (digest §4)",
    )
    recurrence_window_weeks: int = param(
        52, "weeks the lower hazard after a resolved case lasts", "assumed (26-104)", 1, 520
    )
    siblings_harmed_share: CaseTypeValues = param(
        lambda: CaseTypeValues(
            economic_exploitation=0.3,
            sexual_exploitation=0.0,
            violence=0.3,
            neglect=1.0,
            birth_registration=0.0,
            school_dropout=0.0,
        ),
        "share of a harmed child's siblings harmed in the same episode: children harmed = 1 + round(share x "
        "(children - 1)); neglect is household-wide, exploitation usually one child",
        "assumed (0-1); 000 l.211 (parents send children to work), l.633 (neglect in kin care)",
        lo=0.0,
        hi=1.0,
    )
    high_severity_share: CaseTypeValues = param(
        lambda: CaseTypeValues(
            economic_exploitation=0.3,
            sexual_exploitation=0.8,
            violence=0.4,
            neglect=0.2,
            birth_registration=0.0,
            school_dropout=0.0,
        ),
        "share of cases that are high severity (need formal referral and skill)",
        "assumed (000 l.679-685: workers suited to low-risk cases)",
        lo=0.0,
        hi=1.0,
    )


@dataclass
class DetectionConfig:
    outreach_weekly: CaseTypeValues = param(
        lambda: CaseTypeValues(
            economic_exploitation=0.004,
            sexual_exploitation=0.0015,
            violence=0.002,
            neglect=0.004,
            birth_registration=0.015,
            school_dropout=0.01,
        ),
        "weekly chance funded outreach finds an ongoing harm (at full outreach funding)",
        "assumed; outreach exists (000 l.575, l.633)",
        lo=0.0,
        hi=1.0,
    )
    community_report_weekly: CaseTypeValues = param(
        lambda: CaseTypeValues(
            economic_exploitation=0.006,
            sexual_exploitation=0.002,
            violence=0.012,
            neglect=0.007,
            birth_registration=0.0,
            school_dropout=0.004,
        ),
        "weekly chance of a community report at full awareness (scaled by awareness)",
        "assumed; self-report low (004 l.119)",
        lo=0.0,
        hi=1.0,
    )
    agency_channel_weekly: CaseTypeValues = param(
        lambda: CaseTypeValues(
            economic_exploitation=0.0015,
            sexual_exploitation=0.0015,
            violence=0.004,
            neglect=0.002,
            birth_registration=0.008,
            school_dropout=0.015,
        ),
        "weekly chance schools, health or police notice and pass on a case (scaled by coordination)",
        "assumed",
        lo=0.0,
        hi=1.0,
    )
    ngo_identification_weekly: CaseTypeValues = param(
        lambda: CaseTypeValues(),
        "weekly chance an NGO partner identifies a victim (ECPAT-style)",
        "assumed (0 unless an NGO does outreach; 002 l.104)",
        lo=0.0,
        hi=1.0,
    )
    uncovered_outreach_factor: float = share(
        0.3, "outreach strength outside registry-covered areas", "assumed (004 l.108)"
    )
    uncovered_community_factor: float = share(
        0.5,
        "community reporting outside registry-covered areas, where no child-protection committee receives "
        "neighbours' reports (they must reach the district office or the police)",
        "assumed: 0.3-0.8 (004 l.108: committees not formed evenly, not all cases handled)",
    )


@dataclass
class StaffingConfig:
    workers: EmployerCounts = param(
        lambda: EmployerCounts(national=6, local=15, donor=6),
        "worker positions by employer (Kemensos Sakti Peksos / local government / donor contract)",
        "assumed (no staff counts published; Makassar: a few Sakti Peksos and UNICEF contracts, one local worker "
        "per sub-district; never fitted)",
        lo=0,
        hi=10_000,
        lever={"local": (0, 24), "donor": (0, 20)},
    )
    caseload_cap: int = param(25, "hard cap on open cases per worker", "assumed (15-40)", 1, 500)
    caseload_norm: int = param(
        15, "caseload above which morale falls (speed follows the hours, agents/worktime.py)", "assumed (10-25)", 1, 500
    )
    supervisors: float = param(
        1.0,
        "senior supervisors in full-time posts, raising morale (a fraction is a part-time or shared supervisor)",
        "assumed (0-3)",
        0,
        1000,
    )
    workers_per_supervisor: float = param(
        8.0,
        "workers one supervisor can support: supervision (and its morale bonus) is full at this ratio or better",
        "assumed (5-12); the span of supervision in child-welfare services",
        1.0,
        100.0,
    )
    hiring_lag_weeks: int = param(16, "weeks from vacancy to a new worker", "assumed (8-26)", 0, 520)
    salary_per_week: EmployerValues = param(
        lambda: EmployerValues(national=0.9, local=0.8, donor=1.1),
        "salary per worker-week, Rp m",
        "assumed (Rp 3.5-5 m / month)",
        lo=0.0,
        hi=100.0,
    )


@dataclass
class TrainingConfig:
    classroom: bool = param(
        True, "classroom training at the start (and refreshers if set)", "000 l.679", lever=(False, True)
    )
    refresher_every_weeks: int = param(
        0, "weeks between refresher sessions (0 = none)", "assumed", 0, 520, lever=(0, 52)
    )
    classroom_effect: float = share(0.25, "share of the skill gap one session closes", "assumed (0.1-0.4)")
    classroom_high_severity_share: float = share(
        0.25, "part of the classroom effect that reaches high-severity skill", "assumed; 000 l.687"
    )
    decay_per_week: float = rate(0.006, "weekly decay of trained skill toward baseline", "assumed (0.002-0.02)")
    mentoring: bool = param(
        False, "senior mentoring on the job (needs mentoring money)", "000 l.687-689", lever=(False, True)
    )
    mentoring_effect_per_week: float = rate(0.02, "weekly share of high-severity gap closed", "assumed (0.005-0.04)")
    mentoring_low_severity_share: float = share(0.4, "part of the mentoring effect on low-severity skill", "assumed")
    baseline_skill: float = share(0.45, "low-severity skill of an untrained worker", "assumed; 000 l.679")
    baseline_high_skill: float = share(0.15, "high-severity skill of an untrained worker", "assumed; 000 l.685")
    learning_by_doing_per_week: float = rate(0.001, "skill gained per week of casework", "assumed")
    session_cost_per_worker: float = positive(3.0, "cost of one classroom session per worker, Rp m", "assumed", 1e3)
    mentoring_cost_per_worker_week: float = positive(0.35, "mentoring cost per worker-week, Rp m", "assumed", 100.0)


@dataclass
class CoordinationConfig:
    hub: bool = param(
        True, "an integrated hub (PKSAI / ULT PSAI) handles intake and referral", "000 l.567", lever=(False, True)
    )
    shared_cms: bool = param(
        False, "shared case-management system (needs its budget line)", "000 l.645; 001 l.123", lever=(False, True)
    )
    sop: bool = param(True, "standard operating procedures agreed across agencies", "001 l.123", lever=(False, True))
    mou: bool = param(False, "memorandum of understanding with partner agencies", "002 l.90", lever=(False, True))
    ngo_report_share: float = share(
        0.2,
        "without a hub: share of the NGO's own finds it passes on to the case type's partner (it serves the rest "
        "itself); with a hub every case is referred by its type",
        "assumed (0-0.5); 002 l.104-118 (victims identified by ECPAT are not reported to the police)",
    )
    base_acceptance: float = share(0.55, "chance a partner accepts a referral with no coordination aids", "assumed")
    sop_bonus: float = share(0.08, "acceptance gain from SOPs", "assumed")
    mou_bonus: float = share(0.08, "acceptance gain from an MoU", "assumed")
    cms_bonus: float = share(0.15, "acceptance gain from a working shared CMS", "assumed; 000 l.619")
    hub_bonus: float = share(0.08, "acceptance gain from a hub", "assumed; 000 l.619")
    regional_law_bonus: float = share(0.12, "acceptance gain when a regional law binds agencies", "000 l.723")
    actor_penalty: float = share(0.02, "acceptance loss per partner above four without a hub", "assumed; Axelrod")
    role_overlap_penalty: float = share(
        0.02, "acceptance loss per extra employer group with overlapping roles", "assumed (0-0.05); 000 l.679"
    )
    base_delay_weeks: float = positive(6.0, "mean weeks before an accepted referral is served", "assumed", 104.0)
    cms_delay_reduction: float = share(0.5, "share of delay removed by a working shared CMS", "assumed")
    hub_delay_reduction: float = share(0.3, "share of delay removed by a hub", "assumed")
    max_referral_attempts: int = param(3, "referral tries before a worker gives up", "assumed", 1, 50)
    record_loss_weekly_without_cms: float = rate(0.004, "weekly chance a paper case file is lost", "000 l.645")
    meetings_per_year: int = param(4, "coordination meetings per year (regularity)", "assumed", 0, 52)
    mou_capacity_gain: float = param(
        0.3, "partner capacity committed by an MoU (share added)", "assumed (0-0.6); 002 l.90", 0.0, 5.0
    )
    regional_law_capacity_gain: float = param(
        0.3,
        "partner capacity added when a regional law binds agencies to plan for it",
        "assumed (0-0.6); 000 l.723",
        0.0,
        5.0,
    )
    hub_capacity_gain: float = param(
        0.15,
        "partner capacity freed by a hub's coordination (fewer duplicate referrals)",
        "assumed (0-0.3); 000 l.619",
        0.0,
        5.0,
    )
    partner_funding_dependence: float = share(
        0.2,
        "share of partner capacity that depends on the programme's funding (lost with its shortfall)",
        "assumed (0-0.5); 000 l.631, l.753",
    )
    uncovered_referral_factor: float = share(
        0.6,
        "referral acceptance outside registry-covered areas (no committee to take the case)",
        "assumed (0.3-0.9); 004 l.108",
    )
    opening_year: int = param(
        0,
        "year the hub opens; its outreach, prevention and coordination ramp up from then (0 = the first year)",
        "assumed; set per scenario from the launch date",
        0,
        2200,
    )
    ramp_up_years: float = param(1.0, "years from opening to full strength", "assumed (0-3)", 0.0, 20.0)
    referral_share: CaseTypeValues = param(
        lambda: CaseTypeValues(
            economic_exploitation=0.5,
            sexual_exploitation=0.9,
            violence=0.7,
            neglect=0.5,
            birth_registration=1.0,
            school_dropout=0.8,
        ),
        "share of cases needing a partner service",
        "assumed; 000 l.575",
        lo=0.0,
        hi=1.0,
    )
    referral_agency: CaseTypeAgencies = param(
        CaseTypeAgencies, "partner that serves each case type's referral", "000 l.575, l.619", choices=PARTNER_AGENCIES
    )
    agency_capacity_per_week: AgencyValues = param(
        lambda: AgencyValues(
            social_affairs=8,
            p2tp2a=6,
            police=4,
            health=8,
            civil_registry=15,
            schools=10,
            care_institutions=3,
            ngo=4,
        ),
        "referrals each partner can serve per week",
        "assumed",
        lo=0.0,
        hi=10_000,
    )


@dataclass
class CaseworkConfig:
    work_weeks: CaseTypeValues = param(
        lambda: CaseTypeValues(
            economic_exploitation=6,
            sexual_exploitation=10,
            violence=8,
            neglect=6,
            birth_registration=2,
            school_dropout=4,
        ),
        "mean weeks of full-speed work a case needs",
        "assumed (3-20; no study gives durations, digest §4)",
        lo=0.1,
        hi=520,
    )
    supervision_weeks: CaseTypeValues = param(
        lambda: CaseTypeValues(
            economic_exploitation=13,
            sexual_exploitation=13,
            violence=13,
            neglect=13,
            birth_registration=0,
            school_dropout=0,
        ),
        "weeks of structured supervision after the intervention in a crisis case the unit handles itself "
        "(no partner service: the child stays home), before the case closes",
        "assumed (4-26); 000 l.613 (crisis cases: removal from harm or, if fit, structured supervision)",
        lo=0.0,
        hi=104,
    )
    max_case_weeks: int = param(78, "weeks after which an open case closes unresolved", "assumed (52-104)", 1, 1040)
    drop_while_waiting_weekly: float = rate(0.02, "weekly chance a waiting family drops out", "assumed")
    drop_active_weekly: float = rate(0.004, "weekly chance an active case drops out (falls with skill)", "assumed")
    speed_floor: float = share(
        0.5,
        "weekly progress of a worker with no skill for the case (1 = skill does not set speed)",
        "assumed (0.3-0.7)",
    )
    success_floor: float = share(
        0.6,
        "chance a finished intervention resolves the case with no skill for it; rises to 1 with full skill",
        "assumed (0.4-0.8); 000 l.679-685 (high-risk cases beyond unmentored workers)",
    )
    extra_vulnerability_work: float = positive(
        0.25, "extra work per family vulnerability beyond the first (share of the case's work)", "assumed (0-0.5)", 5.0
    )
    disability_work_multiplier: float = param(
        2.5,
        "work multiplier for a family with a disabled member (long-term rehabilitation and care)",
        "assumed (1.5-4); 001 l.60-75 (disability cases stay open)",
        1.0,
        20.0,
    )
    exploitation_work_multiplier: float = param(
        1.5,
        "work multiplier for economic and sexual exploitation (legal process, several agencies)",
        "assumed (1-3); 001 l.60-75, 002 l.104-118",
        1.0,
        20.0,
    )
    monitoring_load: float = share(
        0.2,
        "caseload slot a case holds while its own work is done and it waits for the partner's service or is "
        "under supervision",
        "assumed (0.1-0.4; the worker monitors)",
    )
    uncovered_casework_factor: float = share(
        0.6,
        "casework speed outside registry-covered areas (no sub-district committee to work with)",
        "assumed (0.3-0.9); 004 l.108",
    )


@dataclass
class PreventionConfig:
    awareness_gain_per_week: float = rate(0.004, "awareness gain at full prevention funding", "assumed; 000 l.611")
    awareness_decay_per_week: float = rate(0.002, "weekly decay of awareness toward its initial value", "assumed")
    early_intervention_families_per_year: float = positive(
        1500, "at-risk families given early intervention per year at full funding", "assumed", 1e7
    )
    early_intervention_weeks: int = param(26, "weeks an early intervention protects", "assumed", 1, 520)
    early_intervention_risk_reduction: float = share(0.4, "hazard reduction while protected", "assumed (0.2-0.6)")
    protection_lag_weeks: float = param(
        26.0,
        "weeks for raised awareness to turn into safer practice (the hazard follows awareness with this lag)",
        "assumed (8-52); parenting change takes months (000 l.611)",
        1.0,
        520.0,
    )


@dataclass
class WorkforceConfig:
    morale_adjust_per_week: float = rate(0.05, "speed at which morale moves toward its target", "assumed")
    overload_penalty: float = positive(0.4, "morale loss per unit caseload above norm", "assumed; 000 l.693", 5.0)
    insecure_pay_penalty: EmployerValues = param(
        lambda: EmployerValues(national=0.1, local=0.05, donor=0.15),
        "morale loss from low or insecure pay by employer",
        "000 l.693, l.753",
        lo=0.0,
        hi=1.0,
    )
    isolation_penalty: float = share(0.15, "morale loss of national workers outside local meetings", "000 l.693")
    isolation_left_by_regional_law: float = share(
        0.5,
        "share of national workers' isolation left under a regional law, which binds agencies to plan together",
        "assumed (0.2-0.8); 000 l.693 (excluded from local meetings), l.723 (a regional law binds all agencies)",
    )
    shortfall_penalty: float = share(0.3, "morale loss when programme lines are unfunded", "000 l.753")
    supervision_bonus: float = share(0.1, "morale gain at one supervisor per eight workers", "assumed")
    base_exit_weekly: float = rate(0.0015, "weekly exit chance at full morale (~8%/yr)", "assumed (5-15%/yr)")
    exit_morale_slope: float = positive(2.5, "exit hazard x exp(slope x (1 - morale))", "assumed (1-5)", 20.0)


@dataclass
class WorktimeConfig:
    """A worker's week of hours (agents/worktime.py): administration, supervision, training and mentoring come
    first; casework takes what the worker's cases need; what is left goes to outreach and family visits."""

    hours_per_week: float = param(
        37.5,
        "working hours in a worker's week",
        "Indonesian civil service: 37.5 h a week (Keppres 68/1995); 35-40",
        1.0,
        80.0,
    )
    admin_share: float = share(
        0.3,
        "share of the week spent on administration and reporting without a working case-management system",
        "assumed (0.2-0.4); child-welfare workload studies; 000 l.645 (a report per child, no system to keep it)",
    )
    cms_admin_saving: float = share(
        0.3,
        "share of the administration a fully working shared case-management system saves",
        "assumed (0.1-0.5); 000 l.645, 001 l.123 (Primero in Tulungagung)",
    )
    supervision_hours_per_week: float = param(
        1.5, "hours a week a worker spends in supervision when supervision is full", "assumed (1-2)", 0.0, 40.0
    )
    mentoring_hours_per_week: float = param(
        3.0, "hours a week a mentored worker spends with the mentor", "assumed (1-4); 000 l.687-689", 0.0, 40.0
    )
    classroom_hours_per_session: float = param(
        24.0,
        "hours a classroom session takes (the worker is away the week after it)",
        "assumed (16-40: a three-day course)",
        0.0,
        80.0,
    )
    case_hours_per_week: CaseTypeValues = param(
        lambda: CaseTypeValues(
            economic_exploitation=2.5,
            sexual_exploitation=2.5,
            violence=1.5,
            neglect=1.5,
            birth_registration=0.75,
            school_dropout=1.0,
        ),
        "hours a week a low-severity case needs while it is worked (visits, assessment, follow-up, reports)",
        "assumed: caseload standards of 12-17 ongoing cases per worker (CWLA) imply about 1.5-2.5 h a case a "
        "week; exploitation more (legal process, several agencies)",
        lo=0.0,
        hi=40.0,
    )
    high_severity_hours_multiplier: float = param(
        2.0, "hours multiplier for a high-severity case", "assumed (1.5-3); 000 l.685", 1.0, 10.0
    )
    outreach_hours_per_1000_children: float = param(
        2.0,
        "staff hours of outreach and family visits a week per 1,000 children at which funded outreach finds "
        "hidden harm at its full rate (`detection.outreach_weekly`)",
        "assumed (1-4); 000 l.679-685 (no capacity for follow-up and outreach)",
        0.01,
        1000.0,
    )
    outreach_effort_cap: float = param(
        1.5,
        "most that spare staff time can raise outreach, as a multiple of its full rate (diminishing returns)",
        "assumed (1-2)",
        1.0,
        10.0,
    )


@dataclass
class FundingConfig:
    funder_share: LineValues = param(
        lambda: LineValues(
            training=1.0,
            mentoring=1.0,
            case_management_system=1.0,
            outreach=0.7,
            worker_contracts=1.0,
            prevention=0.6,
        ),
        "share of each line's planned cost the funder pays before withdrawal",
        "000 l.753 (UNICEF funds the programme); assumed shares",
        lo=0.0,
        hi=1.0,
    )
    local_share: LineValues = param(
        lambda: LineValues(outreach=0.2, prevention=0.2),
        "share of each line's planned cost the local government pays routinely",
        "000 l.631 (local budgets short); assumed",
        lo=0.0,
        hi=1.0,
        lever={"prevention": (0.0, "1-funder_share")},
    )
    cms_cost_per_year: float = positive(150.0, "case-management system cost, Rp m / year", "assumed", 1e6)
    outreach_cost_per_year: float = positive(400.0, "outreach cost at full intensity, Rp m / year", "assumed", 1e6)
    prevention_cost_per_year: float = positive(600.0, "prevention cost at full intensity, Rp m / year", "assumed", 1e6)
    withdrawal_shape: str = param(
        "linear", "how the funder exits", "000 l.753 (gradual handover)", choices=WITHDRAWAL_SHAPES
    )
    withdrawal_start_year: int = param(
        2021, "first year of reduced funder money", "assumed; 000 l.753", 1900, 2200, lever=("start+1", "end-1")
    )
    taper_years: float = positive(
        3.0, "years from full funding to zero (linear / exponential)", "assumed", 50.0, lever=(0.5, 5.0)
    )
    pickup_share: float = share(
        0.4, "share of withdrawn money the local government replaces", "assumed; 000 l.631", lever=(0.0, 1.0)
    )
    pickup_delay_years: int = param(1, "years before local pickup starts", "assumed (0-3)", 0, 50, lever=(0, 3))
    regulation: str = param(
        "mayoral", "legal anchor of the programme", "000 l.629 (Perwali 71/2016)", choices=REGULATIONS
    )
    leadership_commitment: float = share(0.5, "yearly chance pickup happens with no regulation", "assumed; 001 l.140")
    mayoral_pickup_reliability: float = share(0.7, "yearly chance pickup happens under a mayoral regulation", "assumed")


PLAN_SOURCE = "plan file (cpsim-plans)"


@dataclass
class TransitionYear:
    """One year of a funding-transition plan; it holds until the next entry's year."""

    year: int = param(2015, "first calendar year this entry applies (until the next entry)", PLAN_SOURCE, 1900, 2200)
    funder_share: LineValues = param(
        LineValues,
        "share of each line's planned cost the funder pays this year",
        PLAN_SOURCE,
        lo=0.0,
        hi=1.0,
    )
    local_budget: float = positive(
        1e9,
        "Rp m / year the local government can put into programme lines (routine + pickup); default: no limit",
        PLAN_SOURCE,
        1e9,
    )
    positions: EmployerCounts = param(
        lambda: StaffingConfig().workers, "worker positions by employer this year", PLAN_SOURCE, 0, 1e4
    )


@dataclass
class TransitionConfig:
    """A funding-transition plan year by year (written by `cpsim-plans` from a plan file). While `years` is
    empty the funding section's withdrawal shape, pickup share and delay, and staffing.workers apply; once it
    holds entries, the funder pays the entry's shares, the local government picks up by line, and positions
    follow the entry. Before the first entry's year the funding and staffing sections apply."""

    years: list[TransitionYear] = param(list, "plan entries in increasing year order (empty = no plan)", PLAN_SOURCE)
    pickup_share: LineValues = param(
        LineValues,
        "share of the funder's withdrawn money the local government replaces, by line",
        PLAN_SOURCE,
        0.0,
        1.0,
    )
    pickup_delay_years: LineYears = param(
        LineYears, "years before local pickup of each line starts", PLAN_SOURCE, 0, 50
    )
    cut_order: list[str] = param(
        lambda: list(DEFAULT_CUT_ORDER),
        "lines cut first when the local budget cannot cover every line (unlisted lines are cut last)",
        PLAN_SOURCE,
        choices=BUDGET_LINES,
    )

    def entry(self, year: int) -> TransitionYear | None:
        """The plan entry in force in `year`: the last one starting at or before it (None before the first)."""
        current = None
        for item in self.years:
            if item.year > year:
                break
            current = item
        return current


@dataclass
class Config:
    run: RunConfig = field(default_factory=RunConfig)
    population: PopulationConfig = field(default_factory=PopulationConfig)
    economy: EconomyConfig = field(default_factory=EconomyConfig)
    harm: HarmConfig = field(default_factory=HarmConfig)
    detection: DetectionConfig = field(default_factory=DetectionConfig)
    staffing: StaffingConfig = field(default_factory=StaffingConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    coordination: CoordinationConfig = field(default_factory=CoordinationConfig)
    casework: CaseworkConfig = field(default_factory=CaseworkConfig)
    prevention: PreventionConfig = field(default_factory=PreventionConfig)
    workforce: WorkforceConfig = field(default_factory=WorkforceConfig)
    worktime: WorktimeConfig = field(default_factory=WorktimeConfig)
    funding: FundingConfig = field(default_factory=FundingConfig)
    transition: TransitionConfig = field(default_factory=TransitionConfig)

    @property
    def n_weeks(self) -> int:
        return 52 * (self.run.end_year - self.run.start_year)


def field_default(f: Any) -> Any:
    """The default value of a dataclass field, whether plain or from a factory."""
    if f.default is not MISSING:
        return f.default
    return f.default_factory()
