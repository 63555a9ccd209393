"""The workbench's compares outlive the page: the board queues them first come first served, says how many are
ahead and about how long, cancels a waiting one at once and a running one within seconds (its runs stop at
the next simulated week), keeps a browser's last finished compares for that browser only; a browser's draft
is kept on the server and comes back after a reload."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from experiments.workbench import board as B
from experiments.workbench import draft as D
from experiments.workbench import drafts
from experiments.workbench.jobs import Cancelled, CompareJob, shared_pool


class FakeJob:
    """A compare that reports progress and ends when told (or when cancelled)."""

    def __init__(self, steps: int = 4) -> None:
        self.go = threading.Event()
        self.stop = threading.Event()
        self.steps = steps
        self.ran = False

    def run(self, on_progress):  # noqa: ANN001, ANN201
        self.ran = True
        self.go.wait(10)
        for i in range(1, self.steps + 1):
            if self.stop.is_set():
                raise Cancelled()
            time.sleep(0.02)
            on_progress(i / self.steps, f"{i} of {self.steps}")
        return f"comparison {id(self)}"

    def cancel(self) -> None:
        self.stop.set()
        self.go.set()


def _wait(check, seconds: float = 10) -> None:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def _submit(board: B.Board, owner: str, job: FakeJob, work: float = 100) -> B.Entry:
    return board.submit(owner, "plan", job, lambda comp: {"comp": comp}, work)  # type: ignore[arg-type]


def test_compares_queue_in_order_and_say_what_is_ahead() -> None:
    board = B.Board()
    first, second, third = FakeJob(), FakeJob(), FakeJob()
    a = _submit(board, "browser-1", first)
    b = _submit(board, "browser-2", second)
    c = _submit(board, "browser-2", third)
    _wait(lambda: a.state == B.RUNNING)
    assert [e.id for e in board.ahead(c)] == [a.id, b.id] and board.ahead(b) == [a]
    assert board.seconds_left(c) is None  # no pace yet: no number invented
    first.go.set()
    _wait(lambda: a.state == B.DONE and b.state == B.RUNNING)
    assert a.result == {"comp": f"comparison {id(first)}"} and a.fraction == 1.0
    assert not third.ran and board.ahead(c) == [b]
    left = board.seconds_left(c)
    assert left is not None and left > 0  # paced by the compare that finished
    second.go.set()
    third.go.set()
    _wait(lambda: c.state == B.DONE)


def test_a_browser_sees_only_its_own_compares_newest_first() -> None:
    board = B.Board()
    jobs = [FakeJob() for _ in range(3)]
    mine = [_submit(board, "me", jobs[0]), _submit(board, "me", jobs[1])]
    theirs = _submit(board, "them", jobs[2])
    assert [e.id for e in board.entries("me")] == [mine[1].id, mine[0].id]
    assert board.get(theirs.id, "me") is None and board.get(theirs.id, "them") is theirs
    board.cancel(theirs.id, "me")  # not mine to cancel
    assert theirs.state != B.CANCELLED
    for j in jobs:
        j.go.set()
    _wait(lambda: all(e.over for e in [*mine, theirs]))


def test_cancel_a_waiting_compare_at_once_and_a_running_one_in_its_run() -> None:
    board = B.Board()
    running, waiting = FakeJob(), FakeJob()
    a = _submit(board, "me", running)
    b = _submit(board, "me", waiting)
    _wait(lambda: a.state == B.RUNNING)
    board.cancel(b.id, "me")
    assert b.state == B.CANCELLED and not waiting.ran
    board.cancel(a.id, "me")
    _wait(lambda: a.state == B.CANCELLED)
    assert a.result is None


def test_a_failed_compare_is_shown_and_the_board_goes_on() -> None:
    board = B.Board()

    class Broken(FakeJob):
        def run(self, on_progress):  # noqa: ANN001, ANN201
            raise ValueError("plan 'x': something is wrong")

    bad = _submit(board, "me", Broken())
    good_job = FakeJob()
    good = _submit(board, "me", good_job)
    good_job.go.set()
    _wait(lambda: good.state == B.DONE)
    assert bad.state == B.FAILED and bad.error == "plan 'x': something is wrong"


def test_a_browser_keeps_its_last_finished_compares_only() -> None:
    board = B.Board()
    entries = []
    for _ in range(B.KEPT_PER_BROWSER + 2):
        job = FakeJob()
        job.go.set()
        entries.append(_submit(board, "me", job))
    _wait(lambda: all(e.over for e in entries))
    kept = board.entries("me")
    assert [e.id for e in kept] == [e.id for e in reversed(entries)][: B.KEPT_PER_BROWSER]


def test_a_draft_comes_back_and_a_damaged_one_is_ignored(tmp_path: Path) -> None:
    d = D.example("linear_taper_3y").with_cell("funder_share.2021.outreach", "0,5")
    settings = {"scenario": "makassar_pksai", "children": "20000", "repeats": "4", "others": []}
    drafts.save(tmp_path, "session-1", d, settings)
    assert drafts.load(tmp_path, "session-1") == (d, settings)
    assert drafts.load(tmp_path, "session-2") is None
    drafts.path_of(tmp_path, "session-1").write_text('{"draft": {"funder_share": 3}')
    assert drafts.load(tmp_path, "session-1") is None
    assert drafts.path_of(tmp_path, "../../etc/passwd").parent == tmp_path / drafts.FOLDER


@pytest.mark.slow
def test_cancel_stops_the_runs_under_way_within_seconds() -> None:
    """A full-size city's runs take far longer than the wait allowed here: only stopping them mid-run passes."""
    scenario = D.scenario("makassar_pksai")
    plans = [D.to_plan(D.example(n), scenario) for n in ("funder_stays", "linear_taper_3y")]
    job = CompareJob(plans, scenario, [0, 1], shared_pool(2), info={"scenario": "makassar_pksai", "overrides": ""})
    started = threading.Event()
    outcome: list[object] = []

    def go() -> None:
        try:
            outcome.append(job.run(lambda fraction, text: started.set() if fraction > 0 else None))
        except Cancelled as exc:
            outcome.append(exc)

    thread = threading.Thread(target=go)
    thread.start()
    assert started.wait(120), "no progress reported"
    t0 = time.monotonic()
    job.cancel()
    thread.join(30)
    seconds = time.monotonic() - t0
    assert isinstance(outcome[0], Cancelled)
    assert all(f.done() for f in job._futures) and seconds < 2, f"{seconds:.1f} s"  # unstopped: 4 s idle, 25 s loaded
