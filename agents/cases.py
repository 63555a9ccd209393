"""The case register: one row per case, stored as columns so the weekly casework is vectorised.

A case is opened when harm or a service need is detected, waits for a worker, is worked on (and referred to
a partner agency when it needs one), and closes resolved, unresolved or dropped. Rows are never deleted, so
every case ever opened is accounted for.

The register owns every change of a case's status and worker (`open`, `assign`, `start_monitoring`,
`release`, `close`, `mark_served`); a worker's caseload is not a counter kept elsewhere but is read from the
register (`caseloads`), so the two can never disagree.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scenarios.schema import CASE_TYPES, PARTNER_AGENCIES, VULNERABILITIES

# status
WAITING, ACTIVE, RESOLVED, UNRESOLVED, DROPPED = range(5)
STATUS_NAMES = ("waiting", "active", "resolved", "unresolved", "dropped")
# referral state
NO_REFERRAL, REFERRAL_PENDING, REFERRAL_QUEUED, REFERRAL_DONE, REFERRAL_FAILED = range(5)
REFERRAL_NAMES = ("none", "pending", "queued", "done", "failed")
# detection channel
CHANNELS = ("outreach", "community", "agency", "ngo")
# why a case closed unresolved / dropped
CLOSE_REASONS = ("", "resolved", "time_limit", "referral_failed", "family_dropped", "file_lost", "not_resolved")
WHY_OPEN, WHY_RESOLVED, WHY_TIME_LIMIT, WHY_REFERRAL_FAILED, WHY_FAMILY_DROPPED, WHY_FILE_LOST, WHY_NOT_RESOLVED = (
    range(7)
)
STATUS_OF_REASON = {
    WHY_RESOLVED: RESOLVED,
    WHY_TIME_LIMIT: UNRESOLVED,
    WHY_REFERRAL_FAILED: UNRESOLVED,
    WHY_NOT_RESOLVED: UNRESOLVED,
    WHY_FAMILY_DROPPED: DROPPED,
    WHY_FILE_LOST: DROPPED,
}
STATUS_CODE_OF_REASON = np.array([STATUS_OF_REASON.get(why, WAITING) for why in range(len(CLOSE_REASONS))])

_COLUMNS: dict[str, type] = {
    "family": np.int32,
    "kind": np.int8,
    "high_severity": np.bool_,
    "channel": np.int8,
    "covered": np.bool_,
    "opened_week": np.int32,
    "status": np.int8,
    "worker": np.int32,
    "assigned_week": np.int32,
    "closed_week": np.int32,
    "close_reason": np.int8,
    "progress": np.float64,
    "competence": np.float64,  # the assigned worker's skill for this case's severity, this week
    "attention": np.float64,  # share of the hours the case needs that its worker could give this week
    "work_needed": np.float64,
    "referral": np.int8,
    "referral_agency": np.int8,
    "referral_attempts": np.int16,
    "referral_sent_week": np.int32,
    "referral_done_week": np.int32,
    "vulnerabilities": np.uint8,  # the family's vulnerability bitmask (bit i = VULNERABILITIES[i]) at opening
    "children": np.int16,  # children harmed in the episode the case is about
    "harm_week": np.int32,  # week the episode began
    "episode": np.int64,  # the episode's id (a family's later case about the same episode shares it)
    "episode_number": np.int32,  # the family's number for the episode (0 = its first): with the family and
    "attempt": np.int32,  # the case's number within the episode (0 = first), the key of the case's draws
    "drop_clock": np.float64,  # event clock of the family dropping out (or the file being lost)
    "drop_threshold": np.float64,
    "served_week": np.int32,  # first week served (resolved, referral delivered, or supervision begun)
    "monitoring": np.bool_,  # own work done, waiting for the partner or under supervision: the worker monitors
    "supervised_until": np.int32,  # week structured supervision ends (-1: not begun or not needed)
}


class CaseTable:
    def __init__(self, capacity: int = 4096) -> None:
        self.n = 0
        self._closed_below = 0  # every case with a lower id is closed (see `_first_open`)
        self.cols: dict[str, np.ndarray] = {name: np.zeros(capacity, dtype=t) for name, t in _COLUMNS.items()}
        self._refresh_views()

    def __len__(self) -> int:
        return self.n

    def _refresh_views(self) -> None:
        """Expose each column's first n rows as an attribute (cases.status, cases.worker, ...): views, so
        writes go to the table. Refreshed whenever n or the storage changes."""
        for name, col in self.cols.items():
            setattr(self, name, col[: self.n])

    def open(self, **values: np.ndarray) -> np.ndarray:
        """Append cases given as equal-length arrays (missing columns get their 'not yet' value); return ids."""
        k = len(values["family"])
        if self.n + k > len(self.cols["family"]):
            new_cap = max(2 * len(self.cols["family"]), self.n + k)
            for name, col in self.cols.items():
                grown = np.zeros(new_cap, dtype=col.dtype)
                grown[: self.n] = col[: self.n]
                self.cols[name] = grown
        ids = np.arange(self.n, self.n + k)
        for name in (
            "worker",
            "assigned_week",
            "closed_week",
            "referral_sent_week",
            "referral_done_week",
            "served_week",
            "supervised_until",
        ):
            self.cols[name][ids] = -1
        for name, vals in values.items():
            self.cols[name][ids] = vals
        self.n += k
        self._refresh_views()
        return ids

    def ids_with_status(self, status: int) -> np.ndarray:
        if status in (WAITING, ACTIVE):  # open cases: only the tail of the register can hold them
            start = self._first_open()
            return start + np.flatnonzero(self.status[start:] == status)
        return np.flatnonzero(self.status == status)

    def _first_open(self) -> int:
        """The lowest id of a case that is not closed. A closed case never reopens and cases close roughly in
        the order they opened (at the latest at the time limit), so the weekly look-ups of waiting and active
        cases need only scan the register from here, not every case since the start."""
        status, first = self.status, self._closed_below
        while first < self.n and status[first] >= RESOLVED:
            first += 1
        self._closed_below = first
        return first

    # ---- the only places a case's status or worker change ----

    def assign(self, case_ids: np.ndarray, worker_ids: np.ndarray, week: int) -> None:
        """Waiting cases go to these workers (a case assigned again after its worker left keeps its first
        assignment week)."""
        self.status[case_ids] = ACTIVE
        self.worker[case_ids] = worker_ids
        first = case_ids[self.assigned_week[case_ids] < 0]
        self.assigned_week[first] = week

    def start_monitoring(self, case_ids: np.ndarray) -> None:
        """The worker's own work on these cases is done; they only monitor them from now on."""
        self.monitoring[case_ids] = True

    def release(self, worker_id: int) -> None:
        """A leaving worker's active cases go back to the waiting list."""
        theirs = np.flatnonzero((self.worker == worker_id) & (self.status == ACTIVE))
        self.status[theirs] = WAITING
        self.worker[theirs] = -1
        self.monitoring[theirs] = False

    def close(self, case_ids: np.ndarray, reasons: np.ndarray, week: int) -> None:
        self.status[case_ids] = STATUS_CODE_OF_REASON[reasons]
        self.closed_week[case_ids] = week
        self.close_reason[case_ids] = reasons

    def mark_served(self, case_ids: np.ndarray, week: int) -> np.ndarray:
        """Record these cases' first service this week; returns the ones served for the first time."""
        new = case_ids[self.served_week[case_ids] < 0]
        self.served_week[new] = week
        return new

    # ---- read from the register ----

    def caseloads(self, n_workers: int, monitoring_load: float) -> np.ndarray:
        """Caseload slots in use per worker id: a case being worked takes one, a monitored case a fraction."""
        active = self.ids_with_status(ACTIVE)
        monitored = self.monitoring[active]
        worked = np.bincount(self.worker[active[~monitored]], minlength=n_workers).astype(np.float64)
        return worked + monitoring_load * np.bincount(self.worker[active[monitored]], minlength=n_workers)

    def holding(self, n_workers: int) -> np.ndarray:
        """Active cases (worked or monitored) per worker id."""
        return np.bincount(self.worker[self.ids_with_status(ACTIVE)], minlength=n_workers)

    def resolved_by(self, n_workers: int) -> np.ndarray:
        """Resolved cases per worker id (the worker who held each when it closed)."""
        return np.bincount(self.worker[self.status == RESOLVED], minlength=n_workers)

    def to_frame(self, start_year: int) -> pd.DataFrame:
        """The case log: one row per case, with names instead of codes."""
        n = self.n
        c = {name: col[:n] for name, col in self.cols.items()}
        closed = c["closed_week"]
        has_referral = c["referral"] != NO_REFERRAL
        return pd.DataFrame(
            {
                "case_id": np.arange(n, dtype=np.int32),
                "family_id": c["family"],
                "case_type": pd.Categorical.from_codes(c["kind"], CASE_TYPES),
                "high_severity": c["high_severity"],
                "channel": pd.Categorical.from_codes(c["channel"], CHANNELS),
                "registry_covered": c["covered"],
                "opened_week": c["opened_week"],
                "opened_year": start_year + c["opened_week"] // 52,
                "assigned_week": c["assigned_week"],
                "closed_week": closed,
                "status": pd.Categorical.from_codes(c["status"], STATUS_NAMES),
                "close_reason": pd.Categorical.from_codes(c["close_reason"], CLOSE_REASONS),
                "weeks_open": np.where(closed >= 0, closed - c["opened_week"], -1).astype(np.int32),
                "worker_id": c["worker"],
                "referral": pd.Categorical.from_codes(c["referral"], REFERRAL_NAMES),
                "referral_agency": pd.Categorical.from_codes(
                    np.where(has_referral, c["referral_agency"], -1), PARTNER_AGENCIES
                ),
                "referral_attempts": c["referral_attempts"],
                "referral_sent_week": c["referral_sent_week"],
                "referral_done_week": c["referral_done_week"],
                "children_harmed": c["children"],
                "harm_week": c["harm_week"],
                "episode_id": c["episode"],
                "served_week": c["served_week"],
                **{f"family_{v}": (c["vulnerabilities"] & (1 << i)) > 0 for i, v in enumerate(VULNERABILITIES)},
            }
        )
