"""The workbench's memory stays bounded (issue 20): after 20 tab sessions and 5 compares, once Solara has
released the closed tabs' sessions, the server holds at most 1.5 x its memory after the first compare."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow  # a real browser, 20 sessions and 5 compares: about 100 s

pytest.importorskip("workbench_browser")  # skips without Playwright or chromium

from experiments.workbench.memory import BOUND, measure  # noqa: E402


def test_memory_after_20_sessions_and_5_compares_within_the_bound() -> None:
    m = measure(sessions=20, compares=5, cull="5s")
    assert m["after_all"] <= BOUND * m["after_first_compare"], m
