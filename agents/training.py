"""Training: classroom sessions, mentoring on the job, and how skill drifts between them.

Two skills: `skill` for low-severity work, `high_skill` for high-severity cases. A classroom session closes
part of the skill gap and mostly reaches low-severity work; it decays back toward the baseline. Mentoring by
a senior, week by week while its budget line is funded, mostly raises high-severity skill, which classroom
training hardly reaches; casework itself teaches a little (000 l.679-689).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from scenarios.schema import Config, TrainingConfig

if TYPE_CHECKING:
    from agents.workforce import SocialWorker


def session_weeks(cfg: Config) -> set[int]:
    """Weeks with a classroom session: the start, then every `refresher_every_weeks`."""
    tr = cfg.training
    if not tr.classroom:
        return set()
    if tr.refresher_every_weeks <= 0:
        return {0}
    return set(range(0, cfg.n_weeks, tr.refresher_every_weeks))


def sessions_in_year(weeks: set[int], first_week: int) -> int:
    return sum(first_week <= w < first_week + 52 for w in weeks)


def attend_classroom(worker: SocialWorker, tr: TrainingConfig) -> None:
    """A classroom session closes part of the skill gap; little of it reaches high-severity work."""
    gain = tr.classroom_effect
    worker.skill += gain * (1.0 - worker.skill)
    worker.high_skill += gain * tr.classroom_high_severity_share * (1.0 - worker.high_skill)
    worker.sessions_attended += 1


def be_mentored(worker: SocialWorker, tr: TrainingConfig, intensity: float) -> None:
    """A week of mentoring at the funded intensity: mostly high-severity skill."""
    gain = tr.mentoring_effect_per_week * intensity
    worker.high_skill += gain * (1.0 - worker.high_skill)
    worker.skill += gain * tr.mentoring_low_severity_share * (1.0 - worker.skill)
    worker.mentored_weeks += intensity


def drift(worker: SocialWorker, tr: TrainingConfig, has_cases: bool) -> None:
    """Trained skill decays toward the baseline; a worker with cases learns a little by doing."""
    worker.skill -= tr.decay_per_week * (worker.skill - tr.baseline_skill)
    worker.high_skill -= tr.decay_per_week * (worker.high_skill - tr.baseline_high_skill)
    if has_cases:
        worker.skill += tr.learning_by_doing_per_week * (1.0 - worker.skill)
        worker.high_skill += 0.5 * tr.learning_by_doing_per_week * (1.0 - worker.high_skill)


def train(
    workers: list[SocialWorker],
    tr: TrainingConfig,
    session_funded: float,
    mentoring_funded: float,
    u: np.ndarray,
    holding: np.ndarray,
) -> None:
    """This week's training: a classroom session for the funded share of workers (those with the lowest of
    this week's uniforms `u`, one per worker: a random subset that a better-funded session extends), a week
    of mentoring for everyone when the mentoring line is funded, then the weekly skill drift (`holding`: active
    cases per worker id)."""
    if session_funded > 0:
        n_trained = round(session_funded * len(workers))
        for pos in np.argsort(u, kind="stable")[:n_trained].tolist():
            attend_classroom(workers[pos], tr)
    if tr.mentoring and mentoring_funded > 0:
        for worker in workers:
            be_mentored(worker, tr, mentoring_funded)
    for worker in workers:
        drift(worker, tr, holding[worker.log_id] > 0)
